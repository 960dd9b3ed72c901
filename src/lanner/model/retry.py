"""Retry policies (kestra-reference §2.9), shared by flows, flowable and runnable tasks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field

from lanner.model.flow import StrictModel

RetryBehavior = Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"]


class _RetryBase(StrictModel):
    # Counts every attempt, the first included. Kestra 1.x spells it maxAttempts: both accepted.
    maxAttempt: int | None = Field(default=None, ge=1,
                                   validation_alias=AliasChoices("maxAttempt", "maxAttempts"))
    maxDuration: str | None = None  # ISO-8601 duration
    warningOnRetry: bool = False
    behavior: RetryBehavior = "RETRY_FAILED_TASK"


class ConstantRetry(_RetryBase):
    type: Literal["constant"]
    interval: str


class ExponentialRetry(_RetryBase):
    type: Literal["exponential"]
    interval: str
    maxInterval: str
    delayFactor: float | None = None


class RandomRetry(_RetryBase):
    type: Literal["random"]
    minInterval: str
    maxInterval: str


Retry = Annotated[ConstantRetry | ExponentialRetry | RandomRetry, Field(discriminator="type")]
