"""安全生产 in the workbench, on the small world of tests/safety/conftest.py: every page renders for
every role with exact counts, scope (another area's organisation, inspection, region or campaign is
a 404), masked personal data in lists and a logged reveal, suspended organisations flagged, every
figure equal to the count of the list it links to, and the .xlsx downloads."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.safety.helpers import World
from tests.township import VILLAGE_A, VILLAGE_B
from tests.web.conftest import ROLES, login
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.safety import figures, queries, services
from zhizhi.safety.figures import FIGURES, FigureFilter
from zhizhi.safety.models import Inspection, Organisation
from zhizhi.safety.workflow import RECTIFIED

pytestmark = pytest.mark.django_db

YEAR = "from=2024-01-01&to=2024-12-31"
VISIBLE = {  # as tests/safety/test_scope.py
    "grid_a1": {"A"},
    "grid_b1": {"C", "D", "E"},
    "cadre_a": {"A", "B"},
    "cadre_b": {"C", "D", "E"},
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def html(c: Client, url: str, status: int = 200) -> str:
    r = c.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode()


def count_of(page: str) -> int:
    shown = re.search(r'data-testid="result-count">(\d+)<', page)
    assert shown is not None
    return int(shown.group(1))


def rows(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-row-id="(\d+)"', page)]


def workbook(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    wb = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def pk_of(world: World, *names: str) -> list[int]:
    return sorted(world.orgs[n].pk for n in names)


# --- Every page, every role ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_every_safety_page_renders_for_every_role(world: World, username: str) -> None:
    c = login(username)
    pages = [
        "/safety/",
        f"/safety/?{YEAR}",
        "/safety/organisations/",
        "/safety/inspections/",
        f"/safety/never-inspected/?{YEAR}",
        *[f"/safety/figures/{code}/?{YEAR}" for code in FIGURES],
        f"/safety/figures/rectification_rate/?{YEAR}&part=denominator",
    ]
    for url in pages:
        html(c, url)
    user = world.t.users[username]
    for org in queries.visible_organisations(user):
        html(c, f"/safety/organisations/{org.pk}/")
    for insp in queries.visible_inspections(user):
        html(c, f"/safety/inspections/{insp.pk}/")
    for hazard in queries.visible_hazards(user):
        assert "隐患信息" in html(c, f"/cases/{hazard.pk}/")


def test_the_nav_leads_to_the_safety_section(world: World) -> None:
    desk = html(login("leader"), "/")
    assert 'href="/safety/"' in desk
    figures_page = html(login("leader"), "/safety/")
    assert 'href="/cases/?type=hazard"' in figures_page
    assert '<a href="/safety/" aria-current="page">' in figures_page


def test_safety_pages_require_login(world: World) -> None:
    anonymous = Client()
    for url in ("/safety/", "/safety/organisations/", f"/safety/organisations/{world.orgs['A'].pk}/",
                "/safety/inspections/", "/safety/never-inspected/", "/safety/ledger.xlsx"):  # fmt: skip
        r = anonymous.get(url)
        assert r.status_code == 302, url
        assert r["Location"].startswith("/login/?next=")


# --- Organisations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "ABCDE"),
        ("kind=individual_business", "C"),
        ("kind=enterprise", "ABDE"),
        (f"region={VILLAGE_A}", "AB"),
        (f"region={VILLAGE_B}", "CDE"),
        ("committee=fire", "CE"),
        ("status=suspended", "E"),
        ("status=open", "ABCD"),
        ("risk=major", "B"),
        ("listed=0", "D"),
        ("listed=1&committee=industry_trade", "AB"),
        ("q=测试企业4", "D"),
    ],
)
def test_the_organisation_list_filters(world: World, query: str, expected: str) -> None:
    Organisation.objects.filter(pk=world.orgs["B"].pk).update(risk_level="major")
    page = html(login("dispatcher"), f"/safety/organisations/?{query}")
    assert count_of(page) == len(expected)
    assert sorted(rows(page)) == pk_of(world, *expected)


def test_bad_organisation_filters_say_what_is_wrong(world: World) -> None:
    c = login("dispatcher")
    assert "未知的单位类型" in html(c, "/safety/organisations/?kind=factory", 422)
    assert "未知的风险等级" in html(c, "/safety/organisations/?risk=purple", 422)
    assert "专委会不存在" in html(c, "/safety/organisations/?committee=nope", 422)


@pytest.mark.parametrize("username", list(VISIBLE))
def test_a_scoped_user_lists_only_their_organisations_and_others_are_404(world: World, username: str) -> None:
    c = login(username)
    page = html(c, "/safety/organisations/")
    assert sorted(rows(page)) == pk_of(world, *VISIBLE[username])
    assert count_of(page) == len(VISIBLE[username])
    for name, org in world.orgs.items():
        status = 200 if name in VISIBLE[username] else 404
        html(c, f"/safety/organisations/{org.pk}/", status)
        assert c.post(f"/safety/organisations/{org.pk}/reveal/").status_code in (
            (200,) if status == 200 else (404,)
        )
        assert c.get(f"/safety/inspections/?organisation={org.pk}").status_code == status
    for insp in Inspection.objects.all():
        visible = (insp.organisation is None and username in ("grid_b1", "cadre_b")) or (
            insp.organisation is not None and insp.organisation.pk in pk_of(world, *VISIBLE[username])
        )
        html(c, f"/safety/inspections/{insp.pk}/", 200 if visible else 404)


def test_personal_data_is_masked_in_the_list_even_for_roles_that_may_reveal_it(world: World) -> None:
    for username in ("dispatcher", "handler_emg", "leader"):
        page = html(login(username), "/safety/organisations/")
        assert page.count("王*国") == 5
        assert page.count("139****1234") == 5
        assert "王建国" not in page
        assert "13905801234" not in page
    assert not PersonalDataAccess.objects.exists()


def test_the_register_export_is_the_filtered_list_masked(world: World) -> None:
    table = workbook(login("cadre_b").get("/safety/organisations/export.xlsx?committee=fire"))
    assert table[0][:2] == ["统一社会信用代码", "名称"]
    assert sorted(r[1] for r in table[1:]) == ["测试企业3", "测试企业5"]
    assert {(r[4], r[5]) for r in table[1:]} == {("王*国", "139****1234")}
    assert [r[12] for r in table[1:] if r[1] == "测试企业5"] == ["停产停业"]
    # a grid worker's export holds their organisation only
    assert [r[1] for r in workbook(login("grid_a1").get("/safety/organisations/export.xlsx"))[1:]] == [
        "测试企业1"
    ]


def test_the_detail_shows_personal_data_only_after_a_logged_reveal(world: World) -> None:
    a = world.orgs["A"]
    c = login("cadre_a")
    page = html(c, f"/safety/organisations/{a.pk}/")
    assert 'data-testid="legal-rep">王*国<' in page
    assert 'data-testid="reveal"' in page
    r = c.post(f"/safety/organisations/{a.pk}/reveal/", {"reason": "联系整改"})
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store"
    shown = r.content.decode()
    assert 'data-testid="legal-rep">王建国<' in shown
    assert "13905801234" in shown
    log = PersonalDataAccess.objects.get()
    assert (log.user.username, log.object_type, log.object_id, log.reason) == (
        "cadre_a",
        "safety.organisation",
        str(a.pk),
        "联系整改",
    )


def test_a_role_without_personal_data_sees_no_reveal_and_is_refused(world: World) -> None:
    a = world.orgs["A"]
    c = login("leader")
    assert 'data-testid="reveal"' not in html(c, f"/safety/organisations/{a.pk}/")
    assert c.post(f"/safety/organisations/{a.pk}/reveal/").status_code == 403
    assert "13905801234" not in html(c, f"/safety/organisations/{a.pk}/")
    assert not PersonalDataAccess.objects.exists()


def test_the_organisation_page_lists_its_inspections_hazards_and_enforcement(world: World) -> None:
    c = login("dispatcher")
    d = html(c, f"/safety/organisations/{world.orgs['D'].pk}/")
    assert re.search(r'data-testid="inspection-count">1<', d)
    assert re.search(r'data-testid="hazard-count">1<', d)
    assert re.search(r'data-testid="enforcement-count">3<', d)
    assert f'href="/cases/{world.hazards["h3"].pk}/"' in d
    assert d.count("data-enforcement=") == 3
    assert 'data-testid="org-status">正常经营<' in d  # the suspension was lifted
    a = html(c, f"/safety/organisations/{world.orgs['A'].pk}/")
    assert re.search(r'data-testid="inspection-count">2<', a)
    assert re.search(r'data-testid="hazard-count">2<', a)
    assert re.search(r'data-testid="enforcement-count">0<', a)
    # a handler of another department sees the organisation but not its hazards (cases follow case scope)
    enf = html(login("handler_enf"), f"/safety/organisations/{world.orgs['A'].pk}/")
    assert re.search(r'data-testid="hazard-count">0<', enf)


def test_a_suspended_organisation_is_flagged_wherever_it_appears(world: World) -> None:
    c = login("dispatcher")
    e = world.orgs["E"]
    listing = html(c, "/safety/organisations/")
    assert listing.count('data-testid="suspended"') == 1
    row = re.search(rf'data-row-id="{e.pk}".*?</tr>', listing, re.S)
    assert row is not None
    assert 'data-testid="suspended"' in row.group(0)
    assert 'data-testid="org-status">停产停业<' in html(c, f"/safety/organisations/{e.pk}/")
    inspections = html(c, "/safety/inspections/")
    assert inspections.count('data-testid="suspended"') == 1
    assert html(c, f"/safety/never-inspected/?{YEAR}").count('data-testid="suspended"') == 1
    assert html(c, f"/safety/figures/register_listed/?{YEAR}").count('data-testid="suspended"') == 1
    assert html(c, f"/safety/inspections/{e.inspections.get().pk}/").count('data-testid="suspended"') == 1


# --- Inspections -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 6),
        ("kind=check", 5),
        ("kind=patrol", 1),
        (f"region={VILLAGE_A}", 2),
        (YEAR, 5),
        ("from=2024-10-01", 2),
        ("q=测试企业1", 2),
    ],
)
def test_the_inspection_list_filters(world: World, query: str, expected: int) -> None:
    page = html(login("dispatcher"), f"/safety/inspections/?{query}")
    assert count_of(page) == expected
    assert len(rows(page)) == expected


def test_the_inspection_list_of_a_campaign_and_an_organisation(world: World) -> None:
    c = login("dispatcher")
    sweep = html(c, f"/safety/inspections/?campaign={world.sweep.pk}")
    assert count_of(sweep) == 2
    a = world.orgs["A"]
    page = html(c, f"/safety/inspections/?organisation={a.pk}")
    assert sorted(rows(page)) == sorted(a.inspections.values_list("pk", flat=True))
    assert "测试企业1 ×" in page


def test_an_inspection_page_shows_its_checklist_hazards_and_photos(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    insp = world.hazards["h1"].hazard.inspection
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    photo = services.attach_photos(
        actor=world.t.users["dispatcher"], inspection=insp, files=[SimpleUploadedFile("现场.png", png)]
    )[0]
    c = login("grid_a1")
    page = html(c, f"/safety/inspections/{insp.pk}/")
    assert re.search(r'data-testid="hazard-count">2<', page)
    assert "消防通道畅通" in page
    assert "1 项不合格" in page
    r = c.get(f"/safety/inspections/{insp.pk}/photos/{photo.pk}/")
    assert r.status_code == 200
    assert (r["Content-Type"], r["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert "sandbox" in r["Content-Security-Policy"]
    assert b"".join(r.streaming_content) == png
    assert login("grid_b1").get(f"/safety/inspections/{insp.pk}/photos/{photo.pk}/").status_code == 404


# --- Figures ---------------------------------------------------------------------------------------

LINK = re.compile(
    r'<a href="(/safety/figures/[^"]+)" data-figure="([a-z_]+):(numerator|denominator)"[^>]*>(\d+)</a>'
)


def figure_links(page: str) -> list[tuple[str, str, str, int]]:
    return [(url.replace("&amp;", "&"), code, part, int(n)) for url, code, part, n in LINK.findall(page)]


@pytest.mark.parametrize("username", ["dispatcher", "grid_a1", "cadre_b", "handler_emg", "leader"])
def test_every_figure_links_to_a_list_of_the_same_count(world: World, username: str) -> None:
    c = login(username)
    page = html(c, f"/safety/?{YEAR}")
    links = figure_links(page)
    rates = [code for code, fig in FIGURES.items() if fig.is_rate]
    assert len(links) == len(FIGURES) + len(rates)
    user = world.t.users[username]
    f = FigureFilter.build(year=2024)
    for url, code, part, n in links:
        listed = html(c, url)
        if FIGURES[code].total_field is not None:  # a sum: the number is the sum over the listed records
            value = figures.evaluate(code, f, user)
            assert n == value.value
            assert count_of(listed) == figures.drill(code, f, user).count() == value.numerator
            assert f"合计：{n} 人" in listed  # the drill-down states the sum, not only the rows
            continue
        assert count_of(listed) == n, (code, part)
        expected = (
            figures.drill(code, f, user) if part == "numerator" else figures.drill_denominator(code, f, user)
        )
        assert sorted(rows(listed)) == sorted(expected.values_list("pk", flat=True)), code


def test_the_town_figures_are_the_worlds(world: World) -> None:
    page = html(login("dispatcher"), f"/safety/?{YEAR}")
    shown = {(code, part): n for _, code, part, n in figure_links(page)}
    assert shown == {
        ("register_listed", "numerator"): 4,
        ("register_coverage", "numerator"): 2,
        ("register_coverage", "denominator"): 4,
        ("inspections", "numerator"): 4,
        ("patrols", "numerator"): 1,
        ("organisations_inspected", "numerator"): 3,
        ("never_inspected", "numerator"): 2,
        ("hazards_found", "numerator"): 4,
        ("hazards_rectified", "numerator"): 2,
        ("rectification_rate", "numerator"): 2,
        ("rectification_rate", "denominator"): 4,
        ("hazards_overdue", "numerator"): 1,
        ("major_hazards", "numerator"): 1,
        ("listed_hazards", "numerator"): 1,
        ("suspensions", "numerator"): 1,
        ("cases_filed", "numerator"): 1,
        ("police_referrals", "numerator"): 1,
        ("persons_detained", "numerator"): 2,
    }
    assert 'data-testid="figure-register_coverage">50.0%<' in page
    assert 'data-testid="figure-rectification_rate">50.0%<' in page


def test_a_grid_workers_figures_are_their_grids(world: World) -> None:
    shown = {(code, part): n for _, code, part, n in figure_links(html(login("grid_a1"), f"/safety/?{YEAR}"))}
    assert (shown[("register_listed", "numerator")], shown[("inspections", "numerator")]) == (1, 2)
    assert (shown[("hazards_found", "numerator")], shown[("hazards_overdue", "numerator")]) == (2, 1)
    assert (shown[("suspensions", "numerator")], shown[("never_inspected", "numerator")]) == (0, 0)


@pytest.mark.parametrize("username", ["grid_a1", "cadre_b", "handler_emg"])
def test_figures_apply_the_scope_to_their_rows_not_as_a_subquery(world: World, username: str) -> None:
    # A scoped user's figure limits its own rows: `pk IN (SELECT … visible rows)` cost SQLite 20 ms
    # a count on the demo township
    user, f = world.t.users[username], FigureFilter.build(year=2024)
    for code, fig in FIGURES.items():
        drills = [figures.drill(code, f, user)]
        if fig.is_rate:
            drills.append(figures.drill_denominator(code, f, user))
        for qs in drills:
            assert 'AS "pk" FROM' not in str(qs.query), code


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            f"region={VILLAGE_B}",
            {"register_listed": 2, "inspections": 2, "hazards_found": 2, "suspensions": 1},
        ),
        ("committee=fire", {"register_listed": 2, "inspections": 1, "patrols": 0, "hazards_found": 1}),
        ("kind=individual_business", {"register_listed": 1, "inspections": 1, "hazards_found": 1}),
    ],
)
def test_figures_by_region_committee_and_kind(world: World, query: str, expected: dict[str, int]) -> None:
    shown = {code: n for _, code, part, n in figure_links(html(login("dispatcher"), f"/safety/?{YEAR}&{query}"))
             if part == "numerator"}  # fmt: skip
    assert {k: shown[k] for k in expected} == expected


def test_figures_of_a_campaign(world: World) -> None:
    page = html(login("dispatcher"), f"/safety/?{YEAR}&campaign={world.sweep.pk}")
    shown = {code: n for _, code, part, n in figure_links(page) if part == "numerator"}
    assert (shown["inspections"], shown["patrols"], shown["hazards_found"], shown["cases_filed"]) == (
        1,
        1,
        1,
        1,
    )
    assert 'data-figure="inspections:numerator"' in page


def test_the_default_period_is_the_year_of_the_newest_inspection(world: World) -> None:
    page = html(login("dispatcher"), "/safety/")
    assert 'value="2024-01-01"' in page
    assert 'value="2024-12-31"' in page


def test_out_of_scope_regions_and_campaigns_are_404_and_bad_values_422(world: World) -> None:
    c = login("grid_a1")
    html(c, f"/safety/?region={VILLAGE_B}", 404)
    html(c, f"/safety/figures/inspections/?region={VILLAGE_B}", 404)
    html(c, f"/safety/never-inspected/?region={VILLAGE_B}", 404)
    assert c.get(f"/safety/ledger.xlsx?region={VILLAGE_B}").status_code == 404
    html(c, f"/safety/?campaign={world.sweep.pk}")  # a town-wide campaign reaches into the grid
    html(c, "/safety/?campaign=999999", 404)
    html(login("dispatcher"), "/safety/figures/no_such_figure/", 422)
    html(login("dispatcher"), "/safety/?from=2024-13-01", 422)
    html(login("dispatcher"), "/safety/?committee=nope", 422)


# --- Never inspected, ledger -----------------------------------------------------------------------


def test_the_never_inspected_list_and_its_download(world: World) -> None:
    c = login("dispatcher")
    page = html(c, f"/safety/never-inspected/?{YEAR}")
    assert count_of(page) == 2
    assert sorted(rows(page)) == pk_of(world, "B", "E")
    assert "从未检查" in page
    assert "2023-12-31" in page  # E's last check
    table = workbook(c.get(f"/safety/never-inspected.xlsx?{YEAR}"))
    assert [(r[1], r[-1]) for r in table[1:]] == [("测试企业2", "从未检查"), ("测试企业5", "2023-12-31")]
    assert count_of(html(login("cadre_a"), f"/safety/never-inspected/?{YEAR}")) == 1


def test_the_hazard_ledger_is_the_hazards_found(world: World) -> None:
    table = workbook(login("dispatcher").get(f"/safety/ledger.xlsx?{YEAR}"))
    assert table[0][:3] == ["编号", "发现时间", "单位名称"]
    assert sorted(r[0] for r in table[1:]) == sorted(h.pk for h in world.hazards.values())
    states = {r[0]: r[18] for r in table[1:]}
    assert states[world.hazards["h2"].pk] == "整改中"
    assert states[world.hazards["h4"].pk] == "已销号"
    mine = workbook(login("grid_a1").get(f"/safety/ledger.xlsx?{YEAR}"))
    assert sorted(r[0] for r in mine[1:]) == sorted([world.hazards["h1"].pk, world.hazards["h2"].pk])


# --- Hazards on the case pages ---------------------------------------------------------------------


def test_hazards_are_listed_and_shown_on_the_case_pages_with_their_labels(world: World) -> None:
    c = login("dispatcher")
    page = html(c, "/cases/?type=hazard&per_page=100")
    assert count_of(page) == 4
    for label in ("复查合格", "整改中", "已销号"):
        assert label in page
    assert '<option value="rectifying"' in page  # the status menu offers the hazard's states
    rectifying = html(c, "/cases/?type=hazard&status=rectifying")
    assert count_of(rectifying) == 2
    open_hazards = html(c, "/cases/?type=hazard&open=1")
    assert count_of(open_hazards) == 2  # h2 and h3; h1 (复查合格) and h4 (已销号) are done
    detail = html(c, f"/cases/{world.hazards['h3'].pk}/")
    assert 'data-testid="case-status">整改中<' in detail
    assert 'data-testid="hazard-grade">重大隐患' in detail
    assert "挂牌督办" in detail
    assert f'href="/safety/organisations/{world.orgs["D"].pk}/"' in detail


def test_a_hazard_is_rectified_through_the_web_form(world: World) -> None:
    h2 = world.hazards["h2"]
    c = login("handler_emg")
    page = html(c, f"/cases/{h2.pk}/")
    assert f'action="/cases/{h2.pk}/act/submit_rectification/"' in page
    r = c.post(
        f"/cases/{h2.pk}/act/submit_rectification/",
        {
            "submit_rectification-evidence": "已清理通道",
            "submit_rectification-attachments": "a.jpg\n\nb.jpg\n",
        },
    )
    assert r.status_code == 302
    h2.refresh_from_db()
    assert h2.status == RECTIFIED
    assert h2.hazard.evidence_files == ["a.jpg", "b.jpg"]
    event = CaseEvent.objects.filter(case=h2).latest("id")
    assert (event.action, event.data["attachments"]) == ("submit_rectification", ["a.jpg", "b.jpg"])


def test_a_wrong_state_hazard_action_on_the_web_is_a_409_that_writes_nothing(world: World) -> None:
    h4 = world.hazards["h4"]  # closed
    before = CaseEvent.objects.filter(case=h4).count()
    r = login("handler_emg").post(f"/cases/{h4.pk}/act/notify/", {"notify-deadline": "2024-12-31"})
    assert r.status_code == 409
    assert "已销号" in r.content.decode()
    assert CaseEvent.objects.filter(case=h4).count() == before
    assert Case.objects.get(pk=h4.pk).status == "closed"


def test_the_english_safety_pages(world: World) -> None:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert c.login(username="dispatcher", password="pw-for-tests-1")
    page = html(c, f"/safety/?{YEAR}")
    for text in ("Workplace safety", "Hazards found", "Business entity", "Download the hazard ledger"):
        assert text in page, text
    assert "发现隐患" not in page
    assert "Rectifying" in html(c, "/cases/?type=hazard")


def test_a_hazard_waiting_for_its_notice_is_not_in_the_dispatchers_queue(world: World) -> None:
    from tests.safety.helpers import drive_hazard
    from zhizhi.safety.workflow import RECEIVED

    waiting = drive_hazard(world.t, RECEIVED).case
    r = login("dispatcher").get("/")
    queues = {q.key: q for q in r.context["queues"]}
    assert queues["to-dispatch"].count == 0
    assert waiting.pk not in [
        row.case.pk for q in queues.values() for row in q.rows if q.key == "to-dispatch"
    ]
    assert queues["to-dispatch"].params["type"] == "event"
    # but it is open, and its inspector sees it with the first action to take
    handler = {q.key: q for q in login("handler_emg").get("/").context["queues"]}
    mine = [row for row in handler["mine"].rows if row.case.pk == waiting.pk]
    assert [row.action.name for row in mine] == ["notify"]


@pytest.mark.parametrize("username", ["dispatcher", "grid_a1", "leader"])
def test_the_dashboard_shows_the_safety_figures_each_equal_to_its_list(world: World, username: str) -> None:
    c = login(username)
    page = html(c, f"/metrics/?{YEAR}")
    links = [link for link in figure_links(page) if link[0].startswith("/safety/")]
    # register_coverage, inspections, hazards_found, rectification_rate, hazards_overdue,
    # major_hazards, suspensions: two links for each rate
    assert sorted({code for _, code, _, _ in links}) == sorted(
        [
            "register_coverage",
            "inspections",
            "hazards_found",
            "rectification_rate",
            "hazards_overdue",
            "major_hazards",
            "suspensions",
        ]
    )
    assert len(links) == 7 + 2
    for url, code, part, n in links:
        assert count_of(html(c, url)) == n, (username, code, part)


def test_the_dashboards_safety_figures_are_the_towns(world: World) -> None:
    page = html(login("dispatcher"), f"/metrics/?{YEAR}")
    shown = {(code, part): n for url, code, part, n in figure_links(page) if url.startswith("/safety/")}
    assert shown == {
        ("register_coverage", "numerator"): 2,
        ("register_coverage", "denominator"): 4,
        ("inspections", "numerator"): 4,
        ("hazards_found", "numerator"): 4,
        ("rectification_rate", "numerator"): 2,
        ("rectification_rate", "denominator"): 4,
        ("hazards_overdue", "numerator"): 1,
        ("major_hazards", "numerator"): 1,
        ("suspensions", "numerator"): 1,
    }
    assert 'data-testid="safety-rectification_rate">50.0%<' in page
