"""Flow ``outputs``: rendered then typed when the execution ends (Kestra's ``typedOutputs``)."""

from __future__ import annotations

import json
from typing import Any

from lanner.engine.work import Work
from lanner.model.flow import FlowOutput


def _typed(output: FlowOutput, work: Work) -> Any:
    ctx = work.context()
    kind = (output.type or "STRING").upper()
    if kind in ("JSON", "ARRAY", "YAML", "MULTISELECT"):
        value = ctx.render_typed(output.value)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    rendered = ctx.render(output.value)
    if rendered is None:
        if output.required:
            raise ValueError(f"Missing required output '{output.id}'")
        return None
    if kind == "INT":
        return int(str(rendered).strip())
    if kind == "FLOAT":
        return float(str(rendered).strip())
    if kind == "BOOLEAN":
        if isinstance(rendered, bool):
            return rendered
        text = str(rendered).strip().lower()
        if text not in ("true", "false"):
            raise ValueError(f"Output '{output.id}': '{rendered}' is not a boolean")
        return text == "true"
    return rendered if isinstance(rendered, str) else json.dumps(rendered)


def render_flow_outputs(work: Work) -> dict[str, Any]:
    return {output.id: _typed(output, work) for output in work.flow.outputs}
