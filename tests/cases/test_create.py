"""Registering a case through `services.create_case`: location, validation, scope, duplicates and
idempotency. Every refusal leaves the database as it was."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from tests.cases.factories import (
    LAT,
    LON,
    MICRO_A11,
    T0,
    VILLAGE_A,
    VILLAGE_B,
    CaseInputFactory,
    Clock,
    act,
    create,
    eod,
)
from tests.township import Township
from zhizhi.accounts import scope
from zhizhi.api import present
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, IdempotencyKey, Status
from zhizhi.core.errors import DomainError
from zhizhi.web.templatetags.workbench import status_label

pytestmark = pytest.mark.django_db

METRES_PER_DEGREE = 6_371_000 * math.pi / 180  # on the sphere services.distance_m uses
MICRO_B22 = "3309031072020202"


def north(metres: float) -> float:
    return LAT + metres / METRES_PER_DEGREE


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), IdempotencyKey.objects.count()


# --- Location ---------------------------------------------------------------------------------------


def test_case_is_located_in_the_deepest_micro_grid(township: Township) -> None:
    # Given a point in 台门社区 2-2
    lon, lat = township.point_in(MICRO_B22)
    # When the dispatcher registers a case there without choosing a region
    result = services.create_case(
        actor=township.users["dispatcher"], data=CaseInputFactory(lon=lon, lat=lat, channel="hotline"), now=T0
    )
    # Then it is placed in the micro-grid, with the materialised path of its ancestors
    case = Case.objects.get(pk=result.case.pk)
    assert (case.region.code, case.region_path) == (
        MICRO_B22,
        "/330903107000/330903107202/33090310720202/3309031072020202/",
    )
    assert (case.status, case.created_by.username, case.received_at, case.reporter_phone) == (
        Status.RECEIVED,
        "dispatcher",
        T0,
        "13812345678",
    )
    # And one "create" event opens its timeline
    assert list(
        CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status", "data")
    ) == [
        (
            "create",
            "",
            Status.RECEIVED,
            {"channel": "hotline", "category": "street_vending", "due_at": eod("2024-03-05").isoformat()},
        )
    ]
    assert (result.duplicates, result.replayed) == ([], False)


def test_region_chosen_by_code_needs_no_coordinates(township: Township) -> None:
    case = create(township, by="cadre_a", region=VILLAGE_A, lon=None, lat=None)
    assert (case.region.code, case.region_path, case.lon, case.lat) == (
        VILLAGE_A,
        "/330903107000/330903107201/",
        None,
        None,
    )


def test_a_chosen_region_wins_over_a_deeper_located_one(township: Township) -> None:
    case = create(township, by="cadre_a", region=VILLAGE_A)  # the point lies in 杜庄1-1
    assert (case.region.code, case.lon, case.lat) == (VILLAGE_A, LON, LAT)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"lon": 121.50, "lat": 29.75}, "outside_territory"),
        ({"region": VILLAGE_B}, "coordinates_outside_region"),  # the point is in village A
        ({"region": "330903107299"}, "unknown_region"),
        ({"lon": None, "lat": None}, "missing_location"),
        ({"lat": None}, "invalid_coordinates"),
        ({"lon": 200.0}, "invalid_coordinates"),
        ({"lat": float("nan")}, "invalid_coordinates"),
    ],
)
def test_bad_locations_are_refused_and_nothing_is_written(
    township: Township, fields: dict[str, Any], code: str
) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        create(township, by="dispatcher", **fields)
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert counts() == before


# --- Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"category": "no_such_thing"}, "unknown_category", None),
        ({"category": "city_appearance"}, "unknown_category", None),  # a class, not a subclass
        ({"nature": "gossip"}, "unknown_nature", None),
        ({"channel": "pigeon"}, "invalid_channel", None),
        ({"priority": "whenever"}, "invalid_priority", None),
        ({"case_type": "petition_xyz"}, "unknown_case_type", None),
        ({"reporter_phone": "1234"}, "invalid_phone", None),
        ({"reporter_phone": "138123456789"}, "invalid_phone", None),
        ({"title": "   "}, "missing_field", "title"),
        ({"title": "标" * 201}, "too_long", "title"),
        ({"description": "长" * 100_000}, "too_long", "description"),
        ({"address": "址" * 301}, "too_long", "address"),
        ({"reporter_name": "名" * 51}, "too_long", "reporter_name"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(
    township: Township, fields: dict[str, Any], code: str, field: str | None
) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        create(township, by="dispatcher", **fields)
    assert (exc.value.code, exc.value.status, exc.value.details.get("field")) == (code, 422, field)
    assert counts() == before


def test_too_long_description_says_how_long(township: Township) -> None:
    with pytest.raises(DomainError) as exc:
        create(township, by="dispatcher", description="长" * 100_000)
    assert exc.value.message == "描述不能超过 5000 个字符（当前 100000）"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("0580-6012345", "0580-6012345"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_phones_are_normalised(township: Township, raw: str, stored: str) -> None:
    assert create(township, by="dispatcher", reporter_phone=raw).reporter_phone == stored


def test_text_is_trimmed(township: Township) -> None:
    case = create(township, by="dispatcher", title="  路灯不亮  ", address=" 杜庄村 ")
    assert (case.title, case.address) == ("路灯不亮", "杜庄村")


# --- Scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "point", "code"),
    [
        ("grid_a1", (122.175, 29.775), "forbidden_region"),  # village B
        ("grid_a1", (122.075, 29.775), "forbidden_region"),  # village A, another grid
        ("cadre_b", (LON, LAT), "forbidden_region"),
        ("leader", (LON, LAT), "forbidden_role"),  # leaders do not register cases
        ("handler_enf", (LON, LAT), "forbidden_role"),  # nor do handlers
    ],
)
def test_creation_outside_the_actors_scope_is_refused(
    township: Township, user: str, point: tuple[float, float], code: str
) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        create(township, by=user, lon=point[0], lat=point[1])
    assert (exc.value.code, exc.value.status) == (code, 403)
    assert counts() == before


@pytest.mark.parametrize("user", ["grid_a1", "cadre_a", "dispatcher", "operator", "admin"])
def test_creation_inside_the_actors_scope_is_allowed(township: Township, user: str) -> None:
    case = create(township, by=user)
    assert (case.region.code, case.created_by.username) == (MICRO_A11, user)


# --- Who registers which type: CaseType.create_roles and the department-based scope ----------------

MICRO_B11 = "3309031072020101"


def hazard(t: Township, *, by: str, region: str = MICRO_B11) -> Case:
    data = CaseInputFactory(
        case_type="hazard",
        channel="inspection",
        category="fire_facility_lane",
        lon=None,
        lat=None,
        region=region,
    )
    return services.create_case(actor=t.users[by], data=data, now=T0).case


@pytest.mark.parametrize("region", [MICRO_A11, MICRO_B11])
def test_a_handler_of_the_hazards_department_registers_a_hazard_anywhere(
    township: Township, region: str
) -> None:
    # handler_emg (department emergency, no regions of their own) in either village
    case = hazard(township, by="handler_emg", region=region)
    row = Case.objects.get(pk=case.pk)
    assert (row.case_type, row.region.code, row.created_by.username, row.status) == (
        "hazard",
        region,
        "handler_emg",
        "received",
    )
    assert list(CaseEvent.objects.filter(case=row).values_list("action", flat=True)) == ["create"]


def test_a_handler_of_another_department_may_not_register_a_hazard(township: Township) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        hazard(township, by="handler_enf")
    assert (exc.value.code, exc.value.status) == ("forbidden_role", 403)
    assert counts() == before


def test_an_event_is_unchanged_a_safety_inspector_still_may_not_register_one(township: Township) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        create(township, by="handler_emg")
    assert (exc.value.code, exc.value.status) == ("forbidden_role", 403)
    assert counts() == before
    assert scope.may_create(township.users["handler_emg"], "hazard")
    assert not scope.may_create(township.users["handler_emg"], "event")


def test_a_departments_region_bounds_its_handlers(township: Township) -> None:
    # Given the emergency department limited to village A
    from zhizhi.accounts.models import Department, User

    Department.objects.filter(code="emergency").update(region=township.villages[VILLAGE_A])
    inspector = User.objects.get(username="handler_emg")  # no cached department areas
    township.users["handler_emg"] = inspector
    assert hazard(township, by="handler_emg", region=MICRO_A11).region.code == MICRO_A11
    before = counts()
    with pytest.raises(DomainError) as exc:
        hazard(township, by="handler_emg", region=MICRO_B11)
    assert (exc.value.code, exc.value.status) == ("forbidden_region", 403)
    assert counts() == before


@pytest.mark.parametrize(
    ("user", "region", "code"),
    [
        ("grid_a1", MICRO_A11, None),
        ("grid_a1", MICRO_B11, "forbidden_region"),
        ("dispatcher", MICRO_B11, None),
        ("leader", MICRO_B11, "forbidden_role"),
    ],
)
def test_the_create_roles_register_hazards_within_their_regions(
    township: Township, user: str, region: str, code: str | None
) -> None:
    before = counts()
    if code is None:
        assert hazard(township, by=user, region=region).created_by.username == user
        return
    with pytest.raises(DomainError) as exc:
        hazard(township, by=user, region=region)
    assert exc.value.code == code
    assert counts() == before


# --- Duplicates -------------------------------------------------------------------------------------


def test_duplicate_suggestions_are_same_category_within_200_m_and_7_days(township: Township) -> None:
    # Given earlier cases around the spot
    new_at = T0 + timedelta(days=10)
    near = create(township, now=new_at - timedelta(days=1), lat=north(150), title="150 m")
    week = create(
        township, now=new_at - timedelta(days=6, hours=23), lat=north(100), title="100 m, 6 days 23 h"
    )
    edge = create(township, now=new_at - timedelta(hours=1), lat=north(199.9), title="199.9 m")
    create(township, now=new_at - timedelta(hours=1), lat=north(250), title="250 m")
    create(township, now=new_at - timedelta(days=8), lat=north(50), title="8 days earlier")
    create(
        township, now=new_at - timedelta(hours=1), lat=north(10), category="illegal_parking", title="other"
    )
    merged = create(township, now=new_at - timedelta(hours=2), lat=north(20), title="merged")
    parent = create(township, now=new_at - timedelta(hours=3), lon=LON + 0.02, title="far parent")
    act(township, merged, "merge", "dispatcher", {"parent": parent.pk}, now=new_at - timedelta(hours=1))
    # When a new case of the same category is registered at the spot
    result = services.create_case(actor=township.users["grid_a1"], data=CaseInputFactory(), now=new_at)
    # Then exactly the close, recent, same-category, unmerged ones are suggested, nearest first
    assert [(c.pk, c.distance_m) for c in result.duplicates] == [
        (week.pk, 100.0),
        (near.pk, 150.0),
        (edge.pk, 199.9),
    ]


def test_duplicate_suggestions_are_found_and_shown_in_one_query(
    township: Township, django_assert_num_queries: Any
) -> None:
    # Given an earlier case 100 m away, assigned to a department
    new_at = T0 + timedelta(days=2)
    earlier = create(township, now=new_at - timedelta(days=1), lat=north(100), title="路灯不亮")
    act(
        township,
        earlier,
        "dispatch",
        "dispatcher",
        {"department": "enforcement"},
        now=new_at - timedelta(hours=20),
    )
    stored = Case.objects.get(pk=earlier.pk)
    case = create(township, now=new_at)
    user = township.users["grid_a1"]
    # When its suggestions are found, filtered by scope and presented as the API presents them
    with django_assert_num_queries(1):
        found = services.find_duplicates(case)
        shown = [present.duplicate(c) for c in scope.seen_among(user, found)]
        label = status_label(found[0])
    # Then the one query carried every field they read, with the stored values
    assert shown == [
        {
            "id": earlier.pk,
            "title": "路灯不亮",
            "status": stored.status,
            "received_at": stored.received_at,
            "distance_m": 100.0,
        }
    ]
    assert (found[0].department_id, found[0].region_path, label) == (
        stored.department_id,
        stored.region_path,
        status_label(stored),
    )
    assert stored.status == "dispatched"


def test_no_duplicates_without_coordinates(township: Township) -> None:
    create(township, by="cadre_a")
    result = services.create_case(
        actor=township.users["cadre_a"], data=CaseInputFactory(region=VILLAGE_A, lon=None, lat=None), now=T0
    )
    assert result.duplicates == []


# --- Idempotency ------------------------------------------------------------------------------------


def test_same_key_and_body_returns_the_same_case(township: Township) -> None:
    # Given a case registered with an Idempotency-Key
    user, data = township.users["grid_a1"], CaseInputFactory(title="井盖缺失")
    first = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0)
    before = counts()
    # When the same request is replayed later
    again = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0 + timedelta(minutes=5))
    # Then it answers with the same case, marked as a replay, and writes nothing
    assert (again.case.pk, again.replayed, again.duplicates) == (first.case.pk, True, [])
    assert (first.replayed, counts()) == (False, before)
    assert before == (1, 1, 1)


def test_a_replay_is_answered_even_where_a_new_request_would_now_be_refused(township: Township) -> None:
    # Given a case registered with a key, and then the grid worker moved off that grid
    user, data = township.users["grid_a1"], CaseInputFactory(title="井盖缺失")
    first = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0)
    user.regions.clear()
    user._zz_region_paths = None  # type: ignore[attr-defined]
    before = counts()
    # When the request is retried with the same key, it answers with the same case
    again = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0)
    assert (again.case.pk, again.replayed, counts()) == (first.case.pk, True, before)
    # and a new key is refused, writing nothing
    with pytest.raises(DomainError) as exc:
        services.create_case(actor=user, data=data, idempotency_key="k-2", now=T0)
    assert (exc.value.code, counts()) == ("forbidden_region", before)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_replay_is_answered_and_writes_nothing(township: Township) -> None:
    # As a web request runs it: no transaction around the service, so on PostgreSQL the case, its
    # event and its key are one statement, which the taken key refuses as a whole.
    user, data = township.users["grid_a1"], CaseInputFactory(title="井盖缺失")
    first = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0)
    before = counts()
    again = services.create_case(actor=user, data=data, idempotency_key="k-1", now=T0 + timedelta(minutes=5))
    assert (again.case.pk, again.replayed, counts()) == (first.case.pk, True, before)
    assert before == (1, 1, 1)
    assert list(CaseEvent.objects.values_list("case_id", "action")) == [(first.case.pk, "create")]


def test_same_key_with_a_different_body_is_refused(township: Township) -> None:
    user = township.users["grid_a1"]
    services.create_case(actor=user, data=CaseInputFactory(title="井盖缺失"), idempotency_key="k-1", now=T0)
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.create_case(
            actor=user, data=CaseInputFactory(title="路灯不亮"), idempotency_key="k-1", now=T0
        )
    assert (exc.value.code, exc.value.status) == ("idempotency_key_reused", 422)
    assert counts() == before


def test_the_same_key_from_another_user_is_another_case(township: Township) -> None:
    data = CaseInputFactory(title="井盖缺失")
    first = services.create_case(actor=township.users["grid_a1"], data=data, idempotency_key="k-1", now=T0)
    second = services.create_case(actor=township.users["cadre_a"], data=data, idempotency_key="k-1", now=T0)
    assert second.case.pk != first.case.pk
    assert (second.replayed, counts()) == (False, (2, 2, 2))
    assert sorted(IdempotencyKey.objects.values_list("user__username", "key", "case_id")) == sorted(
        [("grid_a1", "k-1", first.case.pk), ("cadre_a", "k-1", second.case.pk)]
    )


def test_a_refused_create_does_not_consume_its_key(township: Township) -> None:
    user = township.users["grid_a1"]
    with pytest.raises(DomainError):
        services.create_case(
            actor=user, data=CaseInputFactory(reporter_phone="1"), idempotency_key="k-1", now=T0
        )
    result = services.create_case(actor=user, data=CaseInputFactory(), idempotency_key="k-1", now=T0)
    assert (result.replayed, counts()) == (False, (1, 1, 1))


def test_an_overlong_key_is_refused(township: Township) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_case(
            actor=township.users["grid_a1"], data=CaseInputFactory(), idempotency_key="k" * 201
        )
    assert (exc.value.code, counts()) == ("invalid_idempotency_key", (0, 0, 0))


def test_clock_helper_ticks() -> None:
    clock = Clock()
    assert (clock.tick(), clock.now) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=10))
