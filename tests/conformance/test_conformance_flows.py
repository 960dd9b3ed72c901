"""FlowStore conformance: revisions, identical source, delete, list."""

from __future__ import annotations

from tests.conformance.conformance_builders import at

from lanner.store.ports import Stores

V1 = "id: hello\nnamespace: company.team\ntasks: []\n"
V2 = V1 + "description: second\n"


def test_first_save_is_revision_one(stores: Stores) -> None:
    saved = stores.flows.save("company.team", "hello", V1, at(0))
    assert (saved.namespace, saved.id, saved.revision, saved.source, saved.deleted) == (
        "company.team", "hello", 1, V1, False,
    )
    assert saved.updated == at(0)
    assert stores.flows.get("company.team", "hello") == saved


def test_identical_source_makes_no_new_revision(stores: Stores) -> None:
    first = stores.flows.save("company.team", "hello", V1, at(0))
    again = stores.flows.save("company.team", "hello", V1, at(5))
    assert again == first
    assert len(stores.flows.revisions("company.team", "hello")) == 1


def test_changed_source_adds_a_revision(stores: Stores) -> None:
    stores.flows.save("company.team", "hello", V1, at(0))
    second = stores.flows.save("company.team", "hello", V2, at(5))
    assert second.revision == 2
    assert stores.flows.get("company.team", "hello") == second
    assert stores.flows.get("company.team", "hello", revision=1).source == V1  # type: ignore[union-attr]
    assert stores.flows.get("company.team", "hello", revision=9) is None
    assert [f.revision for f in stores.flows.revisions("company.team", "hello")] == [1, 2]
    # Going back to an older source is a change too.
    assert stores.flows.save("company.team", "hello", V1, at(9)).revision == 3


def test_unknown_flow(stores: Stores) -> None:
    assert stores.flows.get("company.team", "nope") is None
    assert stores.flows.revisions("company.team", "nope") == []
    assert stores.flows.delete("company.team", "nope", at(0)) is False


def test_delete_hides_the_flow_but_keeps_history(stores: Stores) -> None:
    stores.flows.save("company.team", "hello", V1, at(0))
    assert stores.flows.delete("company.team", "hello", at(3)) is True
    assert stores.flows.get("company.team", "hello") is None
    assert stores.flows.list() == []
    assert stores.flows.delete("company.team", "hello", at(4)) is False
    history = stores.flows.revisions("company.team", "hello")
    assert [(f.revision, f.deleted) for f in history] == [(1, True)]
    assert stores.flows.get("company.team", "hello", revision=1) is not None


def test_save_after_delete_continues_the_revisions(stores: Stores) -> None:
    stores.flows.save("company.team", "hello", V1, at(0))
    stores.flows.delete("company.team", "hello", at(1))
    back = stores.flows.save("company.team", "hello", V1, at(2))
    assert (back.revision, back.deleted) == (2, False)
    assert stores.flows.get("company.team", "hello") == back


def test_list_latest_revisions_with_filters(stores: Stores) -> None:
    stores.flows.save("company.team", "b_flow", V1, at(0))
    stores.flows.save("company.team", "b_flow", V2, at(1))
    stores.flows.save("company.team", "a_flow", V1, at(0))
    stores.flows.save("company.team.sub", "child", V1, at(0))
    stores.flows.save("companyx", "other", V1, at(0))
    stores.flows.save("companyxteam.sub", "lookalike", V1, at(0))
    listed = stores.flows.list()
    assert [(f.namespace, f.id, f.revision) for f in listed] == [
        ("company.team", "a_flow", 1),
        ("company.team", "b_flow", 2),
        ("company.team.sub", "child", 1),
        ("companyx", "other", 1),
        ("companyxteam.sub", "lookalike", 1),
    ]
    assert [f.id for f in stores.flows.list(namespace="company")] == ["a_flow", "b_flow", "child"]
    assert [f.id for f in stores.flows.list(namespace="company.team.sub")] == ["child"]
    assert [f.id for f in stores.flows.list(namespace="comp")] == []
    assert [f.id for f in stores.flows.list(namespace="company_team")] == []  # '_' is no wildcard
    assert [f.id for f in stores.flows.list(namespace="company.team")] == ["a_flow", "b_flow", "child"]
    assert [f.id for f in stores.flows.list(text="FLOW")] == ["a_flow", "b_flow"]
    assert [f.id for f in stores.flows.list(text="sub")] == ["child", "lookalike"]
    assert [f.id for f in stores.flows.list(text="_")] == ["a_flow", "b_flow"]
