"""What the copilot knows about each plugin type, built from the registry and ``plugins.schema``.

One ``TypeDoc`` per current (non-deprecated) type: its description (the class docstring), its own
properties (the ones every task shares are stated once in the rules instead), its examples and a
few search keywords. The same records feed retrieval (``retrieval``) and the prompt (``prompt``),
so what the model reads is exactly what the validator enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lanner.plugins import registry
from lanner.plugins.schema import task_schema

# Properties of every task/trigger, described once in the rules (``rules.COMMON_PROPERTIES``).
COMMON = frozenset({"id", "type", "description", "retry", "timeout", "disabled", "logLevel", "allowFailure",
                    "allowWarning", "logToFile", "runIf", "workerGroup", "version", "failOnTriggerError",
                    "allowConcurrent"})

# Words people use for a family of types that its docs may not contain (document expansion: the
# same for every request, so retrieval stays a property of the catalog, not of one prompt).
KEYWORDS: dict[str, str] = {
    "io.kestra.plugin.jdbc.postgresql.": "postgres postgresql pg database sql table rows relational",
    "io.kestra.plugin.jdbc.duckdb.": "duckdb analytics local sql parquet csv dataframe in-process database",
    "io.kestra.plugin.jdbc.sqlite.": "sqlite local database file sql",
    "io.kestra.plugin.gcp.bigquery.": "bigquery bq google cloud gcp warehouse dataset table sql analytics",
    "io.kestra.plugin.gcp.gcs.": "gcs google cloud storage gcp bucket object blob lake gs",
    "io.kestra.plugin.scripts.python.": "python py pandas pip script code dlt polars",
    "io.kestra.plugin.scripts.shell.": "shell bash sh command line terminal cli script",
    "io.kestra.plugin.scripts.node.": "node nodejs javascript js npm typescript",
    "io.kestra.plugin.ai.": "ai llm language model prompt",
    "io.kestra.plugin.ai.completion.ChatCompletion": "chat ask question answer summarize summary generate "
                                                     "text classify categorize extract translate sentiment",
    "io.kestra.plugin.ai.rag.": "rag retrieval augmented documents knowledge embeddings vector search",
    "io.kestra.plugin.ai.provider.": "provider model vendor api key",
    "io.kestra.plugin.ai.embeddings.": "embeddings vector store index",
    "io.kestra.plugin.core.http.Download": "download fetch get file url csv json web internet gz",
    "io.kestra.plugin.core.http.Request": "http api rest call endpoint post get request json webhook notify "
                                          "slack",
    "io.kestra.plugin.core.trigger.Schedule": "schedule cron every hourly daily nightly weekly monthly "
                                              "yearly minute hour day week month year am pm morning evening "
                                              "midnight periodically recurring time monday tuesday wednesday "
                                              "thursday friday saturday sunday weekday",
    "io.kestra.plugin.core.trigger.Flow": "after another flow finishes completes upstream downstream depends "
                                          "event chain when succeeded failed",
    "io.kestra.plugin.core.trigger.Webhook": "webhook url http call external event incoming request",
    "io.kestra.plugin.core.flow.If": "if condition conditional else otherwise when only branch",
    "io.kestra.plugin.core.flow.Switch": "switch case branch depending value choose route",
    "io.kestra.plugin.core.flow.ForEach": "foreach each loop iterate every item list values for",
    "io.kestra.plugin.core.flow.Parallel": "parallel concurrently simultaneously same time at once",
    "io.kestra.plugin.core.flow.Sequential": "sequential group one after another block",
    "io.kestra.plugin.core.flow.Dag": "dag dependencies graph depends order",
    "io.kestra.plugin.core.flow.Subflow": "subflow child another flow call reuse invoke",
    "io.kestra.plugin.core.flow.Pause": "pause approval manual validation resume wait human review",
    "io.kestra.plugin.core.flow.Sleep": "sleep wait delay seconds minutes",
    "io.kestra.plugin.core.flow.WorkingDirectory": "working directory files shared folder same worker clone",
    "io.kestra.plugin.core.flow.AllowFailure": "allow failure ignore errors continue tolerate",
    "io.kestra.plugin.core.log.Log": "log print message output display hello say",
    "io.kestra.plugin.core.debug.Return": "return value debug expression compute render",
    "io.kestra.plugin.core.output.OutputValues": "output values expose outputs result",
    "io.kestra.plugin.core.execution.Fail": "fail error abort stop raise invalid",
    "io.kestra.plugin.core.execution.Labels": "labels tag label execution",
    "io.kestra.plugin.core.kv.": "kv key value store state persist variable cache",
    "io.kestra.plugin.core.kv.Set": "save set put write remember",
    "io.kestra.plugin.core.kv.Get": "read get fetch retrieve lookup",
    "io.kestra.plugin.core.kv.Delete": "delete remove expire",
    "io.kestra.plugin.core.kv.GetKeys": "list keys prefix",
    "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles": "purge clean delete temporary files storage "
                                                                "cleanup",
    "io.kestra.plugin.core.runner.Process": "process local runner no docker",
    "io.kestra.plugin.scripts.runner.docker.": "docker container image runner",
}


@dataclass(frozen=True, slots=True)
class PropDoc:
    name: str
    type_text: str
    required: bool
    description: str = ""
    default: str | None = None


@dataclass(frozen=True, slots=True)
class TypeDoc:
    type: str
    kind: str  # task | trigger | object
    aliases: tuple[str, ...]
    description: str
    properties: tuple[PropDoc, ...]
    examples: tuple[str, ...]
    keywords: str

    @property
    def short_name(self) -> str:
        return self.type.rsplit(".", 1)[-1]


@lru_cache(maxsize=1)
def catalog() -> tuple[TypeDoc, ...]:
    """Every current plugin type, deprecated ones left out (a new flow should not use them)."""
    docs = []
    for name in registry.all_types():
        if registry.is_deprecated(name):
            continue
        doc = type_doc(name)
        if doc is not None:
            docs.append(doc)
    return tuple(docs)


def by_type() -> dict[str, TypeDoc]:
    return {doc.type: doc for doc in catalog()}


def type_doc(type_name: str) -> TypeDoc | None:
    """The doc of one type (aliases accepted), or None when unknown or broken."""
    canonical = registry.canonical(type_name)
    if canonical is None:
        return None
    try:
        schema = task_schema(canonical)
    except Exception:  # a plugin that fails to load must not break the copilot
        return None
    required = set(schema.get("required", ()))
    props = []
    for name, body in schema.get("properties", {}).items():
        if name in COMMON or _deprecated(body):
            continue
        props.append(PropDoc(name, type_text(body), name in required, _clean(body.get("description", "")),
                             _default(body)))
    return TypeDoc(
        type=canonical,
        kind=registry.REGISTRY.kind(canonical) or "object",
        aliases=tuple(schema.get("x-aliases", ())),
        description=_clean(schema.get("description", "")),
        properties=tuple(props),
        examples=tuple(schema.get("examples", ())),
        keywords=" ".join(words for prefix, words in KEYWORDS.items()
                          if _family(canonical).startswith(_family(prefix))),
    )


def _family(type_name: str) -> str:
    """``io.kestra.plugin.jdbc.duckdb.Query`` and ``io.lanner.plugin.jdbc.duckdb.CopyIn`` are both
    ``jdbc.duckdb.*``: keywords follow the family, whoever publishes the type."""
    return type_name.split(".plugin.", 1)[-1]


def type_text(body: dict[str, Any]) -> str:
    """A short, human type of a JSON Schema property: ``string``, ``list of tasks``, ``GET|POST``."""
    if "anyOf" in body or "oneOf" in body:
        members = [m for m in body.get("anyOf", body.get("oneOf", [])) if m.get("type") != "null"]
        texts = list(dict.fromkeys(type_text(m) for m in members))
        return " or ".join(texts) if texts else "any"
    ref = body.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name.startswith("Any"):
            return f"a {name[3:]} map with `type:`"
        return "map" if not name.endswith("Retry") else "retry map"
    if "enum" in body:
        return "|".join(str(v) for v in body["enum"])
    if "const" in body:
        return repr(body["const"])
    kind = body.get("type")
    if kind == "array":
        items = body.get("items", {})
        if items.get("$ref", "").endswith("/AnyTask"):
            return "list of tasks"
        return f"list of {type_text(items)}" if items else "list"
    if kind == "object":
        return "map"
    return str(kind) if kind else "any"


def _deprecated(body: dict[str, Any]) -> bool:
    return bool(body.get("deprecated")) or str(body.get("description", "")).lower().startswith("deprecated")


def _default(body: dict[str, Any]) -> str | None:
    if "default" not in body or body["default"] in (None, [], {}):
        return None
    return str(body["default"]).lower() if isinstance(body["default"], bool) else str(body["default"])


def _clean(text: str) -> str:
    return " ".join(str(text).split())
