"""The petition's written documents as .docx, generated from the record (python-docx).

- `acceptance_notice`: 受理告知书 / 不予受理告知书 / 转送告知书 (第二十三条: written notice of the
  acceptance decision).
- `extension_notice`: 延期办理告知书 (第三十四条: the reason for the extension is told).
- `opinion_document`: 处理意见书 (第三十二条: request, facts and reasons, the decision and its basis),
  复查意见书 (第三十五条), 复核意见书 (第三十六条), each with the petitioner's next remedy.

Every paragraph is plain text in one run, so a test (or a clerk's template check) can read the
document back paragraph by paragraph. `build(actor, case_id, kind)` is the entry point for the
edges: the documents carry the petitioners' names, so it checks scope and the personal-data role
and writes a `PersonalDataAccess` row.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from django.conf import settings
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from zhizhi.accounts.models import User
from zhizhi.cases.models import SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhizhi.petitions import clocks, queries
from zhizhi.petitions.models import Acceptance, Level, Opinion, Petition, Stage
from zhizhi.territory.models import Level as RegionLevel
from zhizhi.territory.models import Region

KINDS = ("notice", "extension", "reply", "review", "re_review")
OPINION_TITLES = {
    Level.REPLY: "信访事项处理意见书",
    Level.REVIEW: "信访事项复查意见书",
    Level.RE_REVIEW: "信访事项复核意见书",
}
NOTICE_TITLES = {
    Acceptance.ACCEPT: "信访事项受理告知书",
    Acceptance.NOT_ACCEPT: "信访事项不予受理告知书",
    Acceptance.REFER: "信访事项转送告知书",
}


def cn_date(d: date | datetime) -> str:
    day = calendar.local_date(d) if isinstance(d, datetime) else d
    return f"{day.year}年{day.month}月{day.day}日"


def span(policy: SlaPolicy) -> str:
    """A policy's limit as the law writes it: 60日, 15个工作日, 48小时."""
    unit = {"days": "日", "working_days": "个工作日", "hours": "小时"}.get(policy.unit, policy.unit)
    return f"{policy.target}{unit}"


def office(petition: Petition) -> str:
    """The signing office: settings.ZHIZHI_PETITION_OFFICE, else the town's 人民政府."""
    configured = getattr(settings, "ZHIZHI_PETITION_OFFICE", "")
    if configured:
        return str(configured)
    region = petition.case.region
    codes = [c for c in region.path.split("/") if c]
    town = Region.objects.filter(code__in=codes, level=RegionLevel.TOWN).first()
    return f"{(town or region).name}人民政府"


def petitioner_names(petition: Petition) -> str:
    """The representatives (or every petitioner registered), and the number of people if more."""
    people = list(petition.petitioners.all())
    named = [p.name for p in people if p.is_representative] or [p.name for p in people]
    text = "、".join(named)
    return f"{text}等{petition.people_count}人" if petition.people_count > len(named) else text


def _you(petition: Petition) -> str:
    return "你们" if petition.people_count > 1 else "你"


def _new() -> DocumentObject:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    return doc


def _title(doc: DocumentObject, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.bold = True
    run.font.size = Pt(22)


def _signature(doc: DocumentObject, petition: Petition, when: datetime) -> None:
    for text in (office(petition), cn_date(when)):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _opening(doc: DocumentObject, petition: Petition) -> None:
    form = petition.get_form_display()
    doc.add_paragraph(f"登记编号：{petition.number}")
    doc.add_paragraph(f"{petitioner_names(petition)}：")
    doc.add_paragraph(
        f"{_you(petition)}于{cn_date(petition.case.received_at)}以{form}形式提出的信访事项收悉。"
    )
    doc.add_paragraph(f"信访请求：{petition.request}")


def acceptance_notice(petition: Petition) -> DocumentObject:
    """The written notice of the acceptance decision (第二十三条)."""
    if not petition.acceptance or petition.decided_at is None:
        raise Conflict("not_decided", "尚未作出受理决定，不能生成告知书")
    doc = _new()
    _title(doc, NOTICE_TITLES[Acceptance(petition.acceptance)])
    _opening(doc, petition)
    if petition.acceptance == Acceptance.ACCEPT:
        doc.add_paragraph(
            "经审查，该信访事项属于本机关职权范围，根据《信访工作条例》第二十三条的规定，决定予以受理。"
        )
        doc.add_paragraph(
            f"本机关将自受理之日起{span(clocks.policy(Stage.HANDLING))}内办结，"
            "并出具书面处理意见（《信访工作条例》第三十四条）。"
        )
    elif petition.acceptance == Acceptance.NOT_ACCEPT:
        doc.add_paragraph("经审查，该信访事项不予受理。")
        doc.add_paragraph(f"理由：{petition.not_accepted_reason}")
    else:
        doc.add_paragraph(
            f"经审查，该信访事项不属于本机关职权范围，根据《信访工作条例》第二十三条的规定，"
            f"已转送{petition.referred_to}处理，请向该机关了解办理情况。"
        )
    _signature(doc, petition, petition.decided_at)
    return doc


def extension_notice(petition: Petition) -> DocumentObject:
    """The written notice of an extension and its reason (第三十四条)."""
    if (
        not petition.extension_days
        or petition.extended_at is None
        or petition.extended_due_at is None
        or petition.accepted_at is None
    ):
        raise Conflict("not_extended", "办理期限未延长，不能生成延期告知书")
    doc = _new()
    _title(doc, "信访事项延期办理告知书")
    _opening(doc, petition)
    doc.add_paragraph(f"本机关已于{cn_date(petition.accepted_at)}受理该信访事项。")
    doc.add_paragraph(
        f"因{petition.extension_reason}，经本机关负责人批准，办理期限延长{petition.extension_days}日，"
        f"至{cn_date(petition.extended_due_at)}（《信访工作条例》第三十四条）。"
    )
    _signature(doc, petition, petition.extended_at)
    return doc


def _remedy(level: str) -> str:
    if level == Level.REPLY:
        window = span(clocks.policy(Stage.REVIEW_REQUEST))
        return (
            f"如对本处理意见不服，可以自收到本意见书之日起{window}内"
            "请求原办理机关的上一级机关复查（《信访工作条例》第三十五条）。"
        )
    if level == Level.REVIEW:
        window = span(clocks.policy(Stage.RE_REVIEW_REQUEST))
        return (
            f"如对本复查意见不服，可以自收到本意见书之日起{window}内"
            "向复查机关的上一级机关请求复核（《信访工作条例》第三十六条）。"
        )
    return (
        "对本复核意见不服，仍然以同一事实和理由提出信访事项的，各级党委和政府信访部门和其他机关、单位"
        "不再受理（《信访工作条例》第三十六条）。"
    )


def opinion_document(petition: Petition, level: str) -> DocumentObject:
    """处理意见书 / 复查意见书 / 复核意见书: 信访人投诉请求、事实和理由、处理意见及其依据 (第三十二条)."""
    row: Opinion | None = petition.opinion(level)
    if row is None or row.answered_at is None:
        raise Conflict("not_answered", f"尚未出具{Level(level).label}，不能生成文书")
    doc = _new()
    _title(doc, OPINION_TITLES[Level(level)])
    doc.add_paragraph(f"登记编号：{petition.number}")
    doc.add_paragraph(f"信访人：{petitioner_names(petition)}")
    doc.add_paragraph(f"信访请求：{petition.request}")
    doc.add_paragraph(f"事实和理由：{petition.facts_and_reasons}")
    if level != Level.REPLY:
        doc.add_paragraph(f"{'复查' if level == Level.REVIEW else '复核'}请求：{row.request}")
    doc.add_paragraph(f"处理意见：{row.get_decision_display()}。{row.opinion}")
    doc.add_paragraph(f"依据：{row.basis}")
    doc.add_paragraph(_remedy(level))
    _signature(doc, petition, row.answered_at)
    return doc


def document(petition: Petition, kind: str) -> DocumentObject:
    if kind == "notice":
        return acceptance_notice(petition)
    if kind == "extension":
        return extension_notice(petition)
    if kind in Level.values:
        return opinion_document(petition, kind)
    raise ValidationFailed("unknown_document", f"未知的文书：{kind}（可选 {', '.join(KINDS)}）")


def to_bytes(doc: DocumentObject) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build(*, actor: User, case_id: int, kind: str, reason: str = "") -> tuple[str, bytes]:
    """(file name, .docx bytes) of one document of a petition the actor may see, for a role that may
    see the petitioners' names; writes a PersonalDataAccess row."""
    petition = queries.get_petition(actor, case_id)
    if not queries.can_view_personal(actor, petition.case):
        raise PermissionDenied("forbidden_personal_data", "当前角色无权生成含信访人信息的文书")
    doc = document(petition, kind)
    queries.log_access(actor, "petition", petition.case_id, "name", reason or f"生成文书：{kind}")
    return f"{petition.number}-{kind}.docx", to_bytes(doc)
