"""Every core task class: type strings, examples that are complete valid flows, documented fields."""

from __future__ import annotations

import pytest
import yaml

from lanner.plugins.api import ExecutionExitTask, ExecutionUpdatingTask, RunnableTask, Task
from lanner.tasks.core.debug import Return
from lanner.tasks.core.execution import Assert, Exit, Fail, Labels
from lanner.tasks.core.http import Download, Request
from lanner.tasks.core.kv import Delete, Get, GetKeys, Set
from lanner.tasks.core.log import Log
from lanner.tasks.core.output import OutputValues
from lanner.tasks.core.sleep import Sleep
from lanner.tasks.core.storage import LocalFiles, PurgeCurrentExecutionFiles
from lanner.tasks.core.storage_files import Concat, Size, Write
from lanner.tasks.core.storage_files import Delete as DeleteFile
from lanner.tasks.core.storage_items import DeduplicateItems, FilterItems
from lanner.tasks.core.storage_split import Split

CLASSES: list[type[Task]] = [
    Log,
    Return,
    Sleep,
    Labels,
    Fail,
    Assert,
    Exit,
    OutputValues,
    Set,
    Get,
    Delete,
    GetKeys,
    Download,
    Request,
    PurgeCurrentExecutionFiles,
    LocalFiles,
    Write,
    Concat,
    Size,
    DeleteFile,
    Split,
    DeduplicateItems,
    FilterItems,
]
_COMMON = set(Task.model_fields)


def _tasks(items):
    for item in items or []:
        yield item
        for key in ("tasks", "then", "else", "errors", "finally"):
            if isinstance(item.get(key), list):
                yield from _tasks(item[key])


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_class_declares_its_kestra_type_doc_and_base(cls):
    assert cls.kestra_type.startswith("io.kestra.plugin.core.")
    assert cls.__doc__ and cls.__doc__.strip()
    assert issubclass(cls, RunnableTask | ExecutionUpdatingTask | ExecutionExitTask)
    for alias in cls.aliases:
        assert alias.startswith("io.kestra.") and alias != cls.kestra_type


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_own_field_has_a_description(cls):
    for name, info in cls.model_fields.items():
        if name not in _COMMON:
            assert info.description, f"{cls.__name__}.{name} has no description"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_examples_are_complete_flows_whose_tasks_validate(cls):
    assert 1 <= len(cls.examples) <= 2
    for example in cls.examples:
        flow = yaml.safe_load(example)
        assert {"id", "namespace", "tasks"} <= set(flow)
        own = [task for task in _tasks(flow["tasks"]) if task["type"] == cls.kestra_type]
        assert own, f"an example of {cls.__name__} does not use it"
        for task in own:
            cls.model_validate(task)
        by_type = {c.kestra_type: c for c in CLASSES}
        for task in _tasks(flow["tasks"]):
            if task["type"] in by_type:
                by_type[task["type"]].model_validate(task)


def test_http_schema_lists_kestra_option_names():
    options = Download.model_json_schema(by_alias=True)["$defs"]["HttpOptions"]["properties"]
    assert {
        "allowFailed",
        "followRedirects",
        "connectTimeout",
        "readTimeout",
        "basicAuthUser",
        "timeout",
        "auth",
        "proxy",
        "ssl",
    } <= set(options)


def test_labels_schema_uses_the_kestra_property_name():
    assert "labels" in Labels.model_json_schema(by_alias=True)["properties"]
