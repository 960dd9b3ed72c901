"""Lanner room: engine."""
