"""The petition pages of the workbench: the list, the registration form, the petition card on the case
detail (masked petitioners, reveal, clocks, opinions, .docx documents), the action fields, the
figures and their drill-down lists, and the key persons."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document

from tests.petitions.helpers import (
    LI,
    MICRO_A11,
    MICRO_B11,
    VILLAGE_A,
    ZHANG,
    add_office,
    at,
    drive,
    register,
)
from tests.township import Township
from tests.web.conftest import login
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.petitions import figures, services
from zhizhi.petitions.models import ContactLog, KeyPerson, KeyPersonEvent, Opinion, Petition, Petitioner

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
YEAR_2024 = {"from": "2024-01-01", "to": "2024-12-31"}


@pytest.fixture
def t(township: Township) -> Township:
    add_office(township)
    return township


def count_on(html: str) -> int:
    found = re.search(r'data-testid="result-count">(\d+)<', html)
    assert found, html[:500]
    return int(found.group(1))


def snapshot() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Petition.objects.count(),
        Petitioner.objects.count(),
        CaseEvent.objects.count(),
    )


# --- Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("dispatcher", "/petitions/", 200),
        ("xf", "/petitions/", 200),
        ("cadre_a", "/petitions/figures/", 200),
        ("leader", "/petitions/key-persons/", 200),
        ("operator", "/petitions/new/", 200),
        ("grid_a1", "/petitions/", 403),
        ("handler_enf", "/petitions/", 403),
        ("operator", "/petitions/figures/", 403),
        ("leader", "/petitions/new/", 403),
        ("xf", "/petitions/new/", 403),
        ("operator", "/petitions/key-persons/", 403),
        ("xf", "/petitions/key-persons/new/", 403),
    ],
)
def test_each_page_is_for_its_roles(t: Township, username: str, url: str, status: int) -> None:
    assert login(username).get(url).status_code == status


def test_the_nav_leads_each_role_to_its_petition_page(t: Township) -> None:
    def nav(username: str) -> list[str]:
        return re.findall(r'<li><a href="([^"]+)" *>信访</a></li>', login(username).get("/").content.decode())

    assert nav("dispatcher") == ["/petitions/"]
    assert nav("grid_a1") == ["/petitions/new/"]
    assert nav("handler_enf") == []


# --- List ---------------------------------------------------------------------------------------------


def test_the_list_masks_petitioners_and_filters(t: Township) -> None:
    first = register(t, now=at("2024-03-04 09:00"))
    group = register(
        t,
        now=at("2024-03-05 09:00"),
        form="letter",
        people_count=8,
        repeat_of=first.pk,
        petitioners=[services.PetitionerInput(name="李四", id_number=LI, is_representative=True)],
    )
    drive(t, "closed", start=at("2024-03-06 09:00"), petitioners=[services.PetitionerInput(name="王五")])
    client = login("dispatcher")
    html = client.get("/petitions/").content.decode()
    assert count_on(html) == 3
    assert "张*" in html
    assert "李* 等 8 人" in html
    for secret in ("张三", "李四", ZHANG, LI):
        assert secret not in html
    number = Petition.objects.get(pk=first.pk).number
    assert f'href="/cases/{first.pk}/">{number}</a>' in html

    def ids(**params: str) -> list[int]:
        r = client.get("/petitions/", params)
        assert r.status_code == 200
        return [row["case"].pk for row in r.context["rows"]]

    assert ids(form="letter") == [group.pk]
    assert ids(group="1") == [group.pk]
    assert ids(repeat="1") == [group.pk]
    assert ids(status="registered") == [group.pk, first.pk]
    # Registered in March 2024, never decided: the 15 days have long run out.
    assert ids(overdue="1") == [group.pk, first.pk]
    assert ids(**{"from": "2024-03-05", "to": "2024-03-05"}) == [group.pk]
    assert ids(backlog="1") == []
    assert client.get("/petitions/", {"from": "2024-13-01"}).status_code == 422


def test_the_list_shows_only_the_users_petitions(t: Township) -> None:
    register(t, now=at("2024-03-04 09:00"))
    other = register(t, now=at("2024-03-04 10:00"), region=MICRO_B11)
    r = login("cadre_b").get("/petitions/")
    assert [row["case"].pk for row in r.context["rows"]] == [other.pk]


# --- Registration -------------------------------------------------------------------------------------


def form_data(rows: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {
        "p-TOTAL_FORMS": str(len(rows)),
        "p-INITIAL_FORMS": "0",
        "p-MIN_NUM_FORMS": "0",
        "p-MAX_NUM_FORMS": "50",
        "form": "visit",
        "category": "wage_dispute",
        "region": MICRO_A11,
        "request": "要求支付拖欠的工资 3 万元",
        "facts_and_reasons": "2023 年在某船厂务工 6 个月，工资至今未付",
    }
    for i, row in enumerate(rows):
        data.update({f"p-{i}-{k}": v for k, v in row.items()})
    data.update(fields)
    return data


ROW_ZHANG = {"name": "张三", "id_number": ZHANG, "phone": "13800138000", "address": "六横镇杜庄村 8 号"}
ROW_LI = {"name": "李四", "id_number": LI, "phone": "", "address": "", "is_representative": "on"}
BLANK = {"name": "", "id_number": "", "phone": "", "address": ""}


def test_registration_creates_one_petition_with_its_petitioners(t: Township) -> None:
    before = snapshot()
    r = login("dispatcher").post("/petitions/new/", form_data([ROW_ZHANG, ROW_LI, BLANK], people_count="2"))
    petition = Petition.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/cases/{petition.pk}/"
    assert snapshot()[:3] == (before[0] + 1, before[1] + 1, before[2] + 2)
    people = list(petition.petitioners.values_list("name", "id_number", "phone", "is_representative"))
    assert people == [("张三", ZHANG, "13800138000", False), ("李四", LI, "", True)]
    assert (petition.form, petition.request, petition.people_count) == (
        "visit",
        "要求支付拖欠的工资 3 万元",
        2,
    )
    assert CaseEvent.objects.filter(case_id=petition.pk, action="register_petition").count() == 1


@pytest.mark.parametrize(
    ("rows", "fields", "message"),
    [
        (
            [{**ROW_ZHANG, "id_number": "110105194912310021"}],
            {},
            "第 1 名信访人：身份证号码第 18 位校验码错误",
        ),
        ([BLANK], {}, "请至少登记一名信访人"),
        ([ROW_ZHANG], {"request": ""}, "这个字段是必填项"),
        ([ROW_ZHANG], {"repeat_of": "999999"}, "原信访事项不存在"),
        (
            [{"name": f"代表{i}", "is_representative": "on"} for i in range(6)],
            {"people_count": "30"},
            "代表人数不超过 5 人",
        ),
    ],
)
def test_bad_input_comes_back_on_the_form_and_creates_nothing(
    t: Township, rows: list[dict[str, str]], fields: dict[str, str], message: str
) -> None:
    before = snapshot()
    r = login("dispatcher").post("/petitions/new/", form_data(rows, **fields))
    assert r.status_code == 422
    assert message in r.content.decode()
    assert snapshot() == before


def test_a_rereviewed_petitioner_is_warned_and_the_override_needs_a_reason(t: Township) -> None:
    earlier = drive(t, "re_reviewed").case
    number = Petition.objects.get(pk=earlier.pk).number
    client = login("dispatcher")
    before = snapshot()
    r = client.post("/petitions/new/", form_data([ROW_ZHANG]))
    html = r.content.decode()
    assert r.status_code == 422
    assert 'data-testid="rereviewed"' in html
    assert f'<a href="/cases/{earlier.pk}/">{number}</a>' in html
    assert snapshot() == before
    r = client.post("/petitions/new/", form_data([ROW_ZHANG], new_facts="on", new_facts_note=""))
    assert (r.status_code, "请说明新的事实和理由" in r.content.decode()) == (422, True)
    assert snapshot() == before
    r = client.post(
        "/petitions/new/", form_data([ROW_ZHANG], new_facts="on", new_facts_note="船厂已破产清算")
    )
    assert r.status_code == 302
    petition = Petition.objects.exclude(pk=earlier.pk).get()
    assert (petition.new_facts, petition.new_facts_note) == (True, "船厂已破产清算")


# --- The card on the case detail ----------------------------------------------------------------------


def test_the_card_masks_petitioners_and_the_reveal_logs_the_access(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    client = login("dispatcher")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="petition"' in html
    assert "登记信访事项" in html  # the record's timeline line is labelled, not its action code
    assert ">register_petition<" not in html
    assert "110***********002X" in html
    assert "138****8000" in html
    assert ZHANG not in html
    assert "13800138000" not in html
    assert 'data-testid="petition-reveal"' in html
    r = client.post(f"/petitions/{case.pk}/reveal/", {"reason": "电话告知受理情况"})
    html = r.content.decode()
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store"
    assert ZHANG in html
    assert "13800138000" in html
    assert "六横镇杜庄村 8 号" in html
    access = PersonalDataAccess.objects.get()
    assert (access.user.username, access.object_type, access.object_id, access.reason) == (
        "dispatcher", "petition", str(case.pk), "电话告知受理情况",
    )  # fmt: skip


def test_a_role_without_personal_data_cannot_reveal(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    client = login("leader")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "张*" in html
    assert 'data-testid="petition-reveal"' not in html
    assert 'data-testid="document-' not in html
    assert client.post(f"/petitions/{case.pk}/reveal/").status_code == 403
    assert login("cadre_b").post(f"/petitions/{case.pk}/reveal/").status_code == 404
    assert PersonalDataAccess.objects.count() == 0


def test_the_card_shows_the_clocks_and_the_opinions(t: Township) -> None:
    driven = drive(t, "reviewing", start=at("2024-03-04 09:00"))
    html = login("dispatcher").get(f"/cases/{driven.case.pk}/").content.decode()
    card = html[html.index('id="petition"') :]
    stages = re.findall(r'data-stage-state="(\w+)">\s*<td>([^<]+)<', card)
    assert stages == [
        ("on_time", "受理告知"),
        ("on_time", "办理答复"),
        ("on_time", "请求复查期限"),
        ("overdue", "复查答复"),
    ]
    assert "15日" in card
    assert "60日" in card
    assert 'data-testid="opinion-reply"' in card
    assert "予以支持" in card
    assert "《保障农民工工资支付条例》第三条" in card
    assert 'data-testid="opinion-review"' in card
    assert "认为处理意见未落实" in card


# --- Documents ----------------------------------------------------------------------------------------


def test_documents_download_as_docx_for_the_roles_that_may(t: Township) -> None:
    case = drive(t, "answered").case
    client = login("dispatcher")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert re.findall(r'data-testid="document-(\w+)"', html) == ["notice", "reply"]
    r = client.get(f"/petitions/{case.pk}/documents/reply.docx")
    number = Petition.objects.get(pk=case.pk).number
    assert r.status_code == 200
    assert r["Content-Type"] == DOCX
    assert r["Content-Disposition"] == f'attachment; filename="{number}-reply.docx"'
    assert r["Cache-Control"] == "private, no-store"
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "信访事项处理意见书" in text
    assert "信访请求：要求支付拖欠的工资 3 万元" in text
    assert PersonalDataAccess.objects.filter(object_type="petition", object_id=str(case.pk)).count() == 1
    r = client.get(f"/petitions/{case.pk}/documents/notice.docx")
    assert "信访事项受理告知书" in "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert client.get(f"/petitions/{case.pk}/documents/extension.docx").status_code == 409
    assert client.get(f"/petitions/{case.pk}/documents/other.docx").status_code == 404
    assert login("cadre_b").get(f"/petitions/{case.pk}/documents/reply.docx").status_code == 404
    assert login("leader").get(f"/petitions/{case.pk}/documents/reply.docx").status_code == 403
    assert PersonalDataAccess.objects.count() == 2


# --- Action fields ------------------------------------------------------------------------------------


def test_petition_actions_render_selects_and_dates_and_work(t: Township) -> None:
    case = drive(t, "handling", start=at("2024-03-04 09:00")).case
    html = login("xf").get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'<select name="reply-decision"[^>]*>', html)
    assert '<option value="explain">解释说明</option>' in html
    assert re.search(r'<input type="date" name="reply-served_on"', html)
    assert re.search(r'<textarea name="reply-basis"', html)
    # The leader extends by 30 natural days (the engine's working-day limit does not apply).
    Case.objects.filter(pk=case.pk).update(due_at=at("2099-01-01 00:00"))
    r = login("leader").post(
        f"/cases/{case.pk}/act/extend/", {"extend-days": "30", "extend-reason": "需核实"}
    )
    assert r.status_code == 302
    assert Petition.objects.get(pk=case.pk).extension_days == 30
    r = login("xf").post(
        f"/cases/{case.pk}/act/reply/",
        {
            "reply-decision": "explain",
            "reply-opinion": "已解释",
            "reply-basis": "条例",
            "reply-served_on": "",
        },
    )
    assert r.status_code == 302
    reply = Opinion.objects.get(petition_id=case.pk, level="reply")
    assert (reply.decision, reply.opinion) == ("explain", "已解释")
    assert Case.objects.get(pk=case.pk).status == "answered"


def test_a_bad_decision_is_refused_on_the_form(t: Township) -> None:
    case = drive(t, "handling").case
    r = login("xf").post(
        f"/cases/{case.pk}/act/reply/",
        {"reply-decision": "maybe", "reply-opinion": "x", "reply-basis": "y"},
    )
    assert r.status_code == 422
    assert Case.objects.get(pk=case.pk).status == "handling"
    assert not Opinion.objects.filter(petition_id=case.pk).exists()


# --- Figures ------------------------------------------------------------------------------------------


@pytest.fixture
def figure_world(t: Township) -> None:
    drive(t, "answered", start=at("2024-03-04 09:00"))
    drive(t, "closed", start=at("2024-04-04 09:00"), backlog=True)
    drive(t, "reviewing", start=at("2024-05-06 09:00"), region=MICRO_B11)
    register(t, now=at("2024-06-03 09:00"), region=MICRO_B11, people_count=6, form="letter")
    register(t, now=at("2023-06-03 09:00"))


def shown_figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="((?:figure|numerator|denominator)-\w+)">([^<]+)<', html))


@pytest.mark.parametrize(("username", "received"), [("dispatcher", 4), ("cadre_a", 2), ("cadre_b", 2)])
def test_each_figure_equals_its_drill_down_list(
    t: Township, figure_world: None, username: str, received: int
) -> None:
    client = login(username)
    r = client.get("/petitions/figures/", YEAR_2024)
    assert r.status_code == 200
    shown = shown_figures(r.content.decode())
    assert int(shown["figure-received"]) == received
    f = figures.FigureFilter.build(year=2024)
    for value in figures.evaluate_all(f, t.users[username]):
        code = value.code
        parts = ["numerator", "denominator"] if value.figure.is_rate else ["numerator"]
        for part in parts:
            drill = client.get(f"/petitions/figures/{code}/", {**YEAR_2024, "part": part})
            assert drill.status_code == 200
            expected = value.numerator if part == "numerator" else value.denominator
            assert count_on(drill.content.decode()) == expected, (code, part)
            key = f"{part}-{code}" if value.figure.is_rate else f"figure-{code}"
            assert int(shown[key]) == expected, (code, part)


def test_figures_filter_by_region_and_refuse_an_unseen_region(t: Township, figure_world: None) -> None:
    client = login("dispatcher")
    r = client.get("/petitions/figures/", {**YEAR_2024, "region": VILLAGE_A})
    assert int(shown_figures(r.content.decode())["figure-received"]) == 2
    r = client.get("/petitions/figures/received/", {**YEAR_2024, "region": VILLAGE_A})
    assert count_on(r.content.decode()) == 2
    assert login("cadre_b").get("/petitions/figures/", {"region": VILLAGE_A}).status_code == 404
    assert client.get("/petitions/figures/nothing/").status_code == 404


# --- Key persons --------------------------------------------------------------------------------------


def person_data(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "张三",
        "id_number": ZHANG,
        "phone": "13800138000",
        "address": "六横镇杜庄村 8 号",
        "region": VILLAGE_A,
        "risk_level": "high",
        "reason": "欠薪问题多次赴区上访",
        "plan": "村书记每周走访一次",
        "cadres": ["cadre_a"],
        "petitions": "",
    }
    data.update(kw)
    return data


def test_a_key_person_is_created_contacted_and_delisted(t: Township) -> None:
    petition = register(t, now=at("2024-03-04 09:00"))
    client = login("dispatcher")
    r = client.post("/petitions/key-persons/new/", person_data(petitions=str(petition.pk)))
    person = KeyPerson.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/petitions/key-persons/{person.pk}/"
    assert (person.name, person.id_number, person.risk_level) == ("张三", ZHANG, "high")
    assert list(person.petitions.values_list("case_id", flat=True)) == [petition.pk]
    assert list(KeyPersonEvent.objects.values_list("action", flat=True)) == ["create"]

    html = client.get("/petitions/key-persons/").content.decode()
    assert count_on(html) == 1
    assert "张*" in html
    assert "110***********002X" in html
    assert "张三" not in html
    assert ZHANG not in html
    html = client.get(f"/petitions/key-persons/{person.pk}/").content.decode()
    assert "张三" not in html
    assert ZHANG not in html
    assert "13800138000" not in html

    r = client.post(
        f"/petitions/key-persons/{person.pk}/contact/",
        {"contacted_at": "2024-03-05T10:00", "method": "visit", "cadre": "cadre_a", "content": "上门走访"},
    )
    assert r.status_code == 302
    log = ContactLog.objects.get()
    assert (log.cadre.username, log.recorded_by.username, log.method, log.content) == (
        "cadre_a", "dispatcher", "visit", "上门走访",
    )  # fmt: skip
    # The cadre logs their own contact; no cadre chosen means themself.
    r = login("cadre_a").post(
        f"/petitions/key-persons/{person.pk}/contact/",
        {"contacted_at": "2024-03-06T10:00", "method": "phone", "cadre": "", "content": "电话回访"},
    )
    assert r.status_code == 302
    assert ContactLog.objects.filter(cadre__username="cadre_a").count() == 2
    html = client.get(f"/petitions/key-persons/{person.pk}/").content.decode()
    assert html.count('data-testid="contact"') == 2

    # A village cadre may not delist; a missing reason is refused; then the dispatcher delists.
    assert (
        login("cadre_a").post(f"/petitions/key-persons/{person.pk}/delist/", {"reason": "x"}).status_code
        == 403
    )
    r = client.post(f"/petitions/key-persons/{person.pk}/delist/", {"reason": ""})
    assert r.status_code == 422
    assert "请填写撤销列管理由" in r.content.decode()
    assert KeyPerson.objects.get().is_active
    r = client.post(f"/petitions/key-persons/{person.pk}/delist/", {"reason": "欠薪已追回，息诉罢访"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    assert list(KeyPersonEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "delist",
    ]


def test_key_person_edit_keeps_blank_personal_data_and_reveal_logs(t: Township) -> None:
    client = login("dispatcher")
    client.post("/petitions/key-persons/new/", person_data())
    person = KeyPerson.objects.get()
    html = client.get(f"/petitions/key-persons/{person.pk}/edit/").content.decode()
    assert ZHANG not in html
    assert "13800138000" not in html
    r = client.post(
        f"/petitions/key-persons/{person.pk}/edit/",
        person_data(name="", id_number="", phone="", address="", risk_level="medium"),
    )
    assert r.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone, person.risk_level) == (
        "张三", ZHANG, "13800138000", "medium",
    )  # fmt: skip
    r = client.post(f"/petitions/key-persons/{person.pk}/reveal/", {"reason": "走访前核对"})
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store"
    assert ZHANG in r.content.decode()
    assert PersonalDataAccess.objects.filter(object_type="key_person", object_id=str(person.pk)).count() == 1


def test_key_person_edit_clears_an_item_only_when_ticked(t: Township) -> None:
    client = login("dispatcher")
    client.post("/petitions/key-persons/new/", person_data())
    person = KeyPerson.objects.get()
    edit = f"/petitions/key-persons/{person.pk}/edit/"
    html = client.get(edit).content.decode()
    for name in ("clear_id_number", "clear_phone", "clear_address"):
        assert f'name="{name}"' in html
    assert 'name="clear_name"' not in html  # the name is required
    blank = {"name": "", "id_number": "", "phone": "", "address": ""}
    # a new phone and 删除 together: refused on the field, nothing saved
    r = client.post(edit, person_data(**{**blank, "phone": "13900139000", "clear_phone": "on"}))
    assert r.status_code == 422
    assert "填写新的内容，或勾选删除，二者选一" in r.content.decode()
    person.refresh_from_db()
    assert (person.phone, KeyPersonEvent.objects.filter(person=person).count()) == ("13800138000", 1)
    # 删除 alone clears that item; the blank others keep theirs
    r = client.post(edit, person_data(**blank, clear_phone="on", clear_address="on"))
    assert r.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone, person.address) == ("张三", ZHANG, "", "")
    event = KeyPersonEvent.objects.filter(person=person).latest("id")
    assert (event.action, event.data["changed"]) == ("update", ["address", "phone"])
    html = client.get(edit).content.decode()
    assert 'name="clear_phone"' not in html  # nothing left to remove
    assert 'name="clear_id_number"' in html


def test_key_persons_are_scoped_and_bad_input_is_refused(t: Township) -> None:
    client = login("dispatcher")
    r = client.post("/petitions/key-persons/new/", person_data(id_number="110105194912310021"))
    assert r.status_code == 422
    assert "校验码错误" in r.content.decode()
    r = client.post("/petitions/key-persons/new/", person_data(cadres=[]))
    assert r.status_code == 422
    assert KeyPerson.objects.count() == 0
    client.post("/petitions/key-persons/new/", person_data())
    person = KeyPerson.objects.get()
    assert login("cadre_b").get(f"/petitions/key-persons/{person.pk}/").status_code == 404
    r = login("cadre_b").post(
        f"/petitions/key-persons/{person.pk}/contact/",
        {"contacted_at": "2024-03-05T10:00", "method": "visit", "cadre": "cadre_a", "content": "x"},
    )
    assert r.status_code == 404
    assert login("leader").post(f"/petitions/key-persons/{person.pk}/reveal/").status_code == 403
    assert (ContactLog.objects.count(), PersonalDataAccess.objects.count()) == (0, 0)


DASH_LINK = re.compile(
    r'<a href="(/petitions/figures/[^"]+)" data-figure="([a-z_]+):(numerator|denominator)"[^>]*>(\d+)</a>'
)


@pytest.mark.parametrize("username", ["dispatcher", "cadre_a", "leader"])
def test_the_dashboard_shows_the_petition_figures_each_equal_to_its_list(
    t: Township, figure_world: None, username: str
) -> None:
    c = login(username)
    page = c.get("/metrics/", YEAR_2024).content.decode()
    links = [
        (url.replace("&amp;", "&"), code, part, int(n)) for url, code, part, n in DASH_LINK.findall(page)
    ]
    f = figures.FigureFilter.build(year=2024)
    expected = {}
    for code in ("received", "accepted", "answered", "on_time_rate", "group", "repeat", "backlog_resolved"):
        value = figures.evaluate(code, f, t.users[username])
        expected[(code, "numerator")] = value.numerator
        if value.figure.is_rate:
            expected[(code, "denominator")] = value.denominator
    assert {(code, part): n for _, code, part, n in links} == expected
    for url, code, part, n in links:
        assert count_on(c.get(url).content.decode()) == n, (code, part)


def test_the_dashboards_petition_figures_for_the_town(t: Township, figure_world: None) -> None:
    page = login("dispatcher").get("/metrics/", YEAR_2024).content.decode()
    shown = {(code, part): int(n) for _, code, part, n in DASH_LINK.findall(page)}
    assert (shown[("received", "numerator")], shown[("group", "numerator")]) == (4, 1)
    # A grid worker has no petition pages, so no petition block
    assert 'id="dash-petitions"' not in login("grid_a1").get("/metrics/", YEAR_2024).content.decode()
