"""The UI's pure modules (cron preview, file previews, input forms, completion context, topology
layout, Gantt rows), imported in headless Chromium from the package's own static folder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.e2e.ui.browser import launched_browser, require_browser

from lanner.ui import STATIC_DIR


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def js() -> Iterator[Any]:
    """``js(module, body)``: runs ``body`` (an async function body using ``m``) in the page."""
    require_browser()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(STATIC_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with launched_browser() as browser:
            page = browser.new_page()
            page.goto(url + "/favicon.svg")

            def run(module: str, body: str) -> Any:
                return page.evaluate(f"async () => {{ const m = await import('{url}/js/{module}'); {body} }}")

            yield run
    finally:
        server.shutdown()
        server.server_close()


def test_cron_preview_of_a_monthly_schedule(js: Any) -> None:
    dates = js("cron.js", """return m.cronDates('0 9 1 * *', {start: Date.parse('2019-01-01T00:00:00Z'),
        end: Date.parse('2019-12-31T23:59:59Z')}).map(t => new Date(t).toISOString());""")
    assert dates == [f"2019-{month:02d}-01T09:00:00.000Z" for month in range(1, 13)]


def test_cron_preview_follows_the_zone_across_daylight_saving(js: Any) -> None:
    dates = js("cron.js", """return m.cronDates('0 9 * * *', {start: Date.parse('2019-03-30T00:00:00Z'),
        end: Date.parse('2019-04-01T00:00:00Z'), zone: 'Europe/Paris'})
        .map(t => new Date(t).toISOString());""")
    assert dates == ["2019-03-30T08:00:00.000Z", "2019-03-31T07:00:00.000Z"]


@pytest.mark.parametrize(("cron", "count"), [
    ("@daily", 31), ("*/15 * * * *", 31 * 24 * 4), ("0 0 13 * 5", 4 + 1), ("0 12 * JAN MON-FRI", 23),
])
def test_cron_fields(js: Any, cron: str, count: int) -> None:
    found = js("cron.js", f"""return m.cronDates({json.dumps(cron)}, {{
        start: Date.parse('2019-01-01T00:00:00Z'), end: Date.parse('2019-01-31T23:59:59Z'), limit: 100000,
    }}).length;""")
    assert found == count


def test_cron_refuses_what_it_cannot_preview(js: Any) -> None:
    message = js("cron.js", "try { m.parseCron('0 0 L * *'); return 'parsed'; }"
                            " catch (e) { return e.message; }")
    assert "not supported" in message


def test_csv_ion_and_json_previews(js: Any) -> None:
    text = 'a,b\n"x, y","say ""hi"""\n3,"multi\nline"'
    csv = js("execution/preview.js", f"return m.previewTable('csv', {json.dumps(text)});")
    assert csv == {"columns": ["a", "b"], "rows": [["x, y", 'say "hi"'], ["3", "multi\nline"]]}
    ion = js("execution/preview.js", r"""return m.previewTable('ion',
        '{VendorID:"1",pickup:2019-01-01T00:46:40.000Z,n:2,fare:7.5e0,total:9.95,none:null,tags:["a", b],' +
        ' nested:{x:1}, \'quoted key\':true, ann: tag::5}\n{VendorID:"2",n:3}');""")
    assert ion["columns"] == ["VendorID", "pickup", "n", "fare", "total", "none", "tags", "nested",
                              "quoted key", "ann"]
    assert ion["rows"][0] == ["1", "2019-01-01T00:46:40.000Z", "2", "7.5", "9.95", "", '["a","b"]',
                              '{"x":1}', "true", "5"]
    assert ion["rows"][1][:3] == ["2", "", "3"]
    lines = js("execution/preview.js", """return m.previewTable('json', '{"a": 1}\\n{"a": 2, "b": "x"}');""")
    assert lines == {"columns": ["a", "b"], "rows": [["1", ""], ["2", "x"]]}
    assert js("execution/preview.js", "return m.previewTable('txt', 'hello');") is None


def test_input_checks_and_payload(js: Any) -> None:
    result = js("inputs.js", """
        const inputs = [
          {id: 'n', type: 'INT', min: 3}, {id: 's', type: 'SELECT', values: ['a', 'b']},
          {id: 'c', type: 'SELECT', values: ['a'], allowCustomValue: true},
          {id: 'm', type: 'MULTISELECT', values: ['x', 'y'], required: false},
          {id: 'j', type: 'JSON', required: false}, {id: 'b', type: 'BOOLEAN'},
          {id: 'arr', type: 'ARRAY', itemType: 'INT', required: false},
          {id: 'd', type: 'DURATION', required: false}, {id: 'e', type: 'EMAIL', required: false},
          {id: 'expr', type: 'STRING', defaults: '{{ now() }}'},
          {id: 'v', type: 'STRING', validator: '[a-z]+', required: false},
        ];
        const bad = m.validateInputs(inputs, {n: '2', s: 'z', c: 'custom', m: ['x', 'q'], j: '{', b: false,
                                             arr: '1\\nx', d: '15 minutes', e: 'nope', expr: '', v: 'ABC'});
        const values = m.initialValues(inputs);
        const payload = m.inputsPayload(inputs, {n: '4', s: 'a', c: 'custom', m: ['x', 'y'], j: '{"k": 1}',
                                                 b: true, arr: '1\\n2', d: 'PT15M', e: 'a@b.io', expr: '',
                                                 v: 'abc'});
        return {bad, values, payload};""")
    assert set(result["bad"]) == {"n", "s", "m", "j", "arr", "d", "e", "v"}
    assert result["values"]["expr"] == "" and result["values"]["b"] is False
    assert result["payload"] == {"n": "4", "s": "a", "c": "custom", "m": '["x","y"]', "j": '{"k": 1}',
                                 "b": "true", "arr": '["1","2"]', "d": "PT15M", "e": "a@b.io", "v": "abc"}


def test_completion_reads_the_block_around_the_cursor(js: Any) -> None:
    source = ["id: f", "namespace: n", "inputs:", "  - id: x", "    type: STRING", "tasks:", "  - id: a",
              "    type: io.kestra.plugin.core.log.Log", "    mess", "  - id: b", "    ty", "    format: x",
              "  - id: c", "    type: io.kestra.plugin.core.flow.If", "    then:", "    - id: d", "      ty"]
    found = js("editor/completion.js", f"""
        const lines = {json.dumps(source)};
        const doc = {{lines: lines.length, line: (n) => ({{text: lines[n - 1]}})}};
        const show = (b) => ({{keys: [...b.keys].sort(), type: b.type, parent: b.parent}});
        return [show(m.blockAt(doc, 9, 4)), show(m.blockAt(doc, 11, 4)), show(m.blockAt(doc, 5, 4)),
                show(m.blockAt(doc, 17, 6)), show(m.blockAt(doc, 2, 0))];""")
    assert found[0] == {"keys": ["id", "type"], "type": "io.kestra.plugin.core.log.Log", "parent": "tasks"}
    assert found[1] == {"keys": ["format", "id"], "type": None, "parent": "tasks"}
    assert found[2]["parent"] == "inputs"
    assert found[3] == {"keys": ["id"], "type": None, "parent": "then"}
    assert found[4]["parent"] is None and "tasks" in found[4]["keys"]


def test_topology_layout_draws_branches_without_overlap(js: Any) -> None:
    layout = js("topology.js", """
        const flow = {tasks: [
          {id: 'a', type: 'io.kestra.plugin.core.log.Log'},
          {id: 'when', type: 'io.kestra.plugin.core.flow.If',
           then: [{id: 't1', type: 'x.Log'}, {id: 't2', type: 'x.Log'}],
           else: [{id: 'e1', type: 'x.Log'}]},
          {id: 'pick', type: 'io.kestra.plugin.core.flow.Switch', cases: {one: [{id: 's1', type: 'x.Log'}]},
           defaults: [{id: 's2', type: 'x.Log'}]},
          {id: 'both', type: 'io.kestra.plugin.core.flow.Parallel',
           tasks: [{id: 'p1', type: 'x.Log'}, {id: 'p2', type: 'x.Log'}]},
          {id: 'loop', type: 'io.kestra.plugin.core.flow.ForEach', values: [1, 2],
           tasks: [{id: 'inner', type: 'x.Log'}]}],
          errors: [{id: 'oops', type: 'x.Log'}], triggers: [{id: 'daily', type: 'x.Schedule'}]};
        const out = {};
        for (const dir of ['LR', 'TB']) {
          const l = m.layoutFlow(flow, dir);
          out[dir] = {
            nodes: l.nodes.map(n => ({id: n.task.id, x: n.x, y: n.y})),
            clusters: l.clusters.map(c => c.task ? c.task.id : c.section),
            labels: l.edges.filter(e => e.label).map(e => e.label),
            w: l.width, h: l.height, triggers: l.triggers.length,
          };
        }
        return out;""")
    for direction, found in layout.items():
        ids = [n["id"] for n in found["nodes"]]
        assert sorted(ids) == sorted(["a", "when", "t1", "t2", "e1", "pick", "s1", "s2", "both", "p1", "p2",
                                      "inner", "oops"])
        assert found["clusters"] == ["loop", "errors"] and found["triggers"] == 1
        assert set(found["labels"]) == {"then", "else", "one", "defaults"}
        boxes = [(n["x"], n["y"]) for n in found["nodes"]]
        for i, (x1, y1) in enumerate(boxes):
            for x2, y2 in boxes[i + 1:]:
                assert abs(x1 - x2) >= 184 or abs(y1 - y2) >= 44, f"{direction}: nodes overlap"
            assert 0 <= x1 <= found["w"] and 0 <= y1 <= found["h"]


def test_gantt_rows_nest_children_and_attempts(js: Any) -> None:
    rows = js("execution/gantt.js", """
        const st = (s) => ({current: s, startDate: '2020-01-01T00:00:00Z', histories: []});
        const execution = {taskRunList: [
          {id: '1', taskId: 'loop', state: st('SUCCESS'), attempts: [{state: st('SUCCESS')}]},
          {id: '3', taskId: 'after', state: st('SUCCESS')},
          {id: '2', taskId: 'child', parentTaskRunId: '1', value: 'x', state: st('SUCCESS'),
           attempts: [{state: st('FAILED')}, {state: st('SUCCESS')}]}]};
        return m.ganttRows(execution).map(r => [r.run.taskId, r.depth, r.attemptNumber || 0]);""")
    assert rows == [["loop", 0, 0], ["child", 1, 0], ["child", 2, 1], ["child", 2, 2], ["after", 0, 0]]


def test_kv_bodies_are_typed(js: Any) -> None:
    found = js("pages/namespaces.js", """return [m.kvBody('STRING', 'kestra-sandbox'),
        m.kvBody('NUMBER', '4.2'), m.kvBody('NUMBER', 'x'), m.kvBody('BOOLEAN', 'true'),
        m.kvBody('JSON', '{"a": [1]}'), m.kvBody('JSON', '{a'), m.kvBody('DATE', '2024-01-31')];""")
    assert found[0] == ['"kestra-sandbox"', None]
    assert found[1] == ["4.2", None] and found[2][0] is None and "number" in found[2][1]
    assert found[3] == ["true", None] and found[4] == ['{"a": [1]}', None] and "Invalid JSON" in found[5][1]
    assert found[6] == ["2024-01-31", None]


def test_metric_values_read_as_people_read_them(js: Any) -> None:
    found = js("execution/metrics.js", """return [
        m.fmtMetricValue({type: 'counter', value: 3}),
        m.fmtMetricValue({type: 'counter', value: 1234567}),
        m.fmtMetricValue({type: 'gauge', value: 0.123456}),
        m.fmtMetricValue({type: 'timer', value: 1.5}),
        m.fmtMetricValue({type: 'timer', value: 0.25})];""")
    assert found[0] == "3" and found[1].replace(",", "").replace("\u202f", "") == "1234567"
    assert found[2] == "0.123" and found[3] == "1.50 s" and found[4] == "250 ms"
