"""Lanner room: store."""
