"""English through Django i18n: the workbench renders English when asked, Chinese by default, and
the committed catalogue (src/zhizhi/locale/en) is complete and compiled (docs/i18n.md)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.web.conftest import PASSWORD
from zhizhi.cases.workflow import BASE_WORKFLOW

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


def client(lang: str | None, username: str | None = None) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang) if lang else Client()
    if username:
        assert c.login(username=username, password=PASSWORD)
    return c


def page(c: Client, url: str) -> str:
    r = c.get(url)
    assert r.status_code == 200, url
    return r.content.decode()


def assert_shows(html: str, present: list[str], absent: list[str]) -> None:
    for s in present:
        assert s in html, s
    for s in absent:
        assert s not in html, s


# (English, Chinese) pairs each page must show in the one language and not in the other.
LOGIN = [("Log in", "登录"), ("Username", "用户名"), ("Password", "密码")]
DESK = [
    ("Desk", "工作台"),
    ("Due soon", "即将到期"),
    ("To dispatch (including returned)", "待派单（含退回）"),
    ("Cases by status", "各状态工单数"),
]
CASE_LIST = [
    ("Keywords", "关键词"),
    ("Export to Excel", "导出 Excel"),
    ("Received from", "受理日期从"),
    ("Case list", "工单列表"),
]
CASE_DETAIL = [("Timeline", "办理记录"), ("Case details", "工单信息"), ("Handling department", "承办部门")]


def _check(html: str, pairs: list[tuple[str, str]], english: bool) -> None:
    en = [e for e, _ in pairs]
    zh = [z for _, z in pairs]
    assert_shows(html, en if english else zh, zh if english else en)


@pytest.mark.parametrize("english", [True, False], ids=["en", "zh-hans"])
def test_login_page(township, english):
    html = page(client("en" if english else None), "/login/")
    _check(html, LOGIN, english)
    assert ('<html lang="en">' if english else '<html lang="zh-hans">') in html


@pytest.mark.parametrize("english", [True, False], ids=["en", "zh-hans"])
def test_desk_list_and_detail(world, english):
    c = client("en" if english else None, "dispatcher")
    _check(page(c, "/"), DESK, english)
    _check(page(c, "/cases/"), CASE_LIST, english)
    detail = page(c, f"/cases/{world.a_open.pk}/")
    _check(detail, CASE_DETAIL, english)
    # The status badge (a model choice) and the timeline's action label (a workflow label).
    if english:
        assert_shows(detail, ["Dispatched", "Registered"], ["已派单"])
    else:
        assert_shows(detail, ["已派单", "登记"], ["Dispatched", "Registered"])


def test_choosing_english_with_setlang_sticks(township):
    c = client(None, "dispatcher")
    assert "工作台" in page(c, "/")
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    assert_shows(page(c, "/"), ["Desk"], ["工作台"])
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert_shows(page(c, "/"), ["工作台"], ["Desk"])


def test_every_workflow_action_label_is_translated():
    with translation.override("en"):
        missing = [a.label for a in BASE_WORKFLOW.actions.values() if translation.gettext(a.label) == a.label]
    assert missing == []


# The catalogue itself ---------------------------------------------------------------------------


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries: list[dict] = []
    cur: dict = {}
    key: tuple[str, int] | str | None = None

    def flush() -> None:
        if "msgid" in cur:
            entries.append(dict(cur))
        cur.clear()
        cur.update(flags=[], msgstr=[], obsolete=False)

    flush()
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            cur["obsolete"] = True
        elif line.startswith("#,"):
            cur["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif m := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line):
            value = ast.literal_eval(m.group(3))
            if m.group(1).startswith("msgstr"):
                cur["msgstr"].append(value)
                key = ("msgstr", len(cur["msgstr"]) - 1)
            else:
                cur[m.group(1)] = value
                key = m.group(1)
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, tuple):
                cur["msgstr"][key[1]] += value
            elif key:
                cur[key] += value
        else:
            raise AssertionError(f"unparsed .po line: {raw!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    return parse_po(PO)


def placeholders(s: str) -> list[str]:
    return sorted(p for p in re.findall(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]", s) if p != "%%")


def test_po_is_complete(po_entries):
    messages = [e for e in po_entries if e["msgid"]]
    assert len(messages) > 500
    assert [e["msgid"] for e in po_entries if e["obsolete"]] == []
    assert [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in messages if not all(e["msgstr"])] == []
    plural = [e for e in messages if "msgid_plural" in e]
    assert plural
    assert all(len(e["msgstr"]) == 2 for e in plural)
    bad = [
        (e["msgid"], s)
        for e in messages
        if "python-format" in e["flags"]
        for s in e["msgstr"]
        if placeholders(s) != placeholders(e["msgid"])
    ]
    assert bad == []


def test_mo_is_compiled_from_the_po(po_entries):
    """The committed .mo says what the .po says: run `make messages` after editing the .po."""
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in po_entries:
        if not e["msgid"] or e["obsolete"]:
            continue
        if "msgid_plural" in e:
            got = [
                mo.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], n)
                if "msgctxt" in e
                else mo.ngettext(e["msgid"], e["msgid_plural"], n)
                for n in (1, 2)
            ]
        else:
            got = [mo.pgettext(e["msgctxt"], e["msgid"]) if "msgctxt" in e else mo.gettext(e["msgid"])]
        if got != e["msgstr"]:
            stale.append((e["msgid"], got, e["msgstr"]))
    assert stale == []
