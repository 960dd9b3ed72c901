"""Task tests run each task through the real worker (``run_task``): see tests/unit/worker."""

from __future__ import annotations

from tests.unit.worker.conftest import harness

__all__ = ["harness"]
