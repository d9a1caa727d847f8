"""The mediation pages of the workbench: the dispute list, the registration form with its parties,
the dispute card on the case page (parties masked, revealed with an access log), the .docx
documents, the mediation action fields, and the figures with their drill-down lists."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document

from tests.mediation.helpers import (
    LI,
    MICRO_A11,
    MICRO_B11,
    WANG,
    ZHANG,
    act,
    add_mediators,
    at,
    drive,
    register,
    snapshot,
)
from tests.township import Township
from tests.web.conftest import login
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.mediation.casetype import eligible_mediators, may_mediate
from zhizhi.mediation.models import Dispute, Party, Session

FACTS = "两户共用通道上堆放渔网，出入受阻，多次争吵"  # no names: the page must not show any in full


def count_on(html: str) -> int:
    found = re.search(r'data-testid="result-count">(\d+)<', html)
    assert found, html[:500]
    return int(found.group(1))


@pytest.fixture
def t(township: Township) -> Township:
    add_mediators(township)
    return township


# --- The list -------------------------------------------------------------------------------------


def test_the_list_masks_the_parties_and_filters(t: Township) -> None:
    plain = register(t, now=at("2024-03-04 09:00"), facts=FACTS)
    online = register(t, now=at("2024-03-05 09:00"), facts=FACTS, channel="online", major=True)
    act(t, plain, "accept", now=at("2024-03-04 10:00"))
    c = login("dispatcher")
    r = c.get("/mediation/")
    html = r.content.decode()
    assert (r.status_code, count_on(html)) == (200, 2)
    assert [row["case"].pk for row in r.context["rows"]] == [online.pk, plain.pk]
    assert "申请人：张*" in html
    assert "被申请人：李*" in html
    for full in ("张三", "李四", ZHANG, LI, "13800138000", "六横镇杜庄村 8 号"):
        assert full not in html
    assert f'href="/cases/{plain.pk}/"' in html
    assert r.context["rows"][1]["mediators"] == ["陈明"]
    assert count_on(c.get("/mediation/", {"channel": "online"}).content.decode()) == 1
    assert count_on(c.get("/mediation/", {"major": "1"}).content.decode()) == 1
    assert count_on(c.get("/mediation/", {"status": "mediating"}).content.decode()) == 1
    assert count_on(c.get("/mediation/", {"kind": "family"}).content.decode()) == 0
    # Both deadlines (acceptance: 3 working days; conclusion: 30 days) lie long in the past
    assert count_on(c.get("/mediation/", {"overdue": "1"}).content.decode()) == 2
    assert count_on(c.get("/mediation/", {"from": "2024-03-05", "to": "2024-03-05"}).content.decode()) == 1
    assert c.get("/mediation/", {"from": "2024-13-01"}).status_code == 422


def test_who_sees_the_pages(t: Township) -> None:
    register(t, now=at("2024-03-04 09:00"), facts=FACTS)
    for username in ("dispatcher", "leader", "tj", "cadre_a", "grid_a1", "admin"):
        r = login(username).get("/mediation/")
        assert (username, r.status_code, count_on(r.content.decode())) == (username, 200, 1)
        assert 'href="/mediation/"' in login(username).get("/").content.decode()
    # A grid worker of the other village sees none; a handler of another department may not look
    assert count_on(login("grid_b1").get("/mediation/").content.decode()) == 0
    assert login("handler_enf").get("/mediation/").status_code == 403
    assert login("handler_enf").get("/mediation/figures/").status_code == 403
    assert 'href="/mediation/"' not in login("handler_enf").get("/").content.decode()


# --- Registration -----------------------------------------------------------------------------------


def form_data(**kw: Any) -> dict[str, str]:
    data = {
        "kind": "neighbour",
        "facts": FACTS,
        "channel": "shared_court",
        "external_ref": "GX-2024-17",
        "region": MICRO_A11,
        "address": "杜庄村通道",
        "title": "",
        "major_note": "",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "p-0-role": "applicant",
        "p-0-name": "张三",
        "p-0-id_number": ZHANG,
        "p-0-phone": "138 0013 8000",
        "p-0-address": "六横镇杜庄村 8 号",
        "p-1-role": "respondent",
        "p-1-name": "李四",
        "p-1-id_number": LI,
        "p-1-phone": "",
        "p-1-address": "六横镇杜庄村 10 号",
        "p-2-role": "applicant",
        "p-2-name": "",
        "p-2-id_number": "",
        "p-2-phone": "",
        "p-2-address": "",
    }
    data.update(kw)
    return data


def test_registration_creates_one_dispute_with_its_parties(t: Township) -> None:
    c = login("dispatcher")
    assert c.get("/mediation/new/").status_code == 200
    r = c.post("/mediation/new/", form_data(major="on", major_note="涉及多户"))
    dispute = Dispute.objects.get()
    assert (r.status_code, r["Location"]) == (302, f"/cases/{dispute.pk}/")
    assert (dispute.kind, dispute.channel, dispute.external_ref, dispute.is_major, dispute.major_note) == (
        "neighbour",
        "shared_court",
        "GX-2024-17",
        True,
        "涉及多户",
    )
    assert list(Party.objects.values_list("sort", "role", "name", "id_number", "phone", "address")) == [
        (1, "applicant", "张三", ZHANG, "13800138000", "六横镇杜庄村 8 号"),
        (2, "respondent", "李四", LI, "", "六横镇杜庄村 10 号"),
    ]
    assert (dispute.case.region.code, dispute.case.created_by.username, dispute.case.priority) == (
        MICRO_A11,
        "dispatcher",
        "urgent",
    )


def test_bad_registrations_are_refused_and_write_nothing(t: Township) -> None:
    c = login("dispatcher")
    # Both sides required: the service's own error, shown on the form
    r = c.post("/mediation/new/", form_data(**{"p-1-name": "", "p-1-id_number": "", "p-1-address": ""}))
    assert r.status_code == 422
    assert "请登记至少一名被申请人" in r.content.decode()
    # A wrong ID number is shown on its party's row
    r = c.post("/mediation/new/", form_data(**{"p-1-id_number": "360426199101010072"}))
    assert r.status_code == 422
    assert r.context["parties"].forms[1].errors["id_number"][0].startswith("第 2 名当事人：")
    # A form error (no facts)
    assert c.post("/mediation/new/", form_data(facts="")).status_code == 422
    # A role that may not register
    assert login("handler_enf").post("/mediation/new/", form_data()).status_code == 403
    assert login("leader").get("/mediation/new/").status_code == 403
    assert (Case.objects.count(), Dispute.objects.count(), Party.objects.count()) == (0, 0, 0)


# --- The card, reveal, documents ---------------------------------------------------------------------


def test_the_card_masks_the_parties_until_revealed_with_an_access_log(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"), facts=FACTS)
    act(t, case, "accept", now=at("2024-03-04 10:00"))
    act(t, case, "record_session", now=at("2024-03-05 10:00"))
    c = login("dispatcher")
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="dispute"' in html
    for masked in ("张*", "李*", "138****8000", "110***********002X"):
        assert masked in html
    for full in ("张三", "李四", ZHANG, LI, "13800138000", "13900139000"):
        assert full not in html
    assert "2024-04-03 23:59" in html  # the conclusion deadline: 30 days from acceptance
    assert "六横镇人民调解委员会调解室" in html  # the session's place; its attendees wait for the reveal
    assert PersonalDataAccess.objects.count() == 0

    r = c.post(f"/mediation/{case.pk}/reveal/", {"reason": "联系当事人"})
    html = r.content.decode()
    assert (r.status_code, r["Cache-Control"]) == (200, "private, no-store")
    for full in ("张三", "李四", ZHANG, LI, "13800138000", "六横镇杜庄村 8 号", "张三、李四、陈明"):
        assert full in html
    log = PersonalDataAccess.objects.get()
    assert (log.user.username, log.object_type, log.object_id, log.fields, log.reason) == (
        "dispatcher",
        "dispute",
        str(case.pk),
        "name,id_number,phone,address",
        "联系当事人",
    )
    # Once: the next view is masked again
    assert ZHANG not in c.get(f"/cases/{case.pk}/").content.decode()
    # A leader sees the dispute but not the parties' data; outside scope it does not exist
    assert "reveal-parties" not in login("leader").get(f"/cases/{case.pk}/").content.decode()
    assert login("leader").post(f"/mediation/{case.pk}/reveal/").status_code == 403
    assert login("grid_b1").post(f"/mediation/{case.pk}/reveal/").status_code == 404
    assert PersonalDataAccess.objects.count() == 1


def test_the_agreement_downloads_as_docx_with_its_terms(t: Township) -> None:
    case = drive(t, "agreed", facts=FACTS).case
    number = Dispute.objects.get(pk=case.pk).number
    c = login("dispatcher")
    html = c.get(f"/cases/{case.pk}/").content.decode()
    url = f"/mediation/{case.pk}/documents/agreement.docx"
    assert f'href="{url}"' in html
    assert "documents/termination.docx" not in html
    # 30 days from the effective date (4 March 2024), long past
    assert "申请期限已于 2024-04-03 届满，未申请" in html
    r = c.get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert r["Content-Disposition"] == f'attachment; filename="{number}-agreement.docx"'
    assert r["Cache-Control"] == "private, no-store"
    paragraphs = [p.text for p in Document(io.BytesIO(r.content)).paragraphs]
    assert "一、李四于2024年3月10日前清理通道上的渔网，今后不在通道堆放杂物。" in paragraphs
    assert "二、张三向李四赔礼道歉。" in paragraphs
    assert "履行方式：李四自行清理，人民调解员现场查看" in paragraphs
    assert PersonalDataAccess.objects.filter(object_type="dispute", object_id=str(case.pk)).count() == 1
    # No termination notice for an agreement; nothing outside scope or for a role without the data
    assert c.get(f"/mediation/{case.pk}/documents/termination.docx").status_code == 409
    assert login("grid_b1").get(url).status_code == 404
    assert login("leader").get(url).status_code == 403
    assert c.get(f"/mediation/{case.pk}/documents/other.docx").status_code == 404
    assert PersonalDataAccess.objects.count() == 1


def test_the_mediation_action_fields_are_selects_and_dates(t: Township) -> None:
    case = drive(t, "mediating", facts=FACTS).case
    c = login("tj")
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'<select name="agree-form"[^>]*>\s*<option value=""[^>]*>[^<]*</option>\s*'
                     r'<option value="written">书面调解协议</option>\s*<option value="oral">', html)  # fmt: skip
    assert re.search(r'<select name="refer-refer_to"', html)
    assert re.search(r'<input type="date" name="record_session-held_on"', html)
    assert re.search(r'<input type="date" name="agree-performance_due"', html)
    assert re.search(r'<textarea name="agree-terms"', html)
    # The dates and choices reach the service as it expects them
    r = c.post(
        f"/cases/{case.pk}/act/record_session/",
        {
            "record_session-held_on": "2024-03-05",
            "record_session-place": "调解室",
            "record_session-attendees": "双方当事人",
            "record_session-notes": "同意再调",
        },
    )
    assert r.status_code == 302
    assert list(Session.objects.values_list("number", "held_on", "place")) == [
        (1, at("2024-03-05 00:00").date(), "调解室")
    ]
    r = c.post(f"/cases/{case.pk}/act/refer/", {"refer-refer_to": "nowhere", "refer-authority": "x"})
    assert r.status_code == 422
    assert Case.objects.get(pk=case.pk).status == "mediating"
    r = c.post(f"/cases/{case.pk}/act/agree/", {"agree-form": "oral", "agree-terms": "当场搬走渔网"})
    assert r.status_code == 302
    assert Dispute.objects.get(pk=case.pk).agreement.form == "oral"
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'<select name="follow_up-performance"', html)
    assert "口头协议不能申请司法确认" in html


# --- Figures ----------------------------------------------------------------------------------------


@pytest.fixture
def disputes(t: Township) -> dict[str, Case]:
    """Village A: agreed (written), failed, mediating, registered; village B: agreed (oral, online)."""
    out = {
        "agreed": drive(t, "agreed", start=at("2024-03-04 09:00")).case,
        "failed": drive(t, "failed", start=at("2024-04-01 09:00")).case,
        "mediating": drive(t, "mediating", start=at("2024-05-06 09:00")).case,
        "registered": drive(t, "registered", start=at("2024-06-03 09:00")).case,
    }
    b = register(t, now=at("2024-03-11 09:00"), region=MICRO_B11, channel="online")
    act(t, b, "accept", now=at("2024-03-11 10:00"))
    act(t, b, "agree", now=at("2024-03-12 10:00"), form="oral", terms="当场和解", performance_due="")
    out["b_oral"] = b
    return out


def figures_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="figure-(\w+)">([^<]+)<', html))


def links_of(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+:\w+)"[^>]*>(\d+)<', html)}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("dispatcher", {"registered": "5", "mediated": "4", "concluded": "3", "agreements": "2",
                        "written_agreements": "1", "mediated_online": "1", "success_rate": "50.0%"}),
        ("cadre_a", {"registered": "4", "mediated": "3", "concluded": "2", "agreements": "1",
                     "written_agreements": "1", "mediated_online": "0", "success_rate": "33.3%"}),
        ("tj", {"registered": "5", "mediated": "4", "concluded": "3", "agreements": "2",
                "written_agreements": "1", "mediated_online": "1", "success_rate": "50.0%"}),
    ],
)  # fmt: skip
def test_every_figure_equals_the_count_of_its_list(
    disputes: dict[str, Case], username: str, expected: dict[str, str]
) -> None:
    c = login(username)
    params = {"from": "2024-01-01", "to": "2024-12-31"}
    r = c.get("/mediation/figures/", params)
    assert r.status_code == 200
    html = r.content.decode()
    values = figures_of(html)
    assert {k: values[k] for k in expected} == expected
    links = links_of(html)
    assert len(links) == 17  # 13 counts, 2 rates × (numerator, denominator)
    for key, number in links.items():
        code, part = key.split(":")
        query = {**params, "part": part} if part == "denominator" else params
        listed = count_on(c.get(f"/mediation/figures/{code}/", query).content.decode())
        assert (key, listed) == (key, number)


def test_the_figures_filter_by_region_and_refuse_unknown_ones(disputes: dict[str, Case], t: Township) -> None:
    c = login("dispatcher")
    params = {"region": "330903107202", "from": "2024-01-01", "to": "2024-12-31"}
    values = figures_of(c.get("/mediation/figures/", params).content.decode())
    assert (values["registered"], values["agreed_online"]) == ("1", "1")
    r = c.get("/mediation/figures/agreed_online/", params)
    assert [row["case"].pk for row in r.context["rows"]] == [disputes["b_oral"].pk]
    # cadre_a may not look at village B; an unknown figure is refused
    assert login("cadre_a").get("/mediation/figures/", params).status_code == 404
    assert c.get("/mediation/figures/nonsense/", params).status_code == 422


DASH_LINK = re.compile(
    r'<a href="(/mediation/figures/[^"]+)" data-figure="([a-z_]+):(numerator|denominator)"[^>]*>(\d+)</a>'
)


@pytest.mark.parametrize(
    ("username", "mediated", "agreements"), [("dispatcher", 4, 2), ("cadre_a", 3, 1), ("tj", 4, 2)]
)
def test_the_dashboard_shows_the_mediation_figures_each_equal_to_its_list(
    disputes: dict[str, Case], username: str, mediated: int, agreements: int
) -> None:
    c = login(username)
    page = c.get("/metrics/", {"from": "2024-01-01", "to": "2024-12-31"}).content.decode()
    links = [
        (url.replace("&amp;", "&"), code, part, int(n)) for url, code, part, n in DASH_LINK.findall(page)
    ]
    shown = {(code, part): n for _, code, part, n in links}
    assert (shown[("mediated", "numerator")], shown[("agreements", "numerator")]) == (mediated, agreements)
    assert (shown[("success_rate", "numerator")], shown[("success_rate", "denominator")]) == (
        agreements,
        mediated,
    )
    assert len(links) == 7  # six figures, one of them a rate
    for url, code, part, n in links:
        assert count_on(c.get(url).content.decode()) == n, (code, part)


# --- Adding and correcting parties on the case page ---------------------------------------------------


def test_a_mediator_adds_a_party_from_the_card(t: Township) -> None:
    case = drive(t, "mediating").case  # presided by tj
    c = login("tj")
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="party-add"' in html
    assert 'data-testid="party-edit-' not in html  # corrections show values in full: after a reveal
    r = c.post(
        f"/mediation/{case.pk}/parties/",
        {
            "party-role": "respondent",
            "party-name": "王五",
            "party-id_number": WANG,
            "party-phone": "13700137000",
        },
    )
    assert (r.status_code, r["Location"]) == (302, f"/cases/{case.pk}/#dispute")
    assert list(Party.objects.filter(dispute_id=case.pk).values_list("sort", "role", "name", "id_number", "phone")) == [
        (1, "applicant", "张三", ZHANG, "13800138000"),
        (2, "respondent", "李四", LI, "13900139000"),
        (3, "respondent", "王五", WANG, "13700137000"),
    ]  # fmt: skip
    event = CaseEvent.objects.filter(case=case, action="add_party").get()
    assert (event.actor.username, event.data) == (
        "tj",
        {"party": 3, "role": "respondent", "changed": ["address", "id_number", "name", "phone", "role"]},
    )
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "已添加当事人" in page
    assert "王*" in page  # masked like the others
    assert "王五" not in page


def test_a_correction_is_offered_on_the_revealed_card_and_saved(t: Township) -> None:
    case = drive(t, "mediating").case
    li = Party.objects.get(dispute_id=case.pk, name="李四")
    c = login("dispatcher")
    html = c.post(f"/mediation/{case.pk}/reveal/", {"reason": "更正住址"}).content.decode()
    assert f'data-testid="party-edit-{li.pk}"' in html
    assert 'value="六横镇杜庄村 10 号"' in html  # the form holds the values in full
    r = c.post(
        f"/mediation/{case.pk}/parties/{li.pk}/",
        {
            f"party-{li.pk}-role": "respondent",
            f"party-{li.pk}-name": "李四",
            f"party-{li.pk}-id_number": LI,
            f"party-{li.pk}-phone": "",
            f"party-{li.pk}-address": "六横镇杜庄村 12 号",
        },
    )
    assert r.status_code == 302
    li.refresh_from_db()
    assert (li.phone, li.address, li.id_number) == (
        "",
        "六横镇杜庄村 12 号",
        LI,
    )  # an emptied phone is cleared
    assert CaseEvent.objects.get(case=case, action="update_party").data == {
        "party": 2,
        "role": "respondent",
        "changed": ["address", "phone"],
    }


def test_a_refused_party_comes_back_on_its_form_and_nothing_changes(t: Township) -> None:
    case = drive(t, "mediating").case
    zhang = Party.objects.get(dispute_id=case.pk, name="张三")
    before = snapshot(case)
    c = login("tj")
    r = c.post(
        f"/mediation/{case.pk}/parties/",
        {"party-role": "respondent", "party-name": "王五", "party-id_number": LI},
    )
    assert r.status_code == 422
    assert "第 3 名当事人的身份证号码重复" in r.content.decode()
    r = c.post(
        f"/mediation/{case.pk}/parties/",
        {"party-role": "respondent", "party-name": "王五", "party-id_number": "330903199001011235"},
    )
    assert r.status_code == 422
    assert 'name="party-id_number"' in r.content.decode()
    # the only applicant turned respondent: both sides must remain
    r = c.post(
        f"/mediation/{case.pk}/parties/{zhang.pk}/",
        {f"party-{zhang.pk}-role": "respondent", f"party-{zhang.pk}-name": "张三"},
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "请登记至少一名申请人" in html
    assert f'data-testid="party-edit-{zhang.pk}" open' in html
    assert (
        c.post(f"/mediation/{case.pk}/parties/", {"party-role": "respondent", "party-name": ""}).status_code
        == 422
    )
    assert snapshot(case) == before


def test_who_may_add_parties_and_when(t: Township) -> None:
    case = drive(t, "mediating").case
    before = snapshot(case)
    data = {"party-role": "respondent", "party-name": "王五"}
    for username, status in (("leader", 403), ("grid_a1", 403), ("cadre_b", 404), ("handler_enf", 404)):
        assert login(username).post(f"/mediation/{case.pk}/parties/", data).status_code == status, username
        assert 'data-testid="party-add"' not in login(username).get(f"/cases/{case.pk}/").content.decode()
    other = Party.objects.exclude(dispute_id=case.pk).first()
    missing = other.pk if other else 999_999
    assert login("tj").post(f"/mediation/{case.pk}/parties/{missing}/", data).status_code == 404
    assert snapshot(case) == before
    agreed = drive(t, "agreed", start=at("2024-03-10 09:00")).case
    fixed = snapshot(agreed)
    assert 'data-testid="party-add"' not in login("tj").get(f"/cases/{agreed.pk}/").content.decode()
    assert login("tj").post(f"/mediation/{agreed.pk}/parties/", data).status_code == 409
    assert snapshot(agreed) == fixed


# --- Appointing the mediators on acceptance ---------------------------------------------------------


def test_eligible_mediators_are_exactly_those_who_may_mediate(t: Township) -> None:
    for region in (MICRO_A11, MICRO_B11):
        case = register(t, now=at("2024-03-04 09:00"), facts=FACTS, region=region)
        allowed = sorted(u.username for u in User.objects.all() if may_mediate(u, case))
        assert sorted(u.username for u in eligible_mediators(case)) == allowed
    assert allowed == ["cadre_b", "tj", "tj2"]  # village B's cadre and the mediation department's handlers


def test_the_mediators_are_picked_presiding_first(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"), facts=FACTS)
    c = login("tj")
    html = c.get(f"/cases/{case.pk}/").content.decode()
    presiding = re.search(r'<select name="accept-mediators_0"[^>]*>(.*?)</select>', html, re.S)
    others = re.search(r'<select name="accept-mediators_1"[^>]*multiple[^>]*>(.*?)</select>', html, re.S)
    assert presiding
    assert others
    assert re.findall(r'<option value="([^"]*)"', presiding.group(1)) == ["", "tj", "tj2", "cadre_a"]
    assert re.findall(r'<option value="([^"]*)"', others.group(1)) == ["tj", "tj2", "cadre_a"]
    # others without a presiding mediator: refused on the field, nothing changes
    before = snapshot(case)
    r = c.post(f"/cases/{case.pk}/act/accept/", {"accept-mediators_1": ["cadre_a"]})
    assert r.status_code == 422
    assert "请先选择主持调解员" in r.content.decode()
    assert snapshot(case) == before
    r = c.post(
        f"/cases/{case.pk}/act/accept/",
        {"accept-mediators_0": "tj2", "accept-mediators_1": ["cadre_a", "tj2"]},
    )
    assert r.status_code == 302
    dispute = Dispute.objects.get(pk=case.pk)
    through = Dispute.mediators.through.objects.filter(dispute_id=case.pk).order_by("id")
    assert [row.user.username for row in through] == ["tj2", "cadre_a"]
    assert (dispute.case.status, dispute.case.assignee.username) == ("mediating", "tj2")


def test_no_mediator_chosen_means_the_acting_user_presides(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"), facts=FACTS)
    assert login("tj").post(f"/cases/{case.pk}/act/accept/", {}).status_code == 302
    through = Dispute.mediators.through.objects.filter(dispute_id=case.pk)
    assert [row.user.username for row in through] == ["tj"]
