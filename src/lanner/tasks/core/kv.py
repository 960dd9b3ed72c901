"""``io.kestra.plugin.core.kv.*``: the namespace key-value store (reference §3.11)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lanner.plugins.api import KVType, Prop, RunContext, RunnableTask, TaskFailure

from ._support import render_bool, render_text

_KV_TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")


def _key(ctx: RunContext, raw: Any) -> str:
    return render_text(ctx, raw) or ""


def _namespace(ctx: RunContext, raw: Any) -> str:
    return (render_text(ctx, raw) if raw is not None else None) or ctx.namespace


def _missing(key: str, namespace: str) -> str:
    return f"No value found for key '{key}' in namespace '{namespace}' and `errorOnMissing` is set to true"


class Set(RunnableTask):
    """Create or replace a key-value pair in a namespace's KV store.

    ``value`` keeps its type when it is a single expression (``"{{ [1, 2] }}"`` stores a list).
    With ``kvType`` a string value is converted: NUMBER and JSON are parsed as JSON, BOOLEAN is
    true only for "true", DATETIME/DATE must be ISO instants, DURATION an ISO duration.
    ``ttl`` makes the pair expire. No outputs.
    """

    kestra_type = "io.kestra.plugin.core.kv.Set"
    examples = (
        """\
id: kv_set
namespace: zoomcamp

tasks:
  - id: gcp_project_id
    type: io.kestra.plugin.core.kv.Set
    key: GCP_PROJECT_ID
    kvType: STRING
    value: kestra-sandbox
""",
        """\
id: kv_set_ttl
namespace: company.team

tasks:
  - id: remember_run
    type: io.kestra.plugin.core.kv.Set
    key: last_run
    value: "{{ execution.startDate }}"
    kvType: DATETIME
    ttl: P30D
""",
    )

    key: Prop[str] = Field(description="The key to set. Rendered; letters, digits, `.`, `_`, `-`.")
    value: Any = Field(description="The value to store. Rendered, keeping its type for a single expression.")
    namespace: Prop[str] | None = Field(
        default=None, description="The namespace of the KV store (default: the flow's namespace). Rendered."
    )
    overwrite: Prop[bool] = Field(default=True, description="Replace an existing value; false fails instead.")
    ttl: Prop[str] | None = Field(
        default=None, description="Time to live as an ISO-8601 duration (e.g. `P1D`)."
    )
    kvType: Prop[KVType] | None = Field(
        default=None, description="The type of the value; see the description."
    )
    kvDescription: Prop[str] | None = Field(default=None, description="A description of the pair. Rendered.")

    def run(self, ctx: RunContext) -> None:
        namespace = _namespace(ctx, self.namespace)
        key = _key(ctx, self.key)
        value = ctx.render_typed(self.value)
        kv_type = render_text(ctx, self.kvType)
        if kv_type is not None:
            kv_type = kv_type.upper()
            if kv_type not in _KV_TYPES:
                raise TaskFailure(f"Invalid kvType '{kv_type}': expected one of {', '.join(_KV_TYPES)}")
        ttl = render_text(ctx, self.ttl)
        # The KV store converts string values to kvType (and checks key and TTL) as Kestra does.
        ctx.kv.set(
            key,
            value,
            namespace,
            kv_type=kv_type,  # type: ignore[arg-type]
            ttl=ttl or None,
            overwrite=render_bool(ctx, self.overwrite, True),
            description=render_text(ctx, self.kvDescription),
        )


class Get(RunnableTask):
    """Read the value of a key from a namespace's KV store into the output ``value``.

    A missing (or expired) key gives a null value, or fails when ``errorOnMissing`` is true.
    The same lookup is available in expressions as ``{{ kv('KEY') }}``.
    """

    kestra_type = "io.kestra.plugin.core.kv.Get"
    examples = (
        """\
id: kv_get
namespace: company.team

tasks:
  - id: get_value
    type: io.kestra.plugin.core.kv.Get
    key: my_variable
    errorOnMissing: true

  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.get_value.value }}"
""",
    )

    key: Prop[str] = Field(description="The key to read. Rendered.")
    namespace: Prop[str] | None = Field(
        default=None, description="The namespace of the KV store (default: the flow's namespace). Rendered."
    )
    errorOnMissing: Prop[bool] = Field(default=False, description="Fail when the key has no value.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = _namespace(ctx, self.namespace)
        key = _key(ctx, self.key)
        value = ctx.kv.get(key, namespace, error_on_missing=False)
        if value is None and render_bool(ctx, self.errorOnMissing):
            raise TaskFailure(_missing(key, namespace))
        return {"value": value}


class Delete(RunnableTask):
    """Delete a key from a namespace's KV store. Output ``deleted``: whether a value existed."""

    kestra_type = "io.kestra.plugin.core.kv.Delete"
    examples = (
        """\
id: kv_delete
namespace: company.team

tasks:
  - id: forget
    type: io.kestra.plugin.core.kv.Delete
    key: my_variable
""",
    )

    key: Prop[str] = Field(description="The key to delete. Rendered.")
    namespace: Prop[str] | None = Field(
        default=None, description="The namespace of the KV store (default: the flow's namespace). Rendered."
    )
    errorOnMissing: Prop[bool] = Field(default=False, description="Fail when the key has no value.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = _namespace(ctx, self.namespace)
        key = _key(ctx, self.key)
        deleted = ctx.kv.delete(key, namespace)
        if not deleted and render_bool(ctx, self.errorOnMissing):
            raise TaskFailure(_missing(key, namespace))
        return {"deleted": deleted}


class GetKeys(RunnableTask):
    """List the keys of a namespace's KV store (expired ones excluded) into the output ``keys``."""

    kestra_type = "io.kestra.plugin.core.kv.GetKeys"
    examples = (
        """\
id: kv_keys
namespace: company.team

tasks:
  - id: gcp_keys
    type: io.kestra.plugin.core.kv.GetKeys
    prefix: GCP_
""",
    )

    prefix: Prop[str] | None = Field(
        default=None, description="Only keys starting with this prefix. Rendered."
    )
    namespace: Prop[str] | None = Field(
        default=None, description="The namespace of the KV store (default: the flow's namespace). Rendered."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = _namespace(ctx, self.namespace)
        prefix = render_text(ctx, self.prefix) or None
        return {"keys": ctx.kv.keys(namespace, prefix)}
