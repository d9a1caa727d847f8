"""The generated documents, read back with python-docx: exact paragraphs from the record."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tests.petitions.helpers import LI, WANG, act, at, drive, person, register
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case
from zhizhi.core.errors import DomainError
from zhizhi.petitions import documents
from zhizhi.petitions.models import Petition


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def build(t: Township, case: Case, kind: str, by: str = "xf") -> tuple[str, list[str]]:
    name, data = documents.build(actor=t.users[by], case_id=case.pk, kind=kind, reason="送达")
    return name, paragraphs(data)


def number(case: Case) -> str:
    return Petition.objects.get(pk=case.pk).number


def test_the_acceptance_notice(t: Township) -> None:
    # Given 张三's visit of 4 March 2024, accepted on 5 March
    case = register(t, now=at("2024-03-04 09:00"))
    act(t, case, "accept", now=at("2024-03-05 10:00"))
    # When the notice is generated
    name, text = build(t, case, "notice")
    # Then it says what was asked, the decision, the article and the time limit
    assert name == f"{number(case)}-notice.docx"
    assert text == [
        "信访事项受理告知书",
        f"登记编号：{number(case)}",
        "张三：",
        "你于2024年3月4日以走访形式提出的信访事项收悉。",
        "信访请求：要求支付拖欠的工资 3 万元",
        "经审查，该信访事项属于本机关职权范围，根据《信访工作条例》第二十三条的规定，决定予以受理。",
        "本机关将自受理之日起60日内办结，并出具书面处理意见（《信访工作条例》第三十四条）。",
        "六横镇人民政府",
        "2024年3月5日",
    ]
    doc = Document(io.BytesIO(documents.build(actor=t.users["xf"], case_id=case.pk, kind="notice")[1]))
    title, *_, office, day = doc.paragraphs
    assert (title.alignment, title.runs[0].bold) == (WD_ALIGN_PARAGRAPH.CENTER, True)
    assert (office.alignment, day.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT)


def test_the_notice_of_a_group_letter_not_accepted(t: Township) -> None:
    petitioners = [
        person("李四", LI, is_representative=True),
        person("王五", WANG, is_representative=True),
        person("赵六", ""),
    ]
    case = register(t, now=at("2024-03-04 09:00"), form="letter", petitioners=petitioners, people_count=8)
    act(
        t,
        case,
        "not_accept",
        now=at("2024-03-18 16:00"),
        reason="该事项已经人民法院判决，应当通过诉讼程序解决",
    )
    _, text = build(t, case, "notice")
    assert text == [
        "信访事项不予受理告知书",
        f"登记编号：{number(case)}",
        "李四、王五等8人：",
        "你们于2024年3月4日以书信形式提出的信访事项收悉。",
        "信访请求：要求支付拖欠的工资 3 万元",
        "经审查，该信访事项不予受理。",
        "理由：该事项已经人民法院判决，应当通过诉讼程序解决",
        "六横镇人民政府",
        "2024年3月18日",
    ]


def test_the_notice_of_a_referral(t: Township) -> None:
    case = drive(t, "referred", form="online").case  # referred on 4 March, 10:00
    _, text = build(t, case, "notice")
    assert text[0] == "信访事项转送告知书"
    assert text[3] == "你于2024年3月4日以网络形式提出的信访事项收悉。"
    assert text[5:] == [
        "经审查，该信访事项不属于本机关职权范围，根据《信访工作条例》第二十三条的规定，"
        "已转送普陀区人力资源和社会保障局处理，请向该机关了解办理情况。",
        "六横镇人民政府",
        "2024年3月4日",
    ]


def test_the_extension_notice_tells_the_reason(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    act(t, case, "accept", now=at("2024-03-05 10:00"))
    act(t, case, "extend", now=at("2024-04-30 09:00"), days=20, reason="需调取船厂账册核实")
    _, text = build(t, case, "extension")
    assert text == [
        "信访事项延期办理告知书",
        f"登记编号：{number(case)}",
        "张三：",
        "你于2024年3月4日以走访形式提出的信访事项收悉。",
        "信访请求：要求支付拖欠的工资 3 万元",
        "本机关已于2024年3月5日受理该信访事项。",
        "因需调取船厂账册核实，经本机关负责人批准，办理期限延长20日，至2024年5月24日（《信访工作条例》第三十四条）。",
        "六横镇人民政府",
        "2024年4月30日",
    ]


def test_the_reply_states_request_facts_decision_and_basis(t: Township) -> None:
    case = drive(t, "handling").case
    act(
        t, case, "reply", now=at("2024-04-20 15:00"), decision="not_support",
        opinion="经调查，你与船厂之间不存在劳动关系，工资已由承包人结清",
        basis="《中华人民共和国劳动合同法》第七条",
    )  # fmt: skip
    _, text = build(t, case, "reply")
    assert text == [
        "信访事项处理意见书",
        f"登记编号：{number(case)}",
        "信访人：张三",
        "信访请求：要求支付拖欠的工资 3 万元",
        "事实和理由：2023 年在某船厂务工 6 个月，工资至今未付",
        "处理意见：不予支持。经调查，你与船厂之间不存在劳动关系，工资已由承包人结清",
        "依据：《中华人民共和国劳动合同法》第七条",
        "如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查（《信访工作条例》第三十五条）。",
        "六横镇人民政府",
        "2024年4月20日",
    ]


def test_the_review_and_re_review_opinions(t: Township) -> None:
    case = drive(t, "re_reviewed").case  # every step on 4 March 2024
    _, review = build(t, case, "review")
    assert review[0] == "信访事项复查意见书"
    assert review[5:8] == [
        "复查请求：认为处理意见未落实",
        "处理意见：予以支持。责成船厂于 30 日内支付拖欠工资",
        "依据：《保障农民工工资支付条例》第三条",
    ]
    assert review[8] == (
        "如对本复查意见不服，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核（《信访工作条例》第三十六条）。"
    )
    _, final = build(t, case, "re_review")
    assert final[0] == "信访事项复核意见书"
    assert final[5] == "复核请求：对复查意见不服"
    assert final[8:] == [
        "对本复核意见不服，仍然以同一事实和理由提出信访事项的，各级党委和政府信访部门和其他机关、单位不再受理"
        "（《信访工作条例》第三十六条）。",
        "六横镇人民政府",
        "2024年3月4日",
    ]


def test_a_document_before_its_record_is_refused(t: Township) -> None:
    case = drive(t, "registered").case
    for kind, code in [("notice", "not_decided"), ("reply", "not_answered"), ("extension", "not_extended")]:
        with pytest.raises(DomainError) as exc:
            documents.build(actor=t.users["xf"], case_id=case.pk, kind=kind)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        documents.build(actor=t.users["xf"], case_id=case.pk, kind="letter")
    assert exc.value.code == "unknown_document"


def test_generating_a_document_is_a_logged_personal_data_access(t: Township) -> None:
    case = drive(t, "handling").case
    build(t, case, "notice")
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.object_type, row.object_id, row.fields, row.reason) == (
        t.users["xf"], "petition", str(case.pk), "name", "送达",
    )  # fmt: skip
    # A leader (no personal data in full) and a cadre of another village (cannot see it) may not
    for by, code in [("leader", "forbidden_personal_data"), ("cadre_b", "petition_not_found")]:
        with pytest.raises(DomainError) as exc:
            build(t, case, "notice", by=by)
        assert exc.value.code == code
    assert PersonalDataAccess.objects.count() == 1


def test_the_command_writes_the_document(t: Township, tmp_path: Path) -> None:
    case = drive(t, "answered").case
    out = tmp_path / "reply.docx"
    call_command(
        "petitions", "document", str(case.pk), "reply", str(out), "--user", "xf", stdout=io.StringIO()
    )
    assert paragraphs(out.read_bytes())[0] == "信访事项处理意见书"
    with pytest.raises(CommandError, match="当前角色无权生成含信访人信息的文书"):
        call_command("petitions", "document", str(case.pk), "reply", str(out), "--user", "leader")
