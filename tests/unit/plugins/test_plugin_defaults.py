"""pluginDefaults exactly as kestra-reference §1.6: prefix match, forced, deep merge, first wins."""

from __future__ import annotations

from lanner.plugins.defaults import Default, apply_defaults, deep_merge, matches, with_aliases
from lanner.plugins.flowparse import load_flow, parse_flow
from lanner.plugins.registry import canonical


def test_deep_merge_maps_lists_and_nulls():
    a = {"x": 1, "m": {"a": 1, "b": 2}, "l": [1, 2], "keep": "a"}
    b = {"x": 2, "m": {"b": 3, "c": 4}, "l": [2, 3], "keep": None}
    assert deep_merge(a, b) == {"x": 2, "m": {"a": 1, "b": 3, "c": 4}, "l": [1, 2, 3], "keep": "a"}
    assert a["m"] == {"a": 1, "b": 2}  # inputs untouched


def test_prefix_matching_is_a_plain_string_prefix():
    assert matches("io.kestra.plugin.gcp", "io.kestra.plugin.gcp.bigquery.Query")
    assert matches("io.kestra.plugin.jdbc.postgresql", "io.kestra.plugin.jdbc.postgresql.CopyIn")
    assert matches("io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.log.Log")
    assert not matches("io.kestra.plugin.gcp.gcs", "io.kestra.plugin.gcp.bigquery.Query")
    log = "io.kestra.plugin.core.log.Log"
    assert matches(log, "io.kestra.core.tasks.log.Log", log)  # the plugin written with a legacy name


def test_non_forced_sit_under_explicit_values_and_first_declared_wins():
    data = {"tasks": [{"type": "a.b.C", "x": "explicit"}, {"type": "a.b.C"}]}
    defaults = [Default("a.b", {"x": "prefix", "y": "prefix"}),
                Default("a.b.C", {"x": "exact", "y": "exact"})]
    merged = apply_defaults(data, defaults)
    assert merged["tasks"] == [{"type": "a.b.C", "x": "explicit", "y": "prefix"},
                               {"type": "a.b.C", "x": "prefix", "y": "prefix"}]
    assert data["tasks"][1] == {"type": "a.b.C"}  # a copy was made


def test_forced_sit_over_explicit_values_and_first_declared_wins():
    data = {"tasks": [{"type": "a.b.C", "x": "explicit"}]}
    defaults = [Default("a.b.C", {"x": "forced-1"}, forced=True),
                Default("a", {"x": "forced-2"}, forced=True), Default("a", {"x": "normal"})]
    assert apply_defaults(data, defaults)["tasks"][0]["x"] == "forced-1"


def test_every_typed_map_at_any_depth_but_not_the_defaults_themselves():
    data = {
        "tasks": [{"type": "t.Flowable", "then": [{"type": "t.Leaf", "runner": {"type": "r.Process"}}]}],
        "triggers": [{"type": "t.Trigger"}],
        "pluginDefaults": [{"type": "t", "values": {"z": 1}}],
    }
    merged = apply_defaults(data, [Default("t", {"z": 1}), Default("r", {"env": "x"})])
    assert merged["tasks"][0]["z"] == 1 and merged["tasks"][0]["then"][0]["z"] == 1
    assert merged["tasks"][0]["then"][0]["runner"] == {"type": "r.Process", "env": "x"}
    assert merged["triggers"][0]["z"] == 1
    assert merged["pluginDefaults"] == [{"type": "t", "values": {"z": 1}}]


def test_defaults_declared_with_an_alias_apply_to_the_current_name():
    extended = with_aliases([Default("io.kestra.core.tasks.log.Log", {"level": "WARN"})], canonical)
    assert [d.type for d in extended] == ["io.kestra.core.tasks.log.Log", "io.kestra.plugin.core.log.Log"]


FLOW = """\
id: defaults
namespace: n
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: SELECT 1
  - id: explicit
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: jdbc:postgresql://explicit/db
    sql: SELECT 1
  - id: forced
    type: io.kestra.plugin.core.log.Log
    level: INFO
    message: x
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    commands: [ls]
    env: {A: "1"}
triggers:
  - id: s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: jdbc:postgresql://default/db
      username: root
      bucket: ignored-by-tasks-without-it
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values:
      level: ERROR
  - type: io.kestra.plugin.scripts
    values:
      taskRunner:
        type: io.kestra.plugin.core.runner.Process
      env: {B: "2"}
  - type: io.kestra.plugin.core.trigger.Schedule
    values:
      timezone: Europe/Paris
"""


def test_flow_with_defaults():
    flow = load_flow(FLOW)
    q, explicit, forced, script = flow.tasks
    assert (q.url, q.username) == ("jdbc:postgresql://default/db", "root")
    assert explicit.url == "jdbc:postgresql://explicit/db"
    assert forced.level == "ERROR"
    assert script.taskRunner.kestra_type == "io.kestra.plugin.core.runner.Process"
    assert script.env == {"B": "2", "A": "1"}
    assert flow.triggers[0].timezone == "Europe/Paris"
    assert flow.plugin_defaults[0].type == "io.kestra.plugin.jdbc.postgresql"


def test_exact_type_default_with_an_unknown_key_is_an_error_prefix_is_not():
    text = FLOW + """\
  - type: io.kestra.plugin.core.log.Log
    values:
      levl: WARN
  - type: io.kestra.plugin.core
    values:
      whatever: 1
"""
    result = parse_flow(text)
    [issue] = result.errors
    assert issue.message == "No property 'levl' exists in plugin 'io.kestra.plugin.core.log.Log'"
    assert issue.path == "pluginDefaults[4].values.levl" and issue.line == 43
    assert issue.hint == "did you mean `level` or `logLevel`?"


def test_unknown_key_written_in_the_task_is_still_an_error_even_with_a_default():
    text = FLOW.replace("    sql: SELECT 1\n  - id: explicit",
                        "    sql: SELECT 1\n    bucket: mine\n  - id: explicit")
    [issue] = parse_flow(text).errors
    assert issue.path == "tasks[0].bucket" and issue.message == 'Unrecognized field "bucket"'


def test_bad_plugin_default_entries():
    text = FLOW + """\
  - type: io.kestra.plugin.core.log.Log
  - values: {a: 1}
  - type: io.kestra.plugin.core.log.Log
    forced: maybe
    values:
      level: ~
    extra: 1
"""
    messages = sorted(i.message for i in parse_flow(text).errors)
    assert messages == sorted([
        "missing required property 'values'",
        "missing required property 'type'",
        "`forced` must be true or false",
        "null value for 'level' is not allowed in a plugin default",
        'Unrecognized field "extra"',
    ])
