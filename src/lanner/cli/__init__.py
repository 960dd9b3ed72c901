"""Lanner room: cli."""
