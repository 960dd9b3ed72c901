"""Core engine benchmarks (issue: core) — W1 chains, W2 throughput, W3 ForEach, CLI start-up.

Every figure is the median of 3 runs, on SQLite + local files in a temporary LANNER_HOME, through
the same runtime path as ``lanner run`` (every state change persisted). Baselines are measured in
the same run: the same template rendering done in a plain Python loop (no orchestration), and
``python -c pass`` for start-up.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seed-flows"


def _median(fn: Callable[[], float], runs: int = 3) -> float:
    return statistics.median(fn() for _ in range(runs))


def _chain_flow(n: int) -> str:
    lines = ["id: chain", "namespace: bench", "tasks:",
             "  - id: t0", "    type: io.kestra.plugin.core.debug.Return", "    format: '0'"]
    for i in range(1, n):
        lines += [f"  - id: t{i}", "    type: io.kestra.plugin.core.debug.Return",
                  f"    format: \"{{{{ outputs.t{i - 1}.value }}}}\""]
    return "\n".join(lines) + "\n"


TWO_TASKS = """id: two
namespace: bench
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.a.value }}b"
"""

FOREACH = """id: fan
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(0, 1000) }}"
    tasks:
      - id: r
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
"""


def _local(tmp: str):  # type: ignore[no-untyped-def]
    from lanner.runtime.local import LocalRun
    from lanner.runtime.services import build_services
    from lanner.settings import Settings

    settings = Settings(home=Path(tmp), raw={}, environ={})
    return LocalRun(build_services(settings))


def _timed_run(source: str, inputs: dict[str, str] | None = None) -> tuple[float, str, int]:
    with tempfile.TemporaryDirectory() as tmp, _local(tmp) as local:
        flow = local.runtime.deploy(source)
        start = time.perf_counter()
        execution = local.start(flow, inputs)
        final = local.wait(execution.id, timeout=300)
        return time.perf_counter() - start, final.state.current.value, len(final.task_runs)


def _render_baseline(n: int) -> float:
    """The same n renders, chained, with no orchestration at all."""
    from lanner.expr.engine import Renderer

    renderer = Renderer()
    start = time.perf_counter()
    outputs: dict[str, dict[str, str]] = {"t0": {"value": "0"}}
    for i in range(1, n):
        outputs[f"t{i}"] = {"value": renderer.render(f"{{{{ outputs.t{i - 1}.value }}}}",
                                                     {"outputs": outputs})}
    return time.perf_counter() - start


def w1_chain(n: int) -> Row:
    seconds = _median(lambda: _timed_run(_chain_flow(n))[0])
    baseline = _median(lambda: _render_baseline(n))
    per_task_ms = (seconds - baseline) / n * 1000
    return Row(f"W1 chain of {n} Return tasks: overhead per task", f"{per_task_ms:.3f} ms",
               f"{baseline / n * 1000:.3f} ms (render only)", seconds / max(baseline, 1e-9),
               "<= 0.5 ms", "Dagster 5.3 ms, Prefect 5.0 ms, Airflow 74 ms, Kestra ~50 ms",
               per_task_ms <= 0.5)


def w2_throughput(count: int = 200) -> Row:
    def once() -> float:
        with tempfile.TemporaryDirectory() as tmp, _local(tmp) as local:
            flow = local.runtime.deploy(TWO_TASKS)
            start = time.perf_counter()
            ids = [local.start(flow).id for _ in range(count)]
            for execution_id in ids:
                local.wait(execution_id, timeout=300)
            return count / (time.perf_counter() - start)

    rate = _median(once)
    baseline = count / max(_render_baseline(2) * count, 1e-9)
    return Row(f"W2 {count} executions of a 2-task flow", f"{rate:.0f} exec/s",
               f"{baseline:.0f} exec/s (render only)", baseline / rate, ">= 125 exec/s",
               "Dagster 12.4 runs/s, Prefect 0.9 runs/s", rate >= 125)


def w3_foreach() -> Row:
    seconds = _median(lambda: _timed_run(FOREACH)[0])
    baseline = _median(lambda: _render_baseline(1000))
    return Row("W3 ForEach over 1,000 values (Return each)", f"{seconds:.2f} s",
               f"{baseline:.3f} s (render only)", seconds / max(baseline, 1e-9), "<= 1 s",
               "Dagster 10 s", seconds <= 1.0)


def _startup(args: list[str]) -> float:
    def once() -> float:
        start = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        return time.perf_counter() - start

    return statistics.median(once() for _ in range(5))


def cli_startup() -> list[Row]:
    # As after `pip install`: bytecode compiled (the Makefile installs with --compile-bytecode).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=False,
                   capture_output=True)
    lanner = str(Path(sys.executable).with_name("lanner"))
    baseline = _startup([sys.executable, "-c", "pass"])
    rows = []
    one_flow = str(SEEDS / "04_postgres_taxi.yaml")
    for label, args in (("lanner --help", [lanner, "--help"]),
                        ("lanner validate one flow", [lanner, "validate", one_flow])):
        seconds = _startup(args)
        rows.append(Row(f"start-up: {label}", f"{seconds:.3f} s", f"{baseline:.3f} s (python -c pass)",
                        seconds / baseline, "< 0.3 s", "Prefect CLI 1.1 s, Airflow 1.5 s",
                        seconds < 0.3))
    return rows


def rows() -> list[Row]:
    return [w1_chain(40), w1_chain(100), w2_throughput(), w3_foreach(), *cli_startup()]
