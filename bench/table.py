"""The one table every benchmark prints into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    metric: str
    lanner: str
    baseline: str  # measured in the same run
    ratio: float  # lanner / baseline (time-like) or baseline / lanner (rate-like)
    goal: str
    peers: str  # measured elsewhere, as published or measured by the author
    met: bool


def render(rows: list[Row]) -> str:
    headers = ("metric", "lanner", "baseline (same run)", "ratio", "goal", "met",
               "peers (measured elsewhere)")
    table = [headers] + [(r.metric, r.lanner, r.baseline, f"{r.ratio:.1f}x", r.goal,
                          "yes" if r.met else "NO", r.peers) for r in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(headers))]
    out = []
    for index, line in enumerate(table):
        out.append(" | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)))
        if index == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)
