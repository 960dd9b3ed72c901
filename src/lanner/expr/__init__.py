"""Lanner room: expr."""
