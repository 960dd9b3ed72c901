"""Lanner room: tasks."""
