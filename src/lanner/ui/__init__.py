"""Lanner room: ui."""
