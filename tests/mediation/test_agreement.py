"""The agreement: a written one states every item of 人民调解法第二十九条 (each missing item a 422 that
names it, and nothing changes); an oral one records what was agreed (第二十八条)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.mediation.helpers import LI, ORAL, WANG, WRITTEN, act, at, drive, eod, party, snapshot
from tests.township import Township
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core.errors import DomainError
from zhizhi.mediation import services
from zhizhi.mediation.models import Agreement, Dispute, Party

NOW = at("2024-03-08 15:00")


def refused(t: Township, case: Case, **payload: object) -> DomainError:
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        act(t, case, "agree", now=NOW, **payload)  # type: ignore[arg-type]
    assert snapshot(case) == before  # nothing changed, no agreement row
    return exc.value


def test_a_written_agreement_with_every_item(t: Township) -> None:
    case = drive(t, "mediating").case  # accepted 4 March 10:00
    act(t, case, "agree", now=NOW, effective_on="2024-03-07")
    agreement = Agreement.objects.get(pk=case.pk)
    assert (agreement.form, agreement.facts, agreement.responsibilities, agreement.terms) == (
        "written", WRITTEN["facts"], WRITTEN["responsibilities"], WRITTEN["terms"],
    )  # fmt: skip
    assert (agreement.performance_manner, agreement.performance_due, agreement.effective_on) == (
        WRITTEN["performance_manner"], date(2024, 3, 10), date(2024, 3, 7),
    )  # fmt: skip
    assert (agreement.reached_at, agreement.recorded_by, agreement.judicial_due_at) == (
        NOW, t.users["tj"], eod("2024-04-06"),
    )  # fmt: skip
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert (fresh.status, fresh.is_open, fresh.resolved_at, fresh.closed_at) == ("agreed", False, NOW, None)
    assert fresh.resolution == f"书面调解协议：{WRITTEN['terms']}"
    assert (dispute.outcome, dispute.concluded_at, dispute.concluded_on_time) == ("agreement", NOW, True)
    assert CaseEvent.objects.get(case=case, action="agree").data == {
        "outcome": "agreement",
        "on_time": True,
        "due_at": "2024-04-03T23:59:59+08:00",
        "form": "written",
        "effective_on": "2024-03-07",
        "performance_due": "2024-03-10",
        "judicial_due_at": "2024-04-06T23:59:59+08:00",
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("facts", "书面调解协议须载明纠纷的主要事实、争议事项（《中华人民共和国人民调解法》第二十九条）"),
        ("responsibilities", "书面调解协议须载明各方当事人的责任（《中华人民共和国人民调解法》第二十九条）"),
        ("terms", "书面调解协议须载明当事人达成调解协议的内容（《中华人民共和国人民调解法》第二十九条）"),
        ("performance_manner", "书面调解协议须载明履行的方式（《中华人民共和国人民调解法》第二十九条）"),
        ("performance_due", "书面调解协议须载明履行的期限（《中华人民共和国人民调解法》第二十九条）"),
    ],
)
@pytest.mark.parametrize("empty", ["", "  ", None])
def test_each_missing_item_of_article_29_is_a_clear_422(
    t: Township, missing: str, message: str, empty: str | None
) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, **{missing: empty})
    assert (err.code, err.status, err.message, err.details) == (
        "missing_agreement_item", 422, message, {"field": missing},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "missing"),
    [("id_number", "身份证号码"), ("address", "住址")],
)
def test_each_party_s_particulars_are_required_for_a_written_agreement(
    t: Township, field: str, missing: str
) -> None:
    # Given a dispute whose respondent was registered without an ID number (or an address)
    kw = {field: ""}
    respondent = party("李四", "respondent", **({"id_number": LI} | kw))
    case = drive(t, "mediating", parties=[party(), respondent]).case
    # Then a written agreement is refused, naming the party and what is missing
    err = refused(t, case)
    assert (err.code, err.status, err.details) == (
        "missing_party_details",
        422,
        {"field": f"parties[1].{field}"},
    )
    assert err.message == (
        f"书面调解协议须载明当事人的基本情况（《中华人民共和国人民调解法》第二十九条）：第 2 名当事人（被申请人）缺少{missing}"
    )
    # and once the mediator completes the particulars, it is made
    li = Party.objects.get(dispute_id=case.pk, name="李四")
    services.save_party(
        actor=t.users["tj"], case_id=case.pk, party_id=li.pk, data=party("李四", "respondent", LI)
    )
    act(t, case, "agree", now=NOW)
    assert Agreement.objects.filter(pk=case.pk).exists()


def test_every_missing_particular_is_named(t: Township) -> None:
    case = drive(
        t, "mediating", parties=[party(id_number="", address=""), party("李四", "respondent", LI)]
    ).case
    err = refused(t, case)
    assert err.message.endswith("第 1 名当事人（申请人）缺少身份证号码、住址")
    assert err.details == {"field": "parties[0].id_number"}


def test_the_parties_are_checked_first_in_the_order_of_article_29(t: Township) -> None:
    case = drive(t, "mediating", parties=[party(), party("李四", "respondent", "")]).case
    assert refused(t, case, facts="", terms="").code == "missing_party_details"
    complete = drive(t, "mediating").case
    assert refused(t, complete, facts="", terms="").details == {"field": "facts"}


def test_an_oral_agreement_records_what_was_agreed(t: Township) -> None:
    # Given a respondent without an ID number: an oral agreement does not need the particulars
    case = drive(t, "mediating", parties=[party(), party("李四", "respondent", "")]).case
    act(t, case, "agree", now=NOW, **ORAL, **{k: None for k in WRITTEN if k not in ORAL})
    agreement = Agreement.objects.get(pk=case.pk)
    assert (agreement.form, agreement.terms, agreement.facts, agreement.performance_due, agreement.effective_on) == (
        "oral", "李四当场搬走渔网，张三不再追究", "", None, date(2024, 3, 8),
    )  # fmt: skip
    assert Case.objects.get(pk=case.pk).resolution == "口头调解协议：李四当场搬走渔网，张三不再追究"


def test_an_oral_agreement_without_its_content_is_refused(t: Township) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, form="oral", terms=" ")
    assert (err.code, err.message, err.details) == (
        "missing_agreement_item", "口头调解协议须记录协议内容（《中华人民共和国人民调解法》第二十八条）", {"field": "terms"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"form": "sms"}, "invalid_form", "form"),
        ({"form": ""}, "missing_field", "form"),
        ({"effective_on": "2024-03-03"}, "invalid_effective_on", "effective_on"),  # before acceptance
        ({"effective_on": "2024-03-09"}, "invalid_effective_on", "effective_on"),  # in the future
        ({"effective_on": "9 March"}, "invalid_field", "effective_on"),
        (
            {"performance_due": "2024-03-07"},
            "invalid_performance_due",
            "performance_due",
        ),  # before it takes effect
        ({"performance_due": "soon"}, "invalid_field", "performance_due"),
        ({"witness": "王五"}, "unknown_field", None),
    ],
)
def test_bad_agreement_input_is_refused(
    t: Township, payload: dict[str, str], code: str, field: str | None
) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, **payload)
    assert (err.code, err.status, err.details.get("field")) == (code, 422, field)


def test_the_agreement_of_a_second_respondent(t: Township) -> None:
    # Three parties: all three particulars are checked, and all three sign (see test_documents)
    case = drive(t, "mediating", parties=[party(), party("李四", "respondent", LI),
                                          party("王五", "respondent", WANG, address="")]).case  # fmt: skip
    assert refused(t, case).message.endswith("第 3 名当事人（被申请人）缺少住址")
