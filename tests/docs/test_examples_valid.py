"""Every flow shown in the docs validates, so the docs cannot rot.

A ```yaml block with top-level `id`, `namespace` and `tasks` is a flow: it must parse with 0
errors. A block whose info string says ```yaml invalid is a deliberately broken flow (how-to
pages show validation errors): it must produce at least one error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lanner.plugins.flowparse import parse_flow

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```yaml([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FLOW_KEYS = ("id", "namespace", "tasks")


def _flow_blocks() -> list[tuple[str, str, bool]]:
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text("utf-8")
        for match in _BLOCK.finditer(text):
            info, body = match.group(1).strip(), match.group(2)
            if all(re.search(rf"^{key}:", body, re.MULTILINE) for key in _FLOW_KEYS):
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{path.relative_to(DOCS)}:{line}", body, "invalid" in info.split()))
    return found


BLOCKS = _flow_blocks()


def test_the_docs_contain_flows() -> None:
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize(("where", "body", "invalid"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_flow_example_validates(where: str, body: str, invalid: bool) -> None:
    result = parse_flow(body, where)
    if invalid:
        assert result.errors, f"{where} is marked `yaml invalid` but validates"
    else:
        assert not result.errors, "\n".join(issue.located() for issue in result.errors)
