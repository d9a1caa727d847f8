"""The action forms drive the real workflow; actions a user may not take are neither shown nor
accepted; personal data is masked unless revealed (and a reveal is recorded)."""

from __future__ import annotations

import pytest

from tests.cases.factories import row
from tests.web.conftest import CALLER, World, login
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def actions_shown(client, case: Case) -> list[str]:
    r = client.get(f"/cases/{case.pk}/")
    assert r.status_code == 200
    return [f.action.name for f in r.context["action_forms"]]


def post(client, case: Case, action: str, **fields):
    return client.post(f"/cases/{case.pk}/act/{action}/", {f"{action}-{k}": v for k, v in fields.items()})


def test_a_case_goes_the_whole_way_through_the_web_forms(world: World):
    from django.utils import timezone

    from tests.cases.factories import create

    # registered now, so that its deadline is ahead and an extension may be asked for
    case = create(world.t, by="cadre_a", now=timezone.now(), lon=122.025, lat=29.76)
    assert post(login("leader"), case, "supervise", note="请尽快派单").status_code == 302
    dispatcher, handler, operator = login("dispatcher"), login("handler_enf"), login("operator")

    assert "dispatch" in actions_shown(dispatcher, case)
    r = post(dispatcher, case, "dispatch", department="enforcement")
    assert r.status_code == 302
    assert r["Location"] == f"/cases/{case.pk}/#timeline"

    assert actions_shown(handler, case)[:2] == ["accept", "return"]
    assert post(handler, case, "accept").status_code == 302
    assert post(handler, case, "start", note="已到现场").status_code == 302
    assert post(handler, case, "request_extension", days="2", reason="需协调").status_code == 302
    assert post(dispatcher, case, "approve_extension").status_code == 302
    assert post(handler, case, "resolve", resolution="摊贩已劝离").status_code == 302
    assert post(operator, case, "return_visit", reached="true", satisfaction="satisfied").status_code == 302
    assert post(operator, case, "close").status_code == 302

    case.refresh_from_db()
    assert case.status == "closed"
    assert case.extension_days == 2
    assert case.satisfaction == "satisfied"
    assert [e.action for e in CaseEvent.objects.filter(case=case).order_by("at", "id")] == [
        "create",
        "supervise",
        "dispatch",
        "accept",
        "start",
        "request_extension",
        "approve_extension",
        "resolve",
        "return_visit",
        "close",
    ]
    assert case.events.get(action="start").note == "已到现场"


def test_one_click_actions_on_the_desk_return_to_the_desk(world: World):
    handler = login("handler_enf")
    desk = handler.get("/")
    rows = [r for q in desk.context["queues"] for r in q.rows if r.case.pk == world.a_open.pk]
    assert rows
    assert rows[0].action.name == "accept"
    assert rows[0].one_click
    r = handler.post(f"/cases/{world.a_open.pk}/act/accept/", {"next": "/"})
    assert (r.status_code, r["Location"]) == (302, "/")
    assert Case.objects.get(pk=world.a_open.pk).status == "accepted"


def test_next_must_stay_on_this_site(world: World):
    r = login("handler_enf").post(f"/cases/{world.a_open.pk}/act/accept/", {"next": "https://evil.example/"})
    assert r["Location"] == f"/cases/{world.a_open.pk}/#timeline"


@pytest.mark.parametrize(
    ("username", "action", "fields", "status"),
    [
        ("grid_a1", "dispatch", {"department": "enforcement"}, 403),  # role
        ("handler_emg", "accept", {}, 404),  # cannot even see it
        ("leader", "close", {}, 403),  # role
        ("dispatcher", "accept", {}, 403),  # role
        ("dispatcher", "close", {}, 409),  # state: dispatched
        ("dispatcher", "nonsense", {}, 404),
    ],
)
def test_actions_not_allowed_are_not_shown_and_refused_with_nothing_changed(
    world: World, username: str, action: str, fields: dict, status: int
):
    case = world.a_open  # dispatched to enforcement
    c = login(username)
    if status != 404:
        assert action not in actions_shown(c, case)
    before, events = row(case), CaseEvent.objects.count()
    r = post(c, case, action, **fields)
    assert r.status_code == status
    assert row(case) == before
    assert CaseEvent.objects.count() == events


def test_a_refused_action_says_why_on_the_page(world: World):
    r = post(login("dispatcher"), world.a_open, "close")
    assert r.status_code == 409
    assert "不能执行“归档”" in r.content.decode()


def test_missing_input_comes_back_on_the_form_and_writes_nothing(world: World):
    before, events = row(world.a2_open), CaseEvent.objects.count()
    r = post(login("dispatcher"), world.a2_open, "dispatch")
    assert r.status_code == 422
    form = r.context["failed_form"]
    assert "department" in form.errors
    assert row(world.a2_open) == before
    assert CaseEvent.objects.count() == events


def test_a_service_error_lands_on_its_field(world: World):
    # the form offers every handler; the service refuses one who is not in the chosen department
    before = row(world.a2_open)
    r = post(login("dispatcher"), world.a2_open, "dispatch", department="enforcement", assignee="handler_emg")
    assert r.status_code == 422
    assert "承办人不属于所派部门" in r.context["failed_form"].errors["assignee"][0]
    assert row(world.a2_open) == before


def test_reopen_after_an_unsatisfied_visit(world: World):
    c = login("dispatcher")
    assert set(actions_shown(c, world.a_late)) >= {"reopen"}
    assert "close" not in actions_shown(c, world.a_late)  # guard: not_unsatisfied
    assert post(c, world.a_late, "reopen", reason="群众不满意").status_code == 302
    assert Case.objects.get(pk=world.a_late.pk).status == "dispatched"


def test_duplicates_are_suggested_and_merge_goes_through_the_workflow(world: World):
    # a_open lies 110 m from a_closed, same category, 2 days later
    c = login("dispatcher")
    r = c.get(f"/cases/{world.a_open.pk}/")
    dups = [d.pk for d in r.context["duplicates"]]
    assert world.a_closed.pk in dups
    assert r.context["can_merge"]
    assert f'data-testid="merge-into-{world.a_closed.pk}"' in r.content.decode()
    r = c.post(f"/cases/{world.a_open.pk}/act/merge/", {"merge-parent": world.a_closed.pk})
    assert r.status_code == 302
    merged = Case.objects.get(pk=world.a_open.pk)
    assert (merged.status, merged.parent_id) == ("merged", world.a_closed.pk)


def test_duplicates_outside_scope_are_not_suggested(world: World):
    # grid_b1 registers next to a_open's spot (in grid A1? no: they may not) — so check the reverse:
    # the grid A1 worker sees no suggestion from grid B1 even for the same category
    r = login("grid_a1").get(f"/cases/{world.a_open.pk}/")
    assert all(d.region_path.startswith(world.a_open.region_path[:14]) for d in r.context["duplicates"])


def test_personal_data_is_masked_until_revealed_and_the_reveal_is_recorded(world: World):
    c = login("operator")
    html = c.get(f"/cases/{world.a_open.pk}/").content.decode()
    assert CALLER not in html
    assert "139****1111" in html
    assert "王*明" in html
    assert PersonalDataAccess.objects.count() == 0
    r = c.post(f"/cases/{world.a_open.pk}/reveal/", {"reason": "回访联系"})
    assert r.status_code == 200
    assert CALLER in r.content.decode()
    assert "王小明" in r.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user.username, access.object_id, access.reason) == (
        "operator",
        str(world.a_open.pk),
        "回访联系",
    )


def test_roles_without_personal_data_cannot_reveal(world: World):
    c = login("leader")
    html = c.get(f"/cases/{world.a_open.pk}/").content.decode()
    assert 'data-testid="reveal"' not in html
    r = c.post(f"/cases/{world.a_open.pk}/reveal/", {"reason": "想看"})
    assert r.status_code == 403
    assert CALLER not in r.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_lists_never_show_phones(world: World):
    html = login("operator").get("/cases/?q=" + CALLER).content.decode()
    assert CALLER not in html.replace(f"q={CALLER}", "").replace(f'value="{CALLER}"', "")


def test_sla_clock_on_the_detail_page(world: World):
    r = login("dispatcher").get(f"/cases/{world.a_late.pk}/")
    clock = r.context["clock"]
    assert clock.state == "late"
    assert clock.due_at == world.a_late.due_at
    assert "超期办结" in r.content.decode()
    r = login("dispatcher").get(f"/cases/{world.a_closed.pk}/")
    assert r.context["clock"].state == "on_time"
    r = login("dispatcher").get(f"/cases/{world.a2_open.pk}/")
    assert r.context["clock"].state == "overdue"  # received in 2024, still open
    assert "已超期" in r.content.decode()


def test_suspended_clock_shows_paused_time(world: World):
    from datetime import timedelta

    from django.utils import timezone

    handler = login("handler_enf")
    post(handler, world.b_open, "suspend", reason="等待当事人")
    case = Case.objects.get(pk=world.b_open.pk)
    Case.objects.filter(pk=case.pk).update(paused_at=timezone.now() - timedelta(hours=3))
    r = login("dispatcher").get(f"/cases/{case.pk}/")
    clock = r.context["clock"]
    assert clock.state == "paused"
    assert 3 * 3600 - 5 <= clock.paused_seconds <= 3 * 3600 + 60
    assert "计时暂停" in r.content.decode()
