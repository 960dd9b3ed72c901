"""Lanner room: api."""
