"""The workbench in a real browser, on the demo township: every role logs in from the demo login
page; an event goes from a grid worker's phone to the archive; the dashboard agrees with the
database and with the lists it links to."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import login
from zhizhi.accounts.models import User
from zhizhi.cases.models import Case, Satisfaction
from zhizhi.demo.logins import DEMO_LOGINS
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_every_role_logs_in_from_the_demo_login_page(demo, new_page):
    page = new_page()
    for username, _role in DEMO_LOGINS:
        page.goto("/login/")
        assert page.get_by_role("heading", name="演示账号").is_visible()
        page.click(f"[data-demo-login='{username}']")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator("h1").inner_text() == "工作台"
        user = User.objects.get(username=username)
        assert page.locator(".app-user-name").inner_text() == str(user)
        with page.expect_navigation():
            page.click("text=退出")
        assert page.url.endswith("/login/")


def act(page, case_id: int, action: str, fill=None) -> None:
    """Open the case, open the action's form, fill it, confirm; land back on the case."""
    page.goto(f"/cases/{case_id}/")
    details = page.locator(f"#act-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    if fill:
        fill(details)
    with page.expect_navigation():
        details.locator(f"[data-testid=submit-{action}]").click()
    assert f"/cases/{case_id}/" in page.url
    assert page.locator("[data-testid=action-error]").count() == 0


def drill_down(page, link) -> tuple[int, int]:
    """(the number a dashboard link shows, the count of the list it opens)."""
    number = int(link.inner_text())
    href = link.get_attribute("href")
    page.goto(href)
    return number, int(page.locator("[data-testid=result-count]").inner_text())


def test_an_event_from_the_phone_to_the_archive_and_the_dashboard(demo, new_page):
    grid_user = User.objects.get(username="grid")
    grid = grid_user.regions.get()
    lon, lat = grid.center_lon, grid.center_lat
    assert lon is not None
    assert lat is not None

    # 1. The grid worker reports on the phone: category, title, GPS, a photo.
    phone = new_page(phone=True, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    login(phone, "grid")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    phone.goto("/cases/new/field/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.select_option("#id_category", "street_vending")
    phone.fill("#id_title", "菜场路口流动摊贩占道经营，影响行人通行")
    phone.fill("#id_description", "早上七点起，约五个摊位")
    phone.set_input_files("#id_photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    phone.click("[data-locate]")
    # A web-first assertion, polled by Playwright itself: `wait_for_function` with a string evaluates
    # it in the page, which the page's CSP (script-src 'self') refuses once it has to poll.
    expect(phone.locator("input[name=lon]")).not_to_have_value("", timeout=15_000)
    assert "已定位" in phone.locator("[data-loc-status]").inner_text()
    phone.click("[data-testid=submit-case]")
    phone.wait_for_url(re.compile(r".*/cases/\d+/$"))
    case_id = int(re.search(r"/cases/(\d+)/", phone.url).group(1))
    assert phone.locator("[data-testid=case-status]").inner_text() == "已受理"
    assert phone.locator("#photos img").count() == 1
    case = Case.objects.get(pk=case_id)
    assert (case.channel, case.created_by, case.region.path.startswith(grid.path)) == (
        "grid_patrol",
        grid_user,
        True,
    )

    # 2. The dispatcher dispatches it to the handler's department.
    dept = User.objects.get(username="handler").departments.get()
    dispatcher = new_page()
    login(dispatcher, "dispatcher")
    dispatcher.goto("/")
    assert dispatcher.locator(f"a[href='/cases/{case_id}/']").count() >= 1  # on the desk: 待派单
    act(
        dispatcher,
        case_id,
        "dispatch",
        lambda f: f.locator("select[name='dispatch-department']").select_option(dept.code),
    )
    assert dispatcher.locator("[data-testid=case-status]").inner_text() == "已派单"

    # 3. The handler accepts (one click on the desk), starts and resolves it.
    handler = new_page()
    login(handler, "handler")
    row = handler.locator(".case-row", has=handler.locator(f"a[href='/cases/{case_id}/']")).first
    with handler.expect_navigation():
        row.locator("button", has_text="签收").click()
    assert Case.objects.get(pk=case_id).status == "accepted"
    act(handler, case_id, "start")
    act(
        handler,
        case_id,
        "resolve",
        lambda f: f.locator("textarea[name='resolve-resolution']").fill("已劝离摊贩，恢复通行"),
    )
    assert handler.locator("[data-testid=case-status]").inner_text() == "已办结"
    assert "按时办结" in handler.locator("[data-testid=sla-state]").inner_text()

    # 4. The operator records the return visit.
    operator = new_page()
    login(operator, "operator")

    def visit(form):
        form.locator("input[name='return_visit-reached'][value='true']").check()
        form.locator("input[name='return_visit-satisfaction'][value='satisfied']").check()

    act(operator, case_id, "return_visit", visit)
    assert operator.locator("[data-testid=satisfaction]").inner_text() == "满意"

    # 5. The dispatcher closes it.
    act(dispatcher, case_id, "close")
    assert dispatcher.locator("[data-testid=case-status]").inner_text() == "已归档"
    case.refresh_from_db()
    assert (case.status, case.resolved_on_time, case.satisfaction) == ("closed", True, "satisfied")
    assert list(case.events.values_list("action", flat=True)) == [
        "create", "attach", "dispatch", "accept", "start", "resolve", "return_visit", "close",
    ]  # fmt: skip

    # 6. The leader's dashboard: this year's figures and the demo year's agree with the database,
    #    and each figure's list counts exactly the figure.
    leader = new_page()
    login(leader, "leader")
    today = timezone.localdate()
    for start, end in ((date(today.year, 1, 1), today), (date(2023, 1, 1), date(2023, 12, 31))):
        leader.goto(f"/metrics/?from={start}&to={end}")
        cohort = Case.objects.filter(
            received_at__gte=timezone.make_aware(
                timezone.datetime.combine(start, timezone.datetime.min.time())
            ),
            received_at__lt=timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.max.time())),
        )
        resolved = cohort.filter(resolved_at__isnull=False)
        reached = cohort.filter(visit_reached=True)
        satisfied = reached.filter(
            Q(satisfaction=Satisfaction.SATISFIED) | Q(satisfaction=Satisfaction.BASICALLY_SATISFIED)
        )
        expected = {
            "on_time_rate:numerator": resolved.filter(resolved_on_time=True).count(),
            "on_time_rate:denominator": resolved.count(),
            "satisfaction_rate:numerator": satisfied.count(),
            "satisfaction_rate:denominator": reached.count(),
        }
        if start.year == today.year:
            assert expected == dict.fromkeys(expected, 1) | {}  # our one case: on time, satisfied
        on_time = expected["on_time_rate:numerator"] / expected["on_time_rate:denominator"]
        assert leader.locator("[data-testid=kpi-on_time_rate]").inner_text() == f"{on_time * 100:.1f}%"
        hrefs = {key: leader.locator(f"a[data-kpi='{key}']").get_attribute("href") for key in expected}
        shown = {key: int(leader.locator(f"a[data-kpi='{key}']").inner_text()) for key in expected}
        assert shown == expected
        for key, href in hrefs.items():
            leader.goto(href)
            assert int(leader.locator("[data-testid=result-count]").inner_text()) == expected[key], key
    # charts drew (ECharts present after `make assets`)
    leader.goto("/metrics/?from=2023-01-01&to=2023-12-31")
    if leader.evaluate("!!window.echarts"):
        leader.wait_for_selector("[data-chart=over_time] canvas")


def test_a_grid_worker_sees_only_their_grid_and_another_grids_case_is_404(demo, new_page):
    grid_user = User.objects.get(username="grid")
    grid = grid_user.regions.get()
    other = Case.objects.exclude(region_path__startswith=grid.path).exclude(created_by=grid_user).first()
    page = new_page(phone=True)
    login(page, "grid")
    response = page.goto(f"/cases/{other.pk}/")
    assert response.status == 404
    page.goto("/cases/?per_page=100")
    mine = Case.objects.filter(region_path__startswith=grid.path).count()
    assert int(page.locator("[data-testid=result-count]").inner_text()) == mine
    regions = page.request.get("/map/regions.json").json()["features"]
    assert {f["properties"]["code"] for f in regions} == set(
        Region.objects.filter(path__startswith=grid.path).values_list("code", flat=True)
    )


def test_long_chinese_text_fits_a_phone_and_the_keyboard_is_enough(demo, new_page):
    grid = User.objects.get(username="grid").regions.get()
    case = Case.objects.filter(region_path__startswith=grid.path).order_by("-id").first()
    Case.objects.filter(pk=case.pk).update(
        title="关于杜庄村菜场路与环岛公路交叉口早晚高峰时段流动摊贩长期占道经营严重影响行人和车辆通行安全的反映"
        * 2,
        description="群众反映" + "占道经营影响通行" * 60,
        address="舟山市普陀区六横镇杜庄村菜场路一百二十八号对面的空地上靠近公交站台的位置" * 2,
    )
    phone = new_page(phone=True)
    login(phone, "grid")
    for path in ("/", "/cases/", f"/cases/{case.pk}/", "/metrics/", "/regions/"):
        phone.goto(path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path

    # keyboard only: skip link, then open the dispatch form and send it
    from zhizhi.cases import services

    received = services.create_case(
        actor=User.objects.get(username="operator"),
        data=services.CaseInput(
            channel="hotline", category="street_vending", title="键盘派单", region=grid.code
        ),
    ).case
    page = new_page()
    login(page, "dispatcher")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.goto(f"/cases/{received.pk}/")
    page.focus("#act-dispatch summary")
    page.keyboard.press("Enter")
    assert page.locator("#act-dispatch").get_attribute("open") is not None
    page.keyboard.press("Tab")  # the department menu
    assert page.evaluate("document.activeElement.name") == "dispatch-department"
    page.keyboard.press("ArrowDown")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "submit-dispatch"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[data-testid=case-status]").inner_text() == "已派单"
