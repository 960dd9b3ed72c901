"""Lanner room: model."""
