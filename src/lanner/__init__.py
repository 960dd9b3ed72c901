"""Lanner: a Python-native, Kestra-compatible orchestrator."""
__version__ = "0.1.0"
