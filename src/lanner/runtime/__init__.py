"""Lanner room: runtime."""
