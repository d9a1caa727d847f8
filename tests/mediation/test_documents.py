"""The generated documents, read back with python-docx: exact paragraphs from the record."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tests.mediation.helpers import LI, WANG, act, at, drive, party, register
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case
from zhizhi.core.errors import DomainError
from zhizhi.mediation import documents
from zhizhi.mediation.models import Dispute

LAW = "《中华人民共和国人民调解法》"


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def build(t: Township, case: Case, kind: str = "agreement", by: str = "tj") -> tuple[str, list[str]]:
    name, data = documents.build(actor=t.users[by], case_id=case.pk, kind=kind, reason="送达当事人")
    return name, paragraphs(data)


def number(case: Case) -> str:
    return Dispute.objects.get(pk=case.pk).number


def test_the_written_agreement(t: Township) -> None:
    # Given 张三 and 李四's agreement, mediated by 陈明 and signed on 4 March 2024
    case = drive(t, "agreed").case
    # When the agreement is generated
    name, text = build(t, case)
    # Then it states every item of 第二十九条, the binding force, the 30 days and the signatures
    assert name == f"{number(case)}-agreement.docx"
    assert text == [
        "人民调解协议书",
        f"编号：{number(case)}",
        "申请人：张三，女，1949年12月31日出生，公民身份号码11010519491231002X，住六横镇杜庄村 8 号，联系电话13800138000。",
        "被申请人：李四，男，1991年1月1日出生，公民身份号码360426199101010071，住六横镇杜庄村 10 号，联系电话13900139000。",
        "纠纷的主要事实、争议事项：李四在两户共用通道堆放渔网，妨碍张三通行；争议事项为通道的使用和渔网的清理",
        "各方当事人的责任：李四堆放渔网妨碍通行，负主要责任；张三言语过激，负次要责任",
        "经六横镇人民调解委员会调解，各方当事人自愿达成如下协议：",
        "一、李四于2024年3月10日前清理通道上的渔网，今后不在通道堆放杂物。",
        "二、张三向李四赔礼道歉。",
        "履行方式：李四自行清理，人民调解员现场查看",
        "履行期限：2024年3月10日前。",
        "本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效"
        f"（{LAW}第二十九条）。本协议书一式三份，当事人各执一份，人民调解委员会留存一份。",
        f"经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行（{LAW}第三十一条）。"
        f"双方当事人认为有必要的，可以自本协议书生效之日起30日内共同向人民法院申请司法确认（{LAW}第三十三条）。",
        "当事人（签名、盖章或者按指印）：",
        "申请人：张三",
        "被申请人：李四",
        "人民调解员（签名）：陈明",
        "（人民调解委员会印章）",
        "六横镇人民调解委员会",
        "2024年3月4日",
    ]
    doc = Document(io.BytesIO(documents.build(actor=t.users["tj"], case_id=case.pk, kind="agreement")[1]))
    title, *_, seal, committee, day = doc.paragraphs
    assert (title.alignment, title.runs[0].bold, title.runs[0].font.size.pt) == (
        WD_ALIGN_PARAGRAPH.CENTER,
        True,
        22,
    )
    assert {p.alignment for p in (seal, committee, day)} == {WD_ALIGN_PARAGRAPH.RIGHT}


def test_a_village_committee_s_agreement_with_three_parties(t: Township) -> None:
    # Given a dispute of three parties mediated by the village cadre and 刘芳, signed on 12 March
    three = [
        party(),
        party("李四", "respondent", LI, phone=""),
        party("王五", "respondent", WANG, address="台门社区 3 号"),
    ]
    case = register(t, now=at("2024-03-04 09:00"), by="cadre_a", parties=three)
    act(t, case, "accept", by="cadre_a", now=at("2024-03-04 10:00"), mediators="cadre_a,tj2")
    act(t, case, "agree", by="cadre_a", now=at("2024-03-12 16:00"), effective_on="2024-03-11",
        performance_due="2024-03-31", terms="李四、王五于2024年3月31日前共同修缮通道。")  # fmt: skip
    _, text = build(t, case, by="cadre_a")
    assert text[2:5] == [
        "申请人：张三，女，1949年12月31日出生，公民身份号码11010519491231002X，住六横镇杜庄村 8 号，联系电话13800138000。",
        "被申请人：李四，男，1991年1月1日出生，公民身份号码360426199101010071，住六横镇杜庄村 8 号。",
        "被申请人：王五，男，1990年1月1日出生，公民身份号码330903199001011234，住台门社区 3 号，联系电话13800138000。",
    ]
    assert text[7:11] == [
        "经杜庄村人民调解委员会调解，各方当事人自愿达成如下协议：",
        "李四、王五于2024年3月31日前共同修缮通道。",
        "履行方式：李四自行清理，人民调解员现场查看",
        "履行期限：2024年3月31日前。",
    ]
    assert "本协议书一式四份" in text[11]
    assert text[-7:] == [
        "申请人：张三",
        "被申请人：李四",
        "被申请人：王五",
        "人民调解员（签名）：cadre_a、刘芳",
        "（人民调解委员会印章）",
        "杜庄村人民调解委员会",
        "2024年3月11日",
    ]


def test_the_termination_notice(t: Township) -> None:
    case = drive(t, "mediating").case  # accepted 4 March
    act(t, case, "fail", now=at("2024-03-20 10:00"))
    name, text = build(t, case, "termination")
    assert name == f"{number(case)}-termination.docx"
    assert text == [
        "终止调解告知书",
        f"编号：{number(case)}",
        "张三、李四：",
        "你们之间的邻里纠纷，本委员会于2024年3月4日受理调解。",
        f"因双方对通道的使用分歧较大，调解不成。根据{LAW}第二十六条的规定，本委员会终止调解。",
        "各方当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。",
        "六横镇人民调解委员会",
        "2024年3月20日",
    ]


@pytest.mark.parametrize(
    ("state", "kind", "code"),
    [
        ("mediating", "agreement", "not_agreed"),
        ("failed", "agreement", "not_agreed"),
        ("agreed", "termination", "not_failed"),
        ("referred", "termination", "not_failed"),
        ("agreed", "letter", "unknown_document"),
    ],
)
def test_a_document_before_its_record_is_refused(t: Township, state: str, kind: str, code: str) -> None:
    case = drive(t, state).case
    with pytest.raises(DomainError) as exc:
        documents.build(actor=t.users["tj"], case_id=case.pk, kind=kind)
    assert exc.value.code == code
    assert PersonalDataAccess.objects.count() == 0


def test_an_oral_agreement_has_no_written_document(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "agree", now=at("2024-03-05 10:00"), form="oral", terms="李四当场搬走渔网",
        facts=None, responsibilities=None, performance_manner=None, performance_due=None)  # fmt: skip
    with pytest.raises(DomainError) as exc:
        documents.build(actor=t.users["tj"], case_id=case.pk, kind="agreement")
    assert (exc.value.code, exc.value.status) == ("oral_agreement", 409)


def test_generating_a_document_is_a_logged_personal_data_access(t: Township) -> None:
    case = drive(t, "agreed").case
    build(t, case)
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.object_type, row.object_id, row.fields, row.reason) == (
        t.users["tj"], "dispute", str(case.pk), "name,id_number,phone,address", "送达当事人",
    )  # fmt: skip
    # A leader (no personal data in full) and a cadre of another village (cannot see it) may not
    for by, code in [("leader", "forbidden_personal_data"), ("cadre_b", "dispute_not_found")]:
        with pytest.raises(DomainError) as exc:
            build(t, case, by=by)
        assert exc.value.code == code
    assert PersonalDataAccess.objects.count() == 1


def test_the_command_writes_the_document(t: Township, tmp_path: Path) -> None:
    case = drive(t, "agreed").case
    out = tmp_path / "agreement.docx"
    stdout = io.StringIO()
    call_command("mediation", "document", str(case.pk), "agreement", str(out), "--user", "tj", stdout=stdout)
    assert paragraphs(out.read_bytes())[0] == "人民调解协议书"
    assert stdout.getvalue() == f"wrote {out} ({number(case)}-agreement.docx)\n"
    with pytest.raises(CommandError, match="当前角色无权生成含当事人个人信息的文书"):
        call_command("mediation", "document", str(case.pk), "agreement", str(out), "--user", "leader")
    with pytest.raises(CommandError, match="人员不存在或已停用：nobody"):
        call_command("mediation", "document", str(case.pk), "agreement", str(out), "--user", "nobody")


def test_numbers_in_words() -> None:
    assert [documents.cn_number(n) for n in (1, 3, 10, 12, 20, 35, 99, 100)] == [
        "一", "三", "十", "十二", "二十", "三十五", "九十九", "100",
    ]  # fmt: skip
