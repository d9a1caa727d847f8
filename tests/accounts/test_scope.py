"""Who sees and acts on what, through the API: a matrix of users × cases in every micro-grid and
department. Outside scope is 404 (existence is not revealed) and nothing changes; personal data is
masked unless revealed by a permitted role, and each reveal is logged. Authentication: bearer
tokens, and the session with CSRF."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.helpers import Api, ids, written
from tests.cases.factories import MICRO_GRIDS, T0, CaseInputFactory, act, row
from tests.township import VILLAGE_A, VILLAGE_B, Township
from zhizhi.accounts import scope
from zhizhi.accounts.models import ApiToken, Department, PersonalDataAccess, User
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

A11, A12, A21, A22, B11, B12, B21, B22 = MICRO_GRIDS
ALL = set(MICRO_GRIDS)

# Which cases (named by micro-grid) each user sees, worked out from the township's scopes:
# A12's case is dispatched to enforcement, B21's to emergency, A21's to peace_law naming cadre_b.
VISIBLE = {
    "grid_a1": {A11, A12},
    "grid_b1": {B11, B12},
    "cadre_a": {A11, A12, A21, A22},
    "cadre_b": {B11, B12, B21, B22, A21},
    "dispatcher": ALL,
    "operator": ALL,
    "leader": ALL,
    "admin": ALL,
    "handler_enf": {A12},
    "handler_emg": {B21},
}
USERS = list(VISIBLE)


@pytest.fixture
def cases(township: Township) -> dict[str, Case]:
    """One case per micro-grid, registered by admin at its centre, a minute apart (A11 first)."""
    out: dict[str, Case] = {}
    admin = township.users["admin"]
    for i, code in enumerate(MICRO_GRIDS):
        lon, lat = township.point_in(code)
        data = CaseInputFactory(lon=lon, lat=lat, title=f"{code} 的事件", category="street_vending")
        out[code] = services.create_case(actor=admin, data=data, now=T0 + timedelta(minutes=i)).case
    later = T0 + timedelta(hours=1)
    act(township, out[A12], "dispatch", "dispatcher", {"department": "enforcement"}, now=later)
    act(township, out[B21], "dispatch", "dispatcher", {"department": "emergency"}, now=later)
    act(
        township,
        out[A21],
        "dispatch",
        "dispatcher",
        {"department": "peace_law", "assignee": "cadre_b"},
        now=later,
    )
    return out


@pytest.mark.parametrize("user", USERS)
def test_list_shows_exactly_the_cases_in_scope(township: Township, cases: dict[str, Case], user: str) -> None:
    # When the user lists cases
    got = ids(Api(township.users[user]).get("/cases", {"page_size": 200}))
    # Then exactly their cases appear, newest first
    expected = [cases[code].pk for code in reversed(MICRO_GRIDS) if code in VISIBLE[user]]
    assert got == expected


@pytest.mark.parametrize("user", USERS)
def test_the_in_memory_check_agrees_with_the_query(
    township: Township, cases: dict[str, Case], user: str
) -> None:
    # scope.can_see_case (for rows already loaded, e.g. duplicate suggestions) and scope.cases_q
    # (for queries) are two writings of one rule
    from zhizhi.accounts import scope

    u = township.users[user]
    in_query = {c.pk for c in scope.visible_cases(u)}
    in_memory = {c.pk for c in Case.objects.all() if scope.can_see_case(u, c)}
    assert in_memory == in_query == {cases[code].pk for code in VISIBLE[user]}


@pytest.mark.parametrize("user", USERS)
def test_detail_is_404_outside_scope_and_200_inside(
    township: Township, cases: dict[str, Case], user: str
) -> None:
    api = Api(township.users[user])
    got = {}
    for code, case in cases.items():
        r = api.get(f"/cases/{case.pk}")
        got[code] = r.status_code
        if r.status_code == 404:
            assert r.json() == {"code": "case_not_found", "message": "工单不存在或无权查看"}
        else:
            assert r.json()["id"] == case.pk
    assert got == {code: 200 if code in VISIBLE[user] else 404 for code in MICRO_GRIDS}


@pytest.mark.parametrize("user", USERS)
def test_actions_outside_scope_are_404_and_change_nothing(
    township: Township, cases: dict[str, Case], user: str
) -> None:
    api = Api(township.users[user])
    outside = [code for code in MICRO_GRIDS if code not in VISIBLE[user]]
    for code in outside:
        case = cases[code]
        before, n = row(case), CaseEvent.objects.count()
        for action, body in (
            ("supervise", {"note": "督办"}),
            ("accept", {}),
            ("dispatch", {"department": "enforcement"}),
            ("self_resolve", {"resolution": "已处理"}),
        ):
            r = api.post(f"/cases/{case.pk}/{action}", body)
            assert (r.status_code, r.json()["code"]) == (404, "case_not_found"), (code, action)
        assert api.get(f"/cases/{case.pk}/duplicates").status_code == 404
        assert api.get(f"/cases/{case.pk}", {"reveal": "true"}).status_code == 404
        assert row(case) == before
        assert CaseEvent.objects.count() == n
    assert PersonalDataAccess.objects.count() == 0


def test_a_case_dispatched_away_from_a_handler_disappears_for_them(
    township: Township, cases: dict[str, Case]
) -> None:
    # Given handler_enf sees the case dispatched to enforcement
    api = Api(township.users["handler_enf"])
    case = cases[A12]
    assert ids(api.get("/cases")) == [case.pk]
    # When they return it (misrouted)
    r = api.post(f"/cases/{case.pk}/return", {"reason": "不属于综合执法"})
    # Then the answer says so without showing the case, and it is gone from their list
    assert (r.status_code, r.json()) == (200, {"id": case.pk, "status": "returned"})
    assert ids(api.get("/cases")) == []
    assert api.get(f"/cases/{case.pk}").status_code == 404


# --- Personal data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_lists_mask_personal_data(township: Township, cases: dict[str, Case], user: str) -> None:
    results = Api(township.users[user]).get("/cases", {"page_size": 200}).json()["results"]
    assert results
    assert {(c["reporter_name"], c["reporter_phone"], c["address"]) for c in results} == {
        ("张*丰", "138****5678", "六横镇杜庄村****")
    }


def test_detail_masks_personal_data_unless_revealed(township: Township, cases: dict[str, Case]) -> None:
    body = Api(township.users["dispatcher"]).get(f"/cases/{cases[A11].pk}").json()
    assert (body["reporter_name"], body["reporter_phone"], body["personal_data_revealed"]) == (
        "张*丰",
        "138****5678",
        False,
    )
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize("user", ["grid_a1", "cadre_a", "dispatcher", "operator", "admin", "handler_enf"])
def test_reveal_shows_personal_data_and_logs_each_read(
    township: Township, cases: dict[str, Case], user: str
) -> None:
    # Given a case the user may see
    case = cases[A12]
    api = Api(township.users[user])
    # When they reveal it twice
    for reason in ("回访核实", "再次核实"):
        r = api.get(f"/cases/{case.pk}", {"reveal": "true", "reason": reason})
        # Then the full name, phone and address are shown
        assert r.status_code == 200
        body = r.json()
        assert (
            body["reporter_name"],
            body["reporter_phone"],
            body["address"],
            body["personal_data_revealed"],
        ) == (
            "张三丰",
            "13812345678",
            "六横镇杜庄村菜场路 1 号",
            True,
        )
    # And each read wrote one access row
    assert sorted(
        PersonalDataAccess.objects.values_list(
            "user__username", "object_type", "object_id", "fields", "reason"
        )
    ) == sorted(
        [
            (user, "case", str(case.pk), "reporter_name,reporter_phone,address", "回访核实"),
            (user, "case", str(case.pk), "reporter_name,reporter_phone,address", "再次核实"),
        ]
    )


def test_leader_may_not_reveal(township: Township, cases: dict[str, Case]) -> None:
    r = Api(township.users["leader"]).get(f"/cases/{cases[A11].pk}", {"reveal": "true", "reason": "看看"})
    assert (r.status_code, r.json()) == (
        403,
        {"code": "forbidden_personal_data", "message": "当前角色无权查看个人信息"},
    )
    assert PersonalDataAccess.objects.count() == 0


def test_create_answer_does_not_suggest_duplicates_outside_scope(township: Township) -> None:
    # Given, an hour ago, a case in grid A02 (not grid_a1's) 55 m north of a point in grid_a1's
    # grid A01, and one in grid A01 55 m south of it
    hour_ago = timezone.now() - timedelta(hours=1)
    dispatcher = township.users["dispatcher"]
    services.create_case(
        actor=dispatcher, data=CaseInputFactory(lat=29.7500 + 0.0005, title="网格二"), now=hour_ago
    )
    visible = services.create_case(
        actor=dispatcher, data=CaseInputFactory(lat=29.7495 - 0.0005, title="网格一"), now=hour_ago
    ).case
    # When grid_a1 registers the same thing just inside grid A01
    api = Api(township.users["grid_a1"])
    r = api.post("/cases", {**_body(), "lat": 29.7495})
    # Then only the case they may see is suggested, both on create and on the duplicates endpoint
    assert r.status_code == 201
    assert [d["id"] for d in r.json()["duplicates"]] == [visible.pk]
    new_id = r.json()["case"]["id"]
    assert [d["id"] for d in api.get(f"/cases/{new_id}/duplicates").json()] == [visible.pk]


# --- Authentication ---------------------------------------------------------------------------------

UNAUTHENTICATED = {"code": "unauthenticated", "message": "请先登录或提供有效的令牌"}


def _body() -> dict:
    return {
        "channel": "grid_patrol",
        "category": "street_vending",
        "title": "占道经营",
        "lon": 122.025,
        "lat": 29.725,
    }


@pytest.mark.parametrize("how", ["missing", "garbage", "revoked", "inactive user", "basic"])
def test_requests_without_a_valid_token_are_401(township: Township, how: str) -> None:
    # Given a real client (CSRF enforced) and a missing, invalid or revoked credential
    user = township.users["dispatcher"]
    token, raw = ApiToken.issue(user, "phone")
    headers = {
        "missing": {},
        "garbage": {"Authorization": "Bearer zz_not-a-token"},
        "revoked": {"Authorization": f"Bearer {raw}"},
        "inactive user": {"Authorization": f"Bearer {raw}"},
        "basic": {"Authorization": "Basic ZGlzcGF0Y2hlcjpwdw=="},
    }[how]
    if how == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    if how == "inactive user":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    client = Client(enforce_csrf_checks=True)
    before = written()
    # When it reads and writes
    get = client.get("/api/v1/cases", headers=headers)
    post = client.post("/api/v1/cases", json.dumps(_body()), content_type="application/json", headers=headers)
    me = client.get("/api/v1/me", headers=headers)
    # Then every answer is 401 unauthenticated and nothing is written
    assert [(r.status_code, r.json()) for r in (get, post, me)] == [(401, UNAUTHENTICATED)] * 3
    assert written() == before


def test_a_valid_token_authenticates_and_records_its_use(township: Township) -> None:
    token, raw = ApiToken.issue(township.users["cadre_a"], "phone")
    assert token.last_used_at is None
    r = Client(enforce_csrf_checks=True).get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert (r.status_code, r.json()) == (
        200,
        {
            "username": "cadre_a",
            "display_name": "cadre_a",
            "role": "village_cadre",
            "regions": ["330903107201"],
            "departments": [],
        },
    )
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert (token.key_hash != raw, raw.startswith("zz_"), token.hint) == (True, True, raw[-4:])


@pytest.mark.parametrize(("minutes_ago", "touched"), [(4, False), (6, True)])
def test_a_token_records_its_use_at_most_every_five_minutes(
    township: Township, minutes_ago: int, touched: bool
) -> None:
    # Given a token last used a few minutes ago
    token, raw = ApiToken.issue(township.users["dispatcher"], "phone")
    earlier = (timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    # When it is used again
    start = timezone.now()
    r = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    # Then its use is written again only when the last write is over five minutes old
    token.refresh_from_db()
    assert (r.status_code, r.json()["username"]) == (200, "dispatcher")
    assert (token.last_used_at >= start) is touched
    assert (token.last_used_at == earlier) is not touched


def test_token_needs_no_csrf_for_writes(township: Township) -> None:
    r = Api(township.users["grid_a1"]).post("/cases", _body())
    assert r.status_code == 201


def test_session_auth_reads_without_csrf_but_writes_only_with_it(township: Township) -> None:
    # Given a logged-in browser session (CSRF enforced as in production)
    client = Client(enforce_csrf_checks=True)
    client.force_login(township.users["grid_a1"])
    # Then reads work
    assert client.get("/api/v1/me").json()["username"] == "grid_a1"
    # When it posts without the CSRF token, then 403 and nothing is written
    before = written()
    r = client.post("/api/v1/cases", json.dumps(_body()), content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "csrf_failed")
    assert written() == before
    # When it posts with the CSRF cookie and header, then the case is created
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    r = client.post(
        "/api/v1/cases", json.dumps(_body()), content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert r.status_code == 201
    assert Case.objects.get(pk=r.json()["case"]["id"]).created_by == township.users["grid_a1"]


def test_logged_out_session_is_401(township: Township) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(township.users["grid_a1"])
    client.logout()
    r = client.get("/api/v1/cases")
    assert (r.status_code, r.json()) == (401, UNAUTHENTICATED)


# --- Regions as reference data -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("grid_a1", ["33090310720101", "3309031072010101", "3309031072010102"]),
        (
            "cadre_b",
            [
                "330903107202",
                "33090310720201",
                "3309031072020101",
                "3309031072020102",
                "33090310720202",
                "3309031072020201",
                "3309031072020202",
            ],
        ),
    ],
)
def test_regions_visible_to_region_bound_users(township: Township, user: str, expected: list[str]) -> None:
    assert [r["code"] for r in Api(township.users[user]).get("/regions").json()] == expected


@pytest.mark.parametrize("user", ["dispatcher", "handler_enf", "operator", "leader", "admin"])
def test_town_wide_roles_see_the_whole_tree(township: Township, user: str) -> None:
    assert len(Api(township.users[user]).get("/regions").json()) == 15


def test_region_outside_scope_is_404(township: Township) -> None:
    r = Api(township.users["grid_a1"]).get("/regions/330903107202")
    assert (r.status_code, r.json()["code"]) == (404, "region_not_found")


# --- The token check reads the user's memberships ---------------------------------------------------


def test_the_token_check_reads_the_memberships_scope_would_read(township: Township) -> None:
    # Given a user of two villages and two departments, one of departments only, and one of nothing
    mixed = township.users["cadre_a"]
    mixed.regions.add(township.villages[VILLAGE_B])
    mixed.departments.set(Department.objects.filter(code__in=["enforcement", "emergency"]))
    for username in ("cadre_a", "handler_enf", "admin"):
        _, raw = ApiToken.issue(township.users[username], "phone")
        # When the token is checked
        found = ApiToken.lookup(raw, used_since=timezone.now())
        assert found is not None
        # Then it carries what scope reads in a query of its own
        fresh = User.objects.get(pk=found.pk)
        paths, departments = found.memberships  # type: ignore[attr-defined]
        assert (sorted(paths), set(departments)) == (
            scope.region_paths(fresh),
            set(scope.department_ids(fresh)),
        )
    assert scope.region_paths(User.objects.get(username="cadre_a")) == sorted(
        [township.villages[VILLAGE_A].path, township.villages[VILLAGE_B].path]
    )
    assert len(scope.department_ids(User.objects.get(username="cadre_a"))) == 2


def test_an_api_request_reads_the_memberships_with_its_token(township: Township) -> None:
    _, raw = ApiToken.issue(township.users["cadre_a"], "phone")
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200
    reading_regions = [q["sql"] for q in captured.captured_queries if "accounts_user_regions" in q["sql"]]
    # one query reads the user's regions: the token check
    assert len(reading_regions) == 1
    assert "key_hash" in reading_regions[0]
