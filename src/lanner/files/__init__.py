"""Lanner room: files."""
