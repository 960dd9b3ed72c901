"""Lanner room: scheduler."""
