"""Lanner room: files — internal storage by ``kestra:///`` URI (port, local disk, URIs, access)."""
