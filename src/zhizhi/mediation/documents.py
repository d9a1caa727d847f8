"""The mediation documents as .docx, generated from the record (python-docx).

- `agreement_document`: 人民调解协议书 (人民调解法第二十九条: the parties' particulars; the main facts,
  the matters in dispute and each party's responsibility; the terms, the manner and the time of
  performance; when it takes effect), with the binding force (第三十一条) and the 30 days to apply for
  judicial confirmation (第三十三条), and the signature lines.
- `termination_notice`: 终止调解告知书 (第二十六条: mediation failed; the parties' other ways).

Every paragraph is plain text in one run, so a test (or a clerk's template check) can read the
document back paragraph by paragraph. `build(actor, case_id, kind)` is the entry point for the edges:
the documents carry the parties' personal data, so it checks scope and the personal-data role and
writes a `PersonalDataAccess` row.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from zhizhi.accounts.models import User
from zhizhi.cases.models import SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhizhi.mediation import clocks, queries
from zhizhi.mediation.models import AgreementForm, Dispute, DisputeKind, Outcome, Party, PartyRole, Stage

KINDS = ("agreement", "termination")
LAW = "《中华人民共和国人民调解法》"


def cn_date(d: date | datetime) -> str:
    day = calendar.local_date(d) if isinstance(d, datetime) else d
    return f"{day.year}年{day.month}月{day.day}日"


DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """A count as written in a document: 三, 十二, 二十 (1 to 99; larger counts stay in digits)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return f"{'' if tens == 1 else DIGITS[tens]}十{DIGITS[ones] if ones else ''}"


def span(policy: SlaPolicy) -> str:
    """A policy's limit as the law writes it: 30日, 3个工作日, 48小时."""
    unit = {"days": "日", "working_days": "个工作日", "hours": "小时"}.get(policy.unit, policy.unit)
    return f"{policy.target}{unit}"


def particulars(party: Party) -> str:
    """当事人的基本情况: name, sex and date of birth (from the ID number), ID number, address, phone."""
    parts = [party.name]
    number = party.id_number
    if len(number) == 18:
        parts.append("男" if int(number[16]) % 2 else "女")
        parts.append(f"{cn_date(date(int(number[6:10]), int(number[10:12]), int(number[12:14])))}出生")
        parts.append(f"公民身份号码{number}")
    if party.address:
        parts.append(f"住{party.address}")
    if party.phone:
        parts.append(f"联系电话{party.phone}")
    return f"{PartyRole(party.role).label}：{'，'.join(parts)}。"


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


def _lines(doc: DocumentObject, text: str) -> None:
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


def _signature(doc: DocumentObject, dispute: Dispute, day: date | datetime) -> None:
    for text in (dispute.committee, cn_date(day)):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _mediator_names(dispute: Dispute) -> str:
    return "、".join(str(u) for u in queries.mediators(dispute))


def agreement_document(dispute: Dispute) -> DocumentObject:
    """人民调解协议书 (第二十九条)."""
    agreement = getattr(dispute, "agreement", None) if dispute.outcome == Outcome.AGREEMENT else None
    if agreement is None:
        raise Conflict("not_agreed", "尚未达成调解协议，不能生成调解协议书")
    if agreement.form != AgreementForm.WRITTEN or agreement.performance_due is None:
        raise Conflict(
            "oral_agreement", "口头调解协议由人民调解员记录协议内容（第二十八条），不制作调解协议书"
        )
    parties = list(dispute.parties.all())
    doc = _new()
    _title(doc, "人民调解协议书")
    doc.add_paragraph(f"编号：{dispute.number}")
    for party in parties:
        doc.add_paragraph(particulars(party))
    doc.add_paragraph(f"纠纷的主要事实、争议事项：{agreement.facts}")
    doc.add_paragraph(f"各方当事人的责任：{agreement.responsibilities}")
    doc.add_paragraph(f"经{dispute.committee}调解，各方当事人自愿达成如下协议：")
    _lines(doc, agreement.terms)
    doc.add_paragraph(f"履行方式：{agreement.performance_manner}")
    doc.add_paragraph(f"履行期限：{cn_date(agreement.performance_due)}前。")
    doc.add_paragraph(
        "本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效"
        f"（{LAW}第二十九条）。本协议书一式{cn_number(len(parties) + 1)}份，当事人各执一份，人民调解委员会留存一份。"
    )
    doc.add_paragraph(
        f"经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行（{LAW}第三十一条）。"
        f"双方当事人认为有必要的，可以自本协议书生效之日起{span(clocks.policy(Stage.JUDICIAL_CONFIRMATION))}内"
        f"共同向人民法院申请司法确认（{LAW}第三十三条）。"
    )
    doc.add_paragraph("当事人（签名、盖章或者按指印）：")
    for party in parties:
        doc.add_paragraph(f"{PartyRole(party.role).label}：{party.name}")
    doc.add_paragraph(f"人民调解员（签名）：{_mediator_names(dispute)}")
    doc.add_paragraph("（人民调解委员会印章）").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _signature(doc, dispute, agreement.effective_on)
    return doc


def termination_notice(dispute: Dispute) -> DocumentObject:
    """终止调解告知书 (第二十六条)."""
    if dispute.outcome != Outcome.FAILED or dispute.concluded_at is None or dispute.accepted_at is None:
        raise Conflict("not_failed", "调解未终止，不能生成终止调解告知书")
    names = "、".join(p.name for p in dispute.parties.all())
    doc = _new()
    _title(doc, "终止调解告知书")
    doc.add_paragraph(f"编号：{dispute.number}")
    doc.add_paragraph(f"{names}：")
    doc.add_paragraph(
        f"你们之间的{DisputeKind(dispute.kind).label}，本委员会于{cn_date(dispute.accepted_at)}受理调解。"
    )
    doc.add_paragraph(f"因{dispute.failure_reason}，调解不成。根据{LAW}第二十六条的规定，本委员会终止调解。")
    doc.add_paragraph(dispute.termination_notice)
    _signature(doc, dispute, dispute.concluded_at)
    return doc


def document(dispute: Dispute, kind: str) -> DocumentObject:
    if kind == "agreement":
        return agreement_document(dispute)
    if kind == "termination":
        return termination_notice(dispute)
    raise ValidationFailed("unknown_document", f"未知的文书：{kind}（可选 {', '.join(KINDS)}）")


def to_bytes(doc: DocumentObject) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build(*, actor: User, case_id: int, kind: str, reason: str = "") -> tuple[str, bytes]:
    """(file name, .docx bytes) of one document of a dispute the actor may see, for a role that may see
    the parties' personal data; writes a PersonalDataAccess row."""
    dispute = queries.get_dispute(actor, case_id)
    if not queries.can_view_personal(actor, dispute.case):
        raise PermissionDenied("forbidden_personal_data", "当前角色无权生成含当事人个人信息的文书")
    doc = document(dispute, kind)
    queries.log_access(actor, "dispute", dispute.case_id, queries.PARTY_FIELDS, reason or f"生成文书：{kind}")
    return f"{dispute.number}-{kind}.docx", to_bytes(doc)
