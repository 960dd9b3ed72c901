"""Lanner room: worker."""
