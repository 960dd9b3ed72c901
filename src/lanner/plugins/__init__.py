"""Lanner room: plugins."""
