"""Lanner room: expr — Pebble-compatible expressions (kestra-reference §5)."""

from lanner.expr.context import build_variables, outputs_of
from lanner.expr.engine import ExprServices, Renderer

__all__ = ["ExprServices", "Renderer", "build_variables", "outputs_of"]
