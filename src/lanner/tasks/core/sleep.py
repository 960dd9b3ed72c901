"""``io.kestra.plugin.core.flow.Sleep``: wait for a duration (waking up early on kill)."""

from __future__ import annotations

import time

from pydantic import Field

from lanner.plugins.api import Duration, RunContext, RunnableTask

from ._support import java_duration, parse_duration, render_text

# How often a sleeping task checks whether its execution was killed.
_KILL_POLL_SECONDS = 0.05


class Sleep(RunnableTask):
    """Wait for the given ISO-8601 duration before the flow continues.

    The worker slot stays busy while waiting. When the execution is killed, the task stops
    waiting at once. No outputs.
    """

    kestra_type = "io.kestra.plugin.core.flow.Sleep"
    aliases = ("io.kestra.core.tasks.flows.Sleep",)
    examples = (
        """\
id: sleep_example
namespace: company.team

tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT5S
""",
    )

    duration: Duration = Field(
        description="How long to wait, as an ISO-8601 duration (e.g. `PT15S`). Rendered."
    )

    def run(self, ctx: RunContext) -> None:
        delta = parse_duration(render_text(ctx, self.duration))
        ctx.logger.info(f"Waiting for {java_duration(delta)}")
        deadline = time.monotonic() + max(delta.total_seconds(), 0.0)
        while not ctx.is_killed():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(remaining, _KILL_POLL_SECONDS))
