"""The static table of built-in plugin types: Kestra type string -> ``module:Class``.

Kept as plain strings so that resolving one type imports only its module (``lanner validate``
of one flow must start fast). ``tests/unit/plugins`` checks that every entry imports and that
each class declares the same type string and aliases.
"""

from __future__ import annotations

_CORE = "lanner.tasks.core"
_FLOW = "lanner.tasks.flow"
_SCRIPTS = "lanner.tasks.scripts"
_JDBC = "lanner.tasks.jdbc"
_GCP = "lanner.tasks.gcp"
_AI = "lanner.tasks.ai"
_DLT = "lanner.tasks.dlt"

# Task types (runnable and flowable).
TASKS: dict[str, str] = {
    # core runnable tasks (core-tasks helper)
    "io.kestra.plugin.core.log.Log": f"{_CORE}.log:Log",
    "io.kestra.plugin.core.debug.Return": f"{_CORE}.debug:Return",
    "io.kestra.plugin.core.flow.Sleep": f"{_CORE}.sleep:Sleep",
    "io.kestra.plugin.core.execution.Labels": f"{_CORE}.execution:Labels",
    "io.kestra.plugin.core.execution.Fail": f"{_CORE}.execution:Fail",
    "io.kestra.plugin.core.execution.Assert": f"{_CORE}.execution:Assert",
    "io.kestra.plugin.core.execution.Exit": f"{_CORE}.execution:Exit",
    "io.kestra.plugin.core.output.OutputValues": f"{_CORE}.output:OutputValues",
    "io.kestra.plugin.core.kv.Set": f"{_CORE}.kv:Set",
    "io.kestra.plugin.core.kv.Get": f"{_CORE}.kv:Get",
    "io.kestra.plugin.core.kv.Delete": f"{_CORE}.kv:Delete",
    "io.kestra.plugin.core.kv.GetKeys": f"{_CORE}.kv:GetKeys",
    "io.kestra.plugin.core.http.Download": f"{_CORE}.http:Download",
    "io.kestra.plugin.core.http.Request": f"{_CORE}.http:Request",
    "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles": f"{_CORE}.storage:PurgeCurrentExecutionFiles",
    "io.kestra.plugin.core.storage.LocalFiles": f"{_CORE}.storage:LocalFiles",
    "io.kestra.plugin.core.storage.Write": f"{_CORE}.storage_files:Write",
    "io.kestra.plugin.core.storage.Concat": f"{_CORE}.storage_files:Concat",
    "io.kestra.plugin.core.storage.Size": f"{_CORE}.storage_files:Size",
    "io.kestra.plugin.core.storage.Delete": f"{_CORE}.storage_files:Delete",
    "io.kestra.plugin.core.storage.Split": f"{_CORE}.storage_split:Split",
    "io.kestra.plugin.core.storage.DeduplicateItems": f"{_CORE}.storage_items:DeduplicateItems",
    "io.kestra.plugin.core.storage.FilterItems": f"{_CORE}.storage_items:FilterItems",
    # flowable tasks
    "io.kestra.plugin.core.flow.If": f"{_FLOW}.if_task:If",
    "io.kestra.plugin.core.flow.Switch": f"{_FLOW}.switch:Switch",
    "io.kestra.plugin.core.flow.Sequential": f"{_FLOW}.sequential:Sequential",
    "io.kestra.plugin.core.flow.AllowFailure": f"{_FLOW}.allow_failure:AllowFailure",
    "io.kestra.plugin.core.flow.Parallel": f"{_FLOW}.parallel:Parallel",
    "io.kestra.plugin.core.flow.ForEach": f"{_FLOW}.foreach:ForEach",
    "io.kestra.plugin.core.flow.ForEachItem": f"{_FLOW}.foreach_item:ForEachItem",
    "io.kestra.plugin.core.flow.EachSequential": f"{_FLOW}.each:EachSequential",
    "io.kestra.plugin.core.flow.EachParallel": f"{_FLOW}.each:EachParallel",
    "io.kestra.plugin.core.flow.Dag": f"{_FLOW}.dag:Dag",
    "io.kestra.plugin.core.flow.WorkingDirectory": f"{_FLOW}.working_directory:WorkingDirectory",
    "io.kestra.plugin.core.flow.Subflow": f"{_FLOW}.subflow:Subflow",
    "io.kestra.plugin.core.flow.Pause": f"{_FLOW}.pause:Pause",
    # scripts (schemas only for now)
    "io.kestra.plugin.scripts.python.Script": f"{_SCRIPTS}.python:Script",
    "io.kestra.plugin.scripts.python.Commands": f"{_SCRIPTS}.python:Commands",
    "io.kestra.plugin.scripts.shell.Script": f"{_SCRIPTS}.shell:Script",
    "io.kestra.plugin.scripts.shell.Commands": f"{_SCRIPTS}.shell:Commands",
    "io.kestra.plugin.scripts.node.Script": f"{_SCRIPTS}.node:Script",
    "io.kestra.plugin.scripts.node.Commands": f"{_SCRIPTS}.node:Commands",
    # jdbc
    "io.kestra.plugin.jdbc.postgresql.Query": f"{_JDBC}.postgresql:Query",
    "io.kestra.plugin.jdbc.postgresql.Queries": f"{_JDBC}.postgresql:Queries",
    "io.kestra.plugin.jdbc.postgresql.CopyIn": f"{_JDBC}.postgresql:CopyIn",
    "io.kestra.plugin.jdbc.postgresql.CopyOut": f"{_JDBC}.postgresql:CopyOut",
    "io.kestra.plugin.jdbc.duckdb.Query": f"{_JDBC}.duckdb:Query",
    "io.kestra.plugin.jdbc.duckdb.Queries": f"{_JDBC}.duckdb:Queries",
    "io.kestra.plugin.jdbc.sqlite.Query": f"{_JDBC}.sqlite:Query",
    "io.kestra.plugin.jdbc.sqlite.Queries": f"{_JDBC}.sqlite:Queries",
    "io.lanner.plugin.jdbc.duckdb.CopyIn": f"{_JDBC}.duckcopy:CopyIn",
    # gcp
    "io.kestra.plugin.gcp.gcs.Upload": f"{_GCP}.gcs:Upload",
    "io.kestra.plugin.gcp.gcs.Download": f"{_GCP}.gcs:Download",
    "io.kestra.plugin.gcp.gcs.Downloads": f"{_GCP}.gcs:Downloads",
    "io.kestra.plugin.gcp.gcs.Delete": f"{_GCP}.gcs:Delete",
    "io.kestra.plugin.gcp.gcs.List": f"{_GCP}.gcs:List",
    "io.kestra.plugin.gcp.gcs.Copy": f"{_GCP}.gcs:Copy",
    "io.kestra.plugin.gcp.gcs.CreateBucket": f"{_GCP}.gcs:CreateBucket",
    "io.kestra.plugin.gcp.gcs.DeleteBucket": f"{_GCP}.gcs:DeleteBucket",
    "io.kestra.plugin.gcp.bigquery.Query": f"{_GCP}.bigquery:Query",
    "io.kestra.plugin.gcp.bigquery.CreateDataset": f"{_GCP}.bigquery:CreateDataset",
    "io.kestra.plugin.gcp.bigquery.DeleteDataset": f"{_GCP}.bigquery:DeleteDataset",
    "io.kestra.plugin.gcp.bigquery.CreateTable": f"{_GCP}.bigquery:CreateTable",
    "io.kestra.plugin.gcp.bigquery.DeleteTable": f"{_GCP}.bigquery:DeleteTable",
    "io.kestra.plugin.gcp.bigquery.Load": f"{_GCP}.bigquery:Load",
    "io.kestra.plugin.gcp.bigquery.LoadFromGcs": f"{_GCP}.bigquery:LoadFromGcs",
    "io.kestra.plugin.gcp.bigquery.ExtractToGcs": f"{_GCP}.bigquery:ExtractToGcs",
    "io.kestra.plugin.gcp.bigquery.TableMetadata": f"{_GCP}.bigquery:TableMetadata",
    # ai
    "io.kestra.plugin.ai.completion.ChatCompletion": f"{_AI}.completion:ChatCompletion",
    "io.kestra.plugin.ai.rag.IngestDocument": f"{_AI}.rag:IngestDocument",
    "io.kestra.plugin.ai.rag.ChatCompletion": f"{_AI}.rag:ChatCompletion",
    # dlt
    "io.lanner.plugin.dlt.Pipeline": f"{_DLT}.pipeline:Pipeline",
}

TRIGGERS: dict[str, str] = {
    "io.kestra.plugin.core.trigger.Schedule": "lanner.tasks.triggers.schedule:Schedule",
    "io.kestra.plugin.core.trigger.Flow": "lanner.tasks.triggers.flow:FlowTrigger",
    "io.kestra.plugin.core.trigger.Webhook": "lanner.tasks.triggers.webhook:Webhook",
}

# Typed sub-objects that are not tasks: task runners, AI providers, embedding stores.
OBJECTS: dict[str, str] = {
    "io.kestra.plugin.core.runner.Process": f"{_SCRIPTS}.runners:Process",
    "io.kestra.plugin.scripts.runner.docker.Docker": f"{_SCRIPTS}.runners:Docker",
    "io.kestra.plugin.ai.provider.GoogleGemini": f"{_AI}.providers:GoogleGemini",
    "io.kestra.plugin.ai.provider.OpenAI": f"{_AI}.providers:OpenAI",
    "io.kestra.plugin.ai.provider.Ollama": f"{_AI}.providers:Ollama",
    "io.kestra.plugin.ai.embeddings.KestraKVStore": f"{_AI}.embeddings:KestraKVStore",
    "io.kestra.plugin.ai.embeddings.PGVector": f"{_AI}.embeddings:PGVector",
    "io.lanner.plugin.ai.provider.LocalEmbeddings": f"{_AI}.providers:LocalEmbeddings",
}

_PURGE = "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles"
_DOCKER = "io.kestra.plugin.scripts.runner.docker.Docker"

# Legacy names Kestra still accepts -> current names. Each class lists the same in `aliases`.
ALIASES: dict[str, str] = {
    "io.kestra.plugin.langchain4j.embeddings.PGVector": "io.kestra.plugin.ai.embeddings.PGVector",
    "io.kestra.core.tasks.log.Log": "io.kestra.plugin.core.log.Log",
    "io.kestra.core.tasks.debugs.Return": "io.kestra.plugin.core.debug.Return",
    "io.kestra.core.tasks.flows.Sleep": "io.kestra.plugin.core.flow.Sleep",
    "io.kestra.core.tasks.executions.Labels": "io.kestra.plugin.core.execution.Labels",
    "io.kestra.core.tasks.executions.Fail": "io.kestra.plugin.core.execution.Fail",
    "io.kestra.core.tasks.outputs.OutputValues": "io.kestra.plugin.core.output.OutputValues",
    "io.kestra.plugin.fs.http.Download": "io.kestra.plugin.core.http.Download",
    "io.kestra.plugin.fs.http.Request": "io.kestra.plugin.core.http.Request",
    "io.kestra.core.tasks.storages.LocalFiles": "io.kestra.plugin.core.storage.LocalFiles",
    "io.kestra.core.tasks.storages.Size": "io.kestra.plugin.core.storage.Size",
    "io.kestra.core.tasks.storages.Delete": "io.kestra.plugin.core.storage.Delete",
    "io.kestra.core.tasks.storages.Split": "io.kestra.plugin.core.storage.Split",
    "io.kestra.core.tasks.storages.DeduplicateItems": "io.kestra.plugin.core.storage.DeduplicateItems",
    "io.kestra.core.tasks.storages.FilterItems": "io.kestra.plugin.core.storage.FilterItems",
    "io.kestra.core.tasks.storages.PurgeExecution": _PURGE,
    "io.kestra.plugin.core.storage.PurgeExecution": _PURGE,
    "io.kestra.core.tasks.flows.If": "io.kestra.plugin.core.flow.If",
    "io.kestra.core.tasks.flows.Switch": "io.kestra.plugin.core.flow.Switch",
    "io.kestra.core.tasks.flows.Sequential": "io.kestra.plugin.core.flow.Sequential",
    "io.kestra.core.tasks.flows.AllowFailure": "io.kestra.plugin.core.flow.AllowFailure",
    "io.kestra.core.tasks.flows.Parallel": "io.kestra.plugin.core.flow.Parallel",
    "io.kestra.core.tasks.flows.EachSequential": "io.kestra.plugin.core.flow.EachSequential",
    "io.kestra.core.tasks.flows.EachParallel": "io.kestra.plugin.core.flow.EachParallel",
    "io.kestra.core.tasks.flows.ForEachItem": "io.kestra.plugin.core.flow.ForEachItem",
    "io.kestra.core.tasks.flows.Dag": "io.kestra.plugin.core.flow.Dag",
    "io.kestra.core.tasks.flows.WorkingDirectory": "io.kestra.plugin.core.flow.WorkingDirectory",
    "io.kestra.core.tasks.flows.Subflow": "io.kestra.plugin.core.flow.Subflow",
    "io.kestra.core.tasks.flows.Flow": "io.kestra.plugin.core.flow.Subflow",
    "io.kestra.plugin.core.flow.Flow": "io.kestra.plugin.core.flow.Subflow",
    "io.kestra.core.tasks.flows.Pause": "io.kestra.plugin.core.flow.Pause",
    "io.kestra.core.models.triggers.types.Schedule": "io.kestra.plugin.core.trigger.Schedule",
    "io.kestra.core.models.triggers.types.Flow": "io.kestra.plugin.core.trigger.Flow",
    "io.kestra.core.models.triggers.types.Webhook": "io.kestra.plugin.core.trigger.Webhook",
    "io.kestra.core.models.tasks.runners.types.ProcessTaskRunner": "io.kestra.plugin.core.runner.Process",
    "io.kestra.plugin.scripts.runner.docker.DockerTaskRunner": _DOCKER,
    "io.kestra.plugin.langchain4j.ChatCompletion": "io.kestra.plugin.ai.completion.ChatCompletion",
    "io.kestra.plugin.langchain4j.completion.ChatCompletion": "io.kestra.plugin.ai.completion.ChatCompletion",
    "io.kestra.plugin.langchain4j.rag.IngestDocument": "io.kestra.plugin.ai.rag.IngestDocument",
    "io.kestra.plugin.langchain4j.rag.ChatCompletion": "io.kestra.plugin.ai.rag.ChatCompletion",
    "io.kestra.plugin.langchain4j.provider.GoogleGemini": "io.kestra.plugin.ai.provider.GoogleGemini",
    "io.kestra.plugin.langchain4j.provider.OpenAI": "io.kestra.plugin.ai.provider.OpenAI",
    "io.kestra.plugin.langchain4j.provider.Ollama": "io.kestra.plugin.ai.provider.Ollama",
    "io.kestra.plugin.langchain4j.embeddings.KestraKVStore": "io.kestra.plugin.ai.embeddings.KestraKVStore",
}

# Accepted, with a deprecation warning (the type itself or the legacy name used).
DEPRECATED: frozenset[str] = frozenset({
    "io.kestra.plugin.core.flow.EachSequential",
    "io.kestra.plugin.core.flow.EachParallel",
    "io.kestra.plugin.core.storage.LocalFiles",
    "io.kestra.core.tasks.storages.PurgeExecution",
    "io.kestra.plugin.core.storage.PurgeExecution",
    "io.kestra.core.tasks.flows.Flow",
    "io.kestra.plugin.core.flow.Flow",
    *ALIASES,
})

_PY = ("use `type: io.kestra.plugin.scripts.python.Script` with the code in `script:` (or "
       "`io.kestra.plugin.scripts.python.Commands` with `commands:`); `requirements:` is now "
       "`dependencies:`, and `taskRunner: {type: io.kestra.plugin.core.runner.Process}` runs it "
       "without Docker")
_SH = ("use `type: io.kestra.plugin.scripts.shell.Commands` with a list in `commands:` (or "
       "`io.kestra.plugin.scripts.shell.Script` with `script:`); `taskRunner: {type: "
       "io.kestra.plugin.core.runner.Process}` runs it without Docker")
_NODE = ("use `type: io.kestra.plugin.scripts.node.Script` with `script:` (or "
         "`io.kestra.plugin.scripts.node.Commands` with `commands:`); `npmInstall:` is now "
         "`beforeCommands: [npm install ...]`")
_ECHO = "use `type: io.kestra.plugin.core.log.Log` with `message:` (was `format:`) and `level:`"
_TEMPLATE = ("templates were removed: move the tasks into a flow and call it with "
             "`type: io.kestra.plugin.core.flow.Subflow` (`namespace:`, `flowId:`, `inputs:`)")
_STATE = ("state tasks were replaced by the KV store: `io.kestra.plugin.core.kv.Set` (`key:`, `value:`), "
          "`io.kestra.plugin.core.kv.Get` and `io.kestra.plugin.core.kv.Delete`")

# Legacy names Kestra no longer accepts -> what to write instead.
REMOVED: dict[str, str] = {
    "io.kestra.core.tasks.scripts.Python": _PY,
    "io.kestra.plugin.scripts.python.Python": _PY,
    "io.kestra.core.tasks.scripts.Bash": _SH,
    "io.kestra.core.tasks.scripts.Shell": _SH,
    "io.kestra.core.tasks.scripts.Node": _NODE,
    "io.kestra.core.tasks.debugs.Echo": _ECHO,
    "io.kestra.plugin.core.debug.Echo": _ECHO,
    "io.kestra.core.tasks.flows.Template": _TEMPLATE,
    "io.kestra.plugin.core.flow.Template": _TEMPLATE,
    "io.kestra.core.tasks.flows.Worker": ("use `type: io.kestra.plugin.core.flow.WorkingDirectory` with the "
                                          "same `tasks:`"),
    "io.kestra.core.tasks.states.Set": _STATE,
    "io.kestra.core.tasks.states.Get": _STATE,
    "io.kestra.core.tasks.states.Delete": _STATE,
    "io.kestra.plugin.core.state.Set": _STATE,
    "io.kestra.plugin.core.state.Get": _STATE,
    "io.kestra.plugin.core.state.Delete": _STATE,
    "io.kestra.plugin.scripts.runner.docker.DockerOptions": ("use `taskRunner: {type: "
                                                             "io.kestra.plugin.scripts.runner.docker.Docker}`"),
}

# Prefixes of removed families, for names not listed one by one.
REMOVED_PREFIXES: dict[str, str] = {
    "io.kestra.core.tasks.scripts.": ("script tasks moved to `io.kestra.plugin.scripts.<language>.Script` / "
                                      "`.Commands` (python, shell, node)"),
    "io.kestra.core.tasks.templates.": _TEMPLATE,
}
