"""CopyIn with `parallelism` (the loader behind postgres_taxi) on awkward files: quoted line feeds,
TEXT format, many streams, a failure in one stream."""

from __future__ import annotations

import gzip

import pytest

from lanner.testing import run_flow
from tests.integration.blueprints.conftest import BlueprintEnv

pytestmark = pytest.mark.slow

FLOW = """
id: parallel_copy
namespace: lanner.test
tasks:
  - id: create
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      DROP TABLE IF EXISTS public.notes;
      CREATE TABLE public.notes (id integer, note text);
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ inputs.url }}"
    table: public.notes
    format: "{{ inputs.format }}"
    header: true
    parallelism: "{{ inputs.streams }}"
inputs:
  - id: url
    type: STRING
  - id: format
    type: STRING
    defaults: CSV
  - id: streams
    type: INT
    defaults: 3
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: jdbc:postgresql://pgdatabase:5432/ny_taxi
      username: root
      password: root
"""


def _serve(env: BlueprintEnv, name: str, data: bytes) -> str:
    folder = env.root / "misc"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return f"{env.server.url}misc/{name}"


def _notes(env: BlueprintEnv) -> list[tuple[int, str]]:
    return [(int(i), str(n)) for i, n in env.sql("SELECT id, note FROM public.notes ORDER BY id")]


def test_quoted_line_feeds_survive_the_split(blueprint_env: BlueprintEnv) -> None:
    notes = [(i, f"note {i}" + (',\n"quoted", and\nmore' if i % 7 == 0 else "")) for i in range(60_000)]
    body = "".join(f'{i},"{n.replace(chr(34), chr(34) * 2)}"\n' for i, n in notes)
    url = _serve(blueprint_env, "notes.csv.gz", gzip.compress(("id,note\n" + body).encode()))
    result = run_flow(FLOW, {"url": url, "streams": 4}, config=blueprint_env.config)
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert result.outputs("load")["rowCount"] == len(notes)
    assert _notes(blueprint_env) == notes


def test_text_format(blueprint_env: BlueprintEnv) -> None:
    rows = [(i, f"line {i}") for i in range(50_000)]
    body = "id\tnote\n" + "".join(f"{i}\t{n}\n" for i, n in rows)
    url = _serve(blueprint_env, "notes.tsv", body.encode())
    result = run_flow(FLOW, {"url": url, "format": "TEXT", "streams": 2}, config=blueprint_env.config)
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert _notes(blueprint_env) == rows


def test_one_bad_stream_rolls_every_stream_back(blueprint_env: BlueprintEnv) -> None:
    lines = [f"{i},ok" for i in range(80_000)]
    lines[61_000] = "not-a-number,bad"
    url = _serve(blueprint_env, "bad.csv", ("id,note\n" + "\n".join(lines) + "\n").encode())
    result = run_flow(FLOW, {"url": url, "streams": 3}, config=blueprint_env.config)
    assert result.state == "FAILED"
    errors = " ".join(result.messages("ERROR"))
    assert 'invalid input syntax for type integer: "not-a-number"' in errors
    assert "line 61002 of the file" in errors, errors  # header + 0-based index + 1
    assert blueprint_env.count("public.notes") == 0


def test_invalid_parallelism(blueprint_env: BlueprintEnv) -> None:
    url = _serve(blueprint_env, "tiny.csv", b"id,note\n1,a\n")
    result = run_flow(FLOW, {"url": url, "streams": 0}, config=blueprint_env.config)
    assert result.state == "FAILED"
    assert any("`parallelism` must be between 1 and 16" in m for m in result.messages("ERROR"))
