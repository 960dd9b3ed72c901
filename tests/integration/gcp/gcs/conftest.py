"""The GCS emulator (shared with the FileStorage conformance suite) and the worker test harness
of tests/unit/worker."""

from __future__ import annotations

from tests.conformance.gcs_emulator import _emulator, emulator
from tests.unit.worker.conftest import harness

__all__ = ["_emulator", "emulator", "harness"]
