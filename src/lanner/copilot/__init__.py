"""Lanner room: copilot."""
