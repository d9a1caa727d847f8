"""Screenshots of every page on a desktop and on a 390-px phone, from the demo township.

Written to docs/screenshots/ with ZHIZHI_SCREENSHOTS=1 (then commit them), else to a temporary
directory; either way every page must load without horizontal scrolling on the phone.
"""

from __future__ import annotations

import pytest
from django.db.models import Count

from tests.browser.conftest import login
from zhizhi.cases.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


def shoot(page, shots, name: str, *, wait: str | None = None, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    if wait:
        page.wait_for_selector(wait, state="attached")
    page.wait_for_timeout(300)  # chart animations settle
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name}: wider than the screen"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full, scale="css")


def test_screenshots(demo, new_page, shots, settings):
    from zhizhi.web.templatetags.workbench import vendor_available

    if not all(vendor_available().values()):
        pytest.skip("front-end assets not built (make assets): the screenshots would show no map or charts")
    detail = (
        Case.objects.filter(status="resolved", lon__isnull=False).order_by("id").first()
        or Case.objects.filter(lon__isnull=False).order_by("-id").first()
    )
    caller = (
        Case.objects.exclude(reporter_phone="")
        .values("reporter_phone")
        .annotate(n=Count("id"))
        .filter(n__gte=1)
        .order_by("-n", "reporter_phone")
        .first()
    )

    desk = new_page()
    desk.goto("/login/")
    shoot(desk, shots, "desktop-01-login")
    login(desk, "dispatcher")
    shoot(desk, shots, "desktop-02-desk")
    desk.goto("/cases/?sort=-received")
    shoot(desk, shots, "desktop-03-cases")
    desk.goto(f"/cases/{detail.pk}/")
    shoot(desk, shots, "desktop-04-case", wait=".mini-map.leaflet-container")
    desk.goto("/regions/")
    shoot(desk, shots, "desktop-06-regions")
    desk.goto("/map/?received_from=2023-10-01")
    shoot(desk, shots, "desktop-07-map", wait="[data-grid-map][data-loaded]", full=False)
    settings.ZHIZHI_EXPORT_SYNC_LIMIT = 200  # so that the demo's export goes through the job page
    settings.ZHIZHI_JOBS_INLINE = True  # in-memory SQLite: a second connection would see another database
    desk.goto("/cases/export.xlsx?category=city_appearance")
    desk.wait_for_url("**/jobs/**")
    desk.wait_for_selector("[data-testid=download]")
    shoot(desk, shots, "desktop-09-export")

    operator = new_page()
    login(operator, "operator")
    operator.goto("/cases/new/hotline/")
    if caller:
        operator.fill("#id_reporter_phone", caller["reporter_phone"])
        operator.locator("#id_reporter_phone").dispatch_event("change")
        operator.wait_for_selector("[data-testid=history-count]")
    shoot(operator, shots, "desktop-05-hotline")

    leader = new_page()
    login(leader, "leader")
    leader.goto("/metrics/?from=2023-01-01&to=2023-12-31")
    shoot(leader, shots, "desktop-08-dashboard", wait="[data-chart=by_region] canvas")

    # The domain pages: safety, hotline, petitions (with a petition's card) and mediation
    desk.goto("/safety/?from=2023-01-01&to=2023-12-31")
    shoot(desk, shots, "desktop-10-safety")
    desk.goto("/hotline/figures/?from=2023-01-01&to=2023-12-31")
    shoot(desk, shots, "desktop-11-hotline-figures")
    desk.goto("/petitions/")
    shoot(desk, shots, "desktop-12-petitions")
    petitions = Case.objects.filter(case_type="petition").order_by("id")
    petition = petitions.filter(status="closed").first() or petitions.first()
    desk.goto(f"/cases/{petition.pk}/")
    shoot(desk, shots, "desktop-13-petition", wait="[data-testid=petition-number]")
    desk.goto("/mediation/figures/?from=2023-01-01&to=2023-12-31")
    shoot(desk, shots, "desktop-14-mediation-figures")

    phone = new_page(phone=True)
    login(phone, "grid")
    shoot(phone, shots, "phone-01-desk")
    phone.goto("/cases/new/field/")
    shoot(phone, shots, "phone-02-report", wait=".pick-map.leaflet-container")
    phone.goto("/cases/")
    shoot(phone, shots, "phone-03-cases")
    mine = Case.objects.filter(
        region_path__startswith=demo.build.users.get(username="grid").regions.get().path
    )
    phone.goto(f"/cases/{mine.order_by('-id').first().pk}/")
    shoot(phone, shots, "phone-04-case")
    phone.goto("/map/?received_from=2023-01-01")
    shoot(phone, shots, "phone-05-map", wait="[data-grid-map][data-loaded]", full=False)
    phone.goto("/metrics/?from=2023-01-01&to=2023-12-31")
    shoot(phone, shots, "phone-06-dashboard", wait="[data-chart=over_time] canvas")
    dispute = mine.filter(case_type="dispute").order_by("id").first()
    if dispute is not None:  # a dispute in the grid worker's grid, on the phone
        phone.goto(f"/cases/{dispute.pk}/")
        shoot(phone, shots, "phone-07-dispute", wait="[data-testid=dispute-kind]")
