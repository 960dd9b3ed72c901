"""The committed task/trigger/flow reference (docs/reference) is what the code generates."""

from __future__ import annotations

from pathlib import Path

from lanner.plugins.docgen import compare, generate

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_reference_is_up_to_date(tmp_path: Path) -> None:
    generate(tmp_path)
    stale = compare(tmp_path / "reference", DOCS / "reference")
    assert not stale, (f"docs/reference is out of date ({', '.join(stale[:8])}"
                       f"{' ...' if len(stale) > 8 else ''}): run `lanner docs generate`")
