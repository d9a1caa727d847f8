"""The workflow table as data: it validates, a broken one says exactly what is wrong, and the docs
rendered from it are current."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhizhi.cases import types
from zhizhi.cases.workflow import BASE_WORKFLOW, Action, Workflow


def _action(name: str, sources: set[str], target: str | None, roles: set[str], **kw: object) -> Action:
    return Action(name, name, frozenset(sources), target, frozenset(roles), **kw)  # type: ignore[arg-type]


def test_base_workflow_is_sound() -> None:
    assert BASE_WORKFLOW.validate() == []


def test_every_registered_type_validates() -> None:
    # Given the registry (checked at start-up as well), then it raises nothing
    types.validate_all()
    assert types.REGISTRY["event"].workflow is BASE_WORKFLOW


def test_a_sound_small_workflow_has_no_problems() -> None:
    wf = Workflow(
        name="tiny",
        states=("new", "done"),
        initial="new",
        terminal=frozenset({"done"}),
        open_states=frozenset({"new"}),
        actions={"finish": _action("finish", {"new"}, "done", {"handler"}, required=("resolution",))},
    )
    assert wf.validate() == []


def test_a_broken_workflow_lists_every_problem() -> None:
    # Given a table with an unknown source state, an unreachable state, an unknown role, an
    # unknown field, an unknown guard, an action nobody may take and a dead end
    wf = Workflow(
        name="broken",
        states=("new", "doing", "done", "orphan"),
        initial="new",
        terminal=frozenset({"done", "limbo"}),
        open_states=frozenset({"new", "doing"}),
        actions={
            "start": _action(
                "start", {"new", "nowhere"}, "doing", {"handler", "wizard"}, required=("colour",)
            ),
            "poke": _action("poke", {"doing"}, None, set(), guards=("full_moon",)),
            "leave": _action("leave", {"orphan"}, "done", {"admin"}),
        },
    )
    # When it is validated, then each problem is named exactly once (states and roles are sets, so
    # the order among them is not fixed)
    assert sorted(wf.validate()) == sorted(
        [
            "broken: 'limbo' is not a state",
            "broken.start: unknown source state 'nowhere'",
            "broken.start: unknown role 'wizard'",
            "broken.start: unknown field 'colour'",
            "broken.poke: unknown guard 'full_moon'",
            "broken.poke: no role may take it",
            "broken: state 'done' is unreachable",
            "broken: state 'orphan' is unreachable",
            "broken: state 'doing' has no way out",
        ]
    )


def test_unknown_initial_and_target_states_are_named() -> None:
    wf = Workflow(
        name="w",
        states=("a", "b"),
        initial="zero",
        terminal=frozenset({"b"}),
        open_states=frozenset({"a"}),
        actions={"go": _action("go", {"a"}, "c", {"admin"})},
    )
    assert sorted(wf.validate()) == sorted(
        [
            "w: initial state 'zero' is not a state",
            "w.go: unknown target state 'c'",
            "w: state 'a' is unreachable",
            "w: state 'b' is unreachable",
        ]
    )


def test_docs_are_up_to_date() -> None:
    # Given docs/workflow.md in the repository, then it is what `workflow_docs` renders now
    call_command("workflow_docs", "--check")


def test_stale_docs_are_detected(tmp_path) -> None:
    stale = tmp_path / "workflow.md"
    stale.write_text("# old\n", encoding="utf-8")
    with pytest.raises(CommandError, match="is stale"):
        call_command("workflow_docs", "--check", "--path", str(stale))
    assert stale.read_text(encoding="utf-8") == "# old\n"


def test_docs_list_every_action_and_mermaid_omits_flag_actions() -> None:
    from zhizhi.cases.management.commands.workflow_docs import render

    text = render()
    for name in BASE_WORKFLOW.actions:
        assert f"| `{name}` |" in text
    lines = [line.strip() for line in BASE_WORKFLOW.to_mermaid().splitlines()]
    assert lines[:3] == [
        "stateDiagram-v2",
        "[*] --> received",
        "received --> dispatched : dispatch (admin, dispatcher)",
    ]
    assert lines[-2:] == ["closed --> [*]", "merged --> [*]"]
    assert not [
        line for line in lines if "supervise" in line or "extension" in line or "return_visit" in line
    ]
