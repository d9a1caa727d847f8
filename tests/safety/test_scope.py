"""Who sees which organisations, inspections and hazards, and whose personal data in full."""

from __future__ import annotations

import pytest

from tests.safety.helpers import World
from zhizhi.accounts.models import Department, PersonalDataAccess, User
from zhizhi.core.errors import NotFound
from zhizhi.safety import queries
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db

ALL = {"A", "B", "C", "D", "E"}
# A: 杜庄1-1 (grid A1), B: 杜庄2-1 (grid A2), C, D, E: 台门1-1
VISIBLE = {
    "grid_a1": {"A"},
    "grid_b1": {"C", "D", "E"},
    "cadre_a": {"A", "B"},
    "cadre_b": {"C", "D", "E"},
    "dispatcher": ALL,
    "handler_enf": ALL,  # a handler of a department with no region: the whole deployment
    "handler_emg": ALL,
    "operator": ALL,
    "leader": ALL,
    "admin": ALL,
}


def names(world: World, qs: object) -> set[str]:
    by_pk = {o.pk: k for k, o in world.orgs.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("user", list(VISIBLE))
def test_visible_organisations_follow_the_region_subtrees(world: World, user: str) -> None:
    u = world.t.users[user]
    assert names(world, queries.visible_organisations(u)) == VISIBLE[user]
    # inspections and enforcement records follow their organisation
    inspected = {i.organisation_id for i in queries.visible_inspections(u) if i.organisation_id}
    assert inspected == {world.orgs[k].pk for k in VISIBLE[user]} & {
        world.orgs[k].pk for k in ("A", "C", "D", "E")
    }
    enforced = set(queries.visible_enforcements(u).values_list("organisation_id", flat=True))
    assert enforced == {world.orgs[k].pk for k in VISIBLE[user] & {"C", "D", "E"}}


def test_inactive_and_unscoped_users_see_nothing(world: World) -> None:
    u = world.t.users["cadre_a"]
    u.is_active = False
    assert not queries.visible_organisations(u).exists()
    nobody = User.objects.create_user(username="nobody", password="pw-for-tests-1", role="grid_worker")
    assert not queries.visible_organisations(nobody).exists()
    with pytest.raises(NotFound):
        queries.get_organisation(nobody, world.orgs["A"].pk)


def test_a_handler_of_a_department_with_a_region_sees_that_region(world: World) -> None:
    Department.objects.filter(code="enforcement").update(region=Region.objects.get(code="330903107202"))
    u = User.objects.get(username="handler_enf")
    assert names(world, queries.visible_organisations(u)) == {"C", "D", "E"}


def test_hazards_are_cases_and_follow_case_scope(world: World) -> None:
    t = world.t
    assert queries.visible_hazards(t.users["handler_emg"]).count() == 4  # department emergency
    assert queries.visible_hazards(t.users["handler_enf"]).count() == 0
    assert queries.visible_hazards(t.users["cadre_a"]).count() == 2
    with pytest.raises(NotFound):
        queries.get_hazard(t.users["handler_enf"], world.hazards["h1"].pk)


def test_personal_data_is_masked_in_lists_and_revealed_with_a_log(world: World) -> None:
    t, a = world.t, world.orgs["A"]
    assert queries.personal(a) == {
        "legal_rep": "王*国",
        "phone": "139****1234",
        "address": "六横镇测试路 1 号",
    }
    assert queries.can_view_personal(t.users["handler_emg"], a)
    assert not queries.can_view_personal(t.users["leader"], a)
    assert not queries.can_view_personal(t.users["grid_b1"], a)
    with pytest.raises(NotFound):
        queries.reveal_personal(t.users["leader"], a)
    assert not PersonalDataAccess.objects.exists()
    full = queries.reveal_personal(t.users["cadre_a"], a, reason="核实整改情况")
    assert full["phone"] == "13905801234"
    log = PersonalDataAccess.objects.get()
    assert (log.user.username, log.object_type, log.object_id, log.reason) == (
        "cadre_a",
        "safety.organisation",
        str(a.pk),
        "核实整改情况",
    )


def test_organisation_lists_filter_and_validate(world: World) -> None:
    u = world.t.users["dispatcher"]
    f = queries.OrganisationFilter(committee="fire", listed=True)
    assert [o.name for o in queries.organisations_for(u, f)] == ["测试企业3", "测试企业5"]
    assert [
        o.name for o in queries.organisations_for(u, queries.OrganisationFilter(q=world.orgs["D"].uscc))
    ] == ["测试企业4"]
    from zhizhi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        queries.organisations_for(u, queries.OrganisationFilter(kind="factory"))
