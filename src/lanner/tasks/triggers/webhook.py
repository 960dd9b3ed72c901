"""``io.kestra.plugin.core.trigger.Webhook``: start this flow with an HTTP request."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Trigger


class Webhook(Trigger):
    """Create an execution when `/api/v1/main/executions/webhook/{namespace}/{flowId}/{key}` is called
    (GET, POST or PUT, no authentication: the key is the secret). The request is available as
    `{{ trigger.body }}`, `{{ trigger.headers }}` and `{{ trigger.parameters }}`."""

    kestra_type = "io.kestra.plugin.core.trigger.Webhook"
    aliases = ("io.kestra.core.models.triggers.types.Webhook",)
    examples = (
        """\
id: on_webhook
namespace: company.team

tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body }}"

triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: 4wjtkzwVGBM9yKnjm3yv8r
""",
    )

    key: str = Field(min_length=1, max_length=256, description="The secret part of the webhook URL.")
    wait: bool = Field(default=False, description="Answer only once the execution ended.")
    returnOutputs: bool = Field(default=False, description="With `wait`, return the flow outputs.")
