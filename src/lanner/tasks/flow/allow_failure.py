"""``io.kestra.plugin.core.flow.AllowFailure``: a sequential group whose failure is only a warning."""

from __future__ import annotations

from pydantic import Field

from .sequential import Sequential


class AllowFailure(Sequential):
    """Run `tasks` one after another; if one fails, this task ends in WARNING and the flow goes on.

    It is a `Sequential` group with `allowFailure` on by default.
    """

    kestra_type = "io.kestra.plugin.core.flow.AllowFailure"
    aliases = ("io.kestra.core.tasks.flows.AllowFailure",)
    examples = (
        """\
id: allow_failure_example
namespace: company.team

tasks:
  - id: may_fail
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: fails
        type: io.kestra.plugin.core.execution.Fail
        errorMessage: expected failure
  - id: still_runs
    type: io.kestra.plugin.core.log.Log
    message: the flow continued
""",
    )

    allowFailure: bool = Field(default=True, description="Failed children make this task WARNING.")
