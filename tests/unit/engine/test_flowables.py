"""Flowable tasks: children from the plan, nested scopes, concurrency (kestra-reference §2.6)."""

from __future__ import annotations

from tests.unit.engine.engine_driver import BrokenPlan, Driver, Group, job, make_flow, states

from lanner.model.state import State
from lanner.tasks.flow.allow_failure import AllowFailure
from lanner.tasks.flow.dag import Dag, DagTask
from lanner.tasks.flow.foreach import ForEach
from lanner.tasks.flow.if_task import If
from lanner.tasks.flow.parallel import Parallel
from lanner.tasks.flow.sequential import Sequential
from lanner.tasks.flow.switch import Switch

IF = "io.kestra.plugin.core.flow.If"
SWITCH = "io.kestra.plugin.core.flow.Switch"
PARALLEL = "io.kestra.plugin.core.flow.Parallel"
FOREACH = "io.kestra.plugin.core.flow.ForEach"


def if_task(condition: object, then: list, else_: list | None = None, **extra: object) -> If:
    return If(id="check", type=IF, condition=condition, then=then, **{"else": else_}, **extra)


def test_if_true_runs_then() -> None:
    driver = Driver(make_flow([if_task("true", [job("t1"), job("t2")], [job("e1")]), job("after")]))
    driver.start()
    assert driver.task_state("check") is State.RUNNING
    assert driver.run("check").outputs == {"evaluationResult": True}
    driver.run_pending()
    assert driver.dispatched == [["t1"], ["t2"], ["after"]]
    assert driver.run("t1").parent_task_run_id == driver.run("check").id
    assert driver.task_state("check") is State.SUCCESS
    assert driver.state is State.SUCCESS


def test_if_false_runs_else() -> None:
    driver = Driver(make_flow([if_task(False, [job("t1")], [job("e1")])]))
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["e1"]]
    assert driver.run("check").outputs == {"evaluationResult": False}
    assert driver.state is State.SUCCESS


def test_if_false_without_else_succeeds_with_no_children() -> None:
    driver = Driver(make_flow([if_task("0", [job("t1")]), job("after")]))
    driver.start()
    assert driver.task_state("check") is State.SUCCESS
    assert len(driver.run("check").attempts) == 1
    driver.run_pending()
    assert driver.dispatched == [["after"]]
    assert driver.state is State.SUCCESS


def test_switch_case_and_defaults() -> None:
    def flow(value: str) -> object:
        return make_flow([Switch(id="sw", type=SWITCH, value=value,
                                 cases={"a": [job("case_a")], "b": [job("case_b")]},
                                 defaults=[job("other")])])

    driver = Driver(flow("b"))  # type: ignore[arg-type]
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["case_b"]]
    assert driver.run("sw").outputs == {"value": "b", "defaults": False}
    driver = Driver(flow("zzz"))  # type: ignore[arg-type]
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["other"]]
    assert driver.run("sw").outputs == {"value": "zzz", "defaults": True}


def test_parallel_dispatches_every_branch_at_once() -> None:
    driver = Driver(make_flow([Parallel(id="par", type=PARALLEL, tasks=[job("p1"), job("p2"), job("p3")]),
                               job("after")]))
    driver.start()
    assert driver.dispatched == [["p1", "p2", "p3"]]
    driver.run_pending()
    assert driver.dispatched[-1] == ["after"]
    assert driver.state is State.SUCCESS


def test_parallel_honours_concurrent() -> None:
    driver = Driver(make_flow([Parallel(id="par", type=PARALLEL, concurrent=2,
                                        tasks=[job("p1"), job("p2"), job("p3"), job("p4"), job("p5")])]))
    driver.start()
    assert driver.dispatched == [["p1", "p2"]]
    driver.answer(driver.pending.pop(0))
    assert driver.dispatched[-1] == ["p3"]
    driver.run_pending()
    assert [len(d) for d in driver.dispatched] == [2, 1, 1, 1]
    assert driver.state is State.SUCCESS


def test_parallel_failure_stops_new_branches_and_waits_for_running_ones() -> None:
    par = Parallel(id="par", type=PARALLEL, concurrent=2, tasks=[job("p1"), job("p2"), job("p3")])
    driver = Driver(make_flow([par, job("after")]), outcomes={"p1": [State.FAILED]})
    driver.start()
    p1, p2 = driver.pending
    driver.answer(p1)
    assert driver.runs("p3") == []
    assert driver.task_state("par") is State.RUNNING  # p2 still runs
    driver.answer(p2)
    assert driver.task_state("par") is State.FAILED
    assert driver.runs("p3") == [] and driver.runs("after") == []
    assert driver.state is State.FAILED


def foreach(values: object, tasks: list, limit: int = 1, **extra: object) -> ForEach:
    return ForEach(id="each", type=FOREACH, values=values, tasks=tasks, concurrencyLimit=limit, **extra)


def test_foreach_sequential_runs_values_one_after_another() -> None:
    driver = Driver(make_flow([foreach(["x", "y", "x", 3], [job("one"), job("two")])]))
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["one"], ["two"], ["one"], ["two"], ["one"], ["two"]]
    assert [r.value for r in driver.runs("one")] == ["x", "y", "3"]
    assert driver.state is State.SUCCESS


def test_foreach_unlimited_starts_every_value() -> None:
    driver = Driver(make_flow([foreach(["a", "b", "c"], [job("one"), job("two")], limit=0)]))
    driver.start()
    assert driver.dispatched == [["one", "one", "one"]]
    driver.run_pending()
    assert [r.value for r in driver.runs("two")] == ["a", "b", "c"]
    assert driver.state is State.SUCCESS


def test_foreach_limit_two() -> None:
    driver = Driver(make_flow([foreach(["a", "b", "c", "d"], [job("one")], limit=2)]))
    driver.start()
    assert [r.value for r in driver.runs("one")] == ["a", "b"]
    driver.answer(driver.pending.pop(0))
    assert [r.value for r in driver.runs("one")] == ["a", "b", "c"]
    driver.run_pending()
    assert driver.state is State.SUCCESS
    assert len(driver.runs("one")) == 4


def test_foreach_empty_list_succeeds() -> None:
    driver = Driver(make_flow([foreach([], [job("one")]), job("after")]))
    driver.start()
    assert driver.task_state("each") is State.SUCCESS
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_foreach_nested_flowables_and_outputs() -> None:
    inner = if_task("true", [job("leaf")])
    driver = Driver(make_flow([foreach(["a", "b"], [inner, job("sibling")], limit=0)]),
                    outcomes={"leaf": [(State.SUCCESS, {"value": 1})]})
    driver.start()
    ifs = driver.runs("check")
    assert [r.value for r in ifs] == ["a", "b"]
    leaves = driver.runs("leaf")
    assert {r.parent_task_run_id for r in leaves} == {r.id for r in ifs}
    driver.run_pending()
    assert all(r.outputs == {"value": 1} for r in driver.runs("leaf"))
    assert states(driver.runs("sibling")) == [State.SUCCESS, State.SUCCESS]
    assert driver.state is State.SUCCESS


def test_foreach_failure_in_one_value_runs_its_errors() -> None:
    each = foreach(["a", "b", "c"], [job("one")], errors=[job("handler")])
    driver = Driver(make_flow([each, job("after")]), outcomes={"one": [State.SUCCESS, State.FAILED]})
    driver.start()
    driver.run_pending()
    assert [r.value for r in driver.runs("one")] == ["a", "b"]
    assert driver.task_state("handler") is State.SUCCESS
    assert driver.run("handler").parent_task_run_id == driver.run("each").id
    assert driver.task_state("each") is State.FAILED
    assert driver.runs("after") == []
    assert driver.state is State.FAILED


def test_nested_flowables_three_levels() -> None:
    tree = Group(id="g1", tasks=[job("a"), Group(id="g2", tasks=[Group(id="g3", tasks=[job("deep")]),
                                                                job("b")])])
    driver = Driver(make_flow([tree, job("last")]))
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["a"], ["deep"], ["b"], ["last"]]
    assert all(r.state.current is State.SUCCESS for r in driver.execution.task_runs)
    assert driver.state is State.SUCCESS


def test_flowable_errors_and_finally_are_scoped() -> None:
    group = Sequential(id="seq", type="io.kestra.plugin.core.flow.Sequential",
                       tasks=[job("a"), job("b")], errors=[job("seq_err")], **{"finally": [job("seq_fin")]})
    driver = Driver(make_flow([group, job("after")], errors=[job("flow_err")]),
                    outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["a"], ["seq_err"], ["seq_fin"], ["flow_err"]]
    assert driver.task_state("seq") is State.FAILED
    assert driver.state is State.FAILED


def test_allow_failure_flowable_ends_warning_and_flow_continues() -> None:
    group = AllowFailure(id="af", type="io.kestra.plugin.core.flow.AllowFailure", tasks=[job("a"), job("b")])
    driver = Driver(make_flow([group, job("after")]), outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.FAILED
    assert driver.runs("b") == []
    assert driver.task_state("af") is State.WARNING
    assert driver.task_state("after") is State.SUCCESS
    assert driver.state is State.WARNING


def test_plan_error_fails_the_flowable_with_a_log() -> None:
    driver = Driver(make_flow([BrokenPlan(id="broken", tasks=[job("a")]), job("after")]))
    driver.start()
    assert driver.task_state("broken") is State.FAILED
    assert "cannot plan this" in driver.logs("ERROR")
    assert driver.state is State.FAILED


def test_dag_follows_dependencies() -> None:
    dag = Dag(id="dag", type="io.kestra.plugin.core.flow.Dag", tasks=[
        DagTask(task=job("extract")),
        DagTask(task=job("left"), dependsOn=["extract"]),
        DagTask(task=job("right"), dependsOn=["extract"]),
        DagTask(task=job("join"), dependsOn=["left", "right"]),
    ])
    driver = Driver(make_flow([dag]))
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["extract"], ["left", "right"], ["join"]]
    assert driver.state is State.SUCCESS


def test_disabled_children_are_removed_from_the_plan() -> None:
    driver = Driver(make_flow([Parallel(id="par", type=PARALLEL,
                                        tasks=[job("p1", disabled=True), job("p2")])]))
    driver.start()
    assert driver.dispatched == [["p2"]]
    driver.run_pending()
    assert driver.runs("p1") == []
    assert driver.state is State.SUCCESS
