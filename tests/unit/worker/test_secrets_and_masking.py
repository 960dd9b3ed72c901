"""secret(): base64 SECRET_* variables, clear errors, and masking in every log line."""

from __future__ import annotations

import base64
from typing import Any, ClassVar

import pytest

from lanner.errors import NotFoundError, UserCodeError
from lanner.model.state import State
from lanner.plugins.api import RunContext, RunnableTask
from lanner.worker.masking import MASK, Masker
from lanner.worker.secrets import read_secret


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class LeakySecret(RunnableTask):
    kestra_type: ClassVar[str] = "test.LeakySecret"
    key: str = "DB_PASSWORD"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        value = ctx.secret(self.key)
        ctx.logger.info(f"connecting with password={value}")
        ctx.logger.error(f"failed: {value}!")
        return {"length": len(value)}


class LeakyExpression(RunnableTask):
    kestra_type: ClassVar[str] = "test.LeakyExpression"
    message: str

    def run(self, ctx: RunContext) -> None:
        ctx.logger.info(ctx.render(self.message))


class Masked(RunnableTask):
    kestra_type: ClassVar[str] = "test.Masked"

    def run(self, ctx: RunContext) -> None:
        ctx.mask("tok-123456")
        ctx.logger.warn("token tok-123456 used")


def test_read_secret_decodes_base64_with_upper_cased_key():
    env = {"SECRET_MY_KEY": b64("value") + "\n"}
    assert read_secret(env, "my_key") == "value"


def test_read_secret_strips_newlines_inside_the_value():
    encoded = b64('{"type": "service_account", "private_key": "abc"}')
    env = {"SECRET_GCP_CREDS": encoded[:10] + "\n" + encoded[10:]}
    assert read_secret(env, "GCP_CREDS").startswith('{"type"')


def test_missing_secret_has_kestra_message():
    with pytest.raises(NotFoundError, match=r"^Cannot find secret for key 'NOPE'\.$"):
        read_secret({}, "NOPE")


def test_invalid_base64_secret_is_explained():
    with pytest.raises(UserCodeError, match="must be base64-encoded"):
        read_secret({"SECRET_X": "not base64!!"}, "X")


def test_secret_values_are_masked_in_logs(harness):
    harness.env["SECRET_DB_PASSWORD"] = b64("hunter22")
    result = harness.run(harness.task(LeakySecret, {}))
    assert result.state is State.SUCCESS
    assert result.outputs == {"length": 8}
    assert harness.messages("INFO") == [f"connecting with password={MASK}"]
    assert harness.messages("ERROR") == [f"failed: {MASK}!"]


def test_secrets_read_by_expressions_are_masked(harness):
    harness.env["SECRET_API_TOKEN"] = b64("abc-secret-token")
    harness.run(harness.task(LeakyExpression, {"message": "token is {{ secret('API_TOKEN') }}"}))
    assert harness.messages("INFO") == [f"token is {MASK}"]


def test_missing_secret_fails_the_task_with_kestra_message(harness):
    result = harness.run(harness.task(LeakySecret, {"key": "NOPE"}))
    assert result.state is State.FAILED
    assert result.error == "Cannot find secret for key 'NOPE'."


def test_mask_hides_any_value(harness):
    harness.run(harness.task(Masked, {}))
    assert harness.messages("WARN") == [f"token {MASK} used"]


def test_secret_in_a_failure_message_is_masked(harness):
    harness.env["SECRET_PW"] = b64("p4ssw0rd")
    result = harness.run(harness.task(LeakyExpression, {"message": "{{ secret('PW') ~ undefined_thing }}"}))
    assert result.state is State.FAILED
    assert all("p4ssw0rd" not in m for m in harness.messages())


def test_masker_masks_multiline_secret_line_by_line():
    masker = Masker()
    masker.add('{\n  "private_key": "-----BEGIN KEY-----",\n  "client_email": "x@y.iam"\n}')
    text = masker.apply('line "private_key": "-----BEGIN KEY-----", here')
    assert "BEGIN KEY" not in text


def test_masker_ignores_tiny_values():
    masker = Masker()
    masker.add("a")
    assert masker.apply("a cat") == "a cat"


def test_masker_masks_the_longest_value_first():
    masker = Masker()
    masker.add("secret")
    masker.add("secret-extended")
    assert masker.apply("secret-extended and secret") == f"{MASK} and {MASK}"
