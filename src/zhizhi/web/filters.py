"""The case list's URL parameters ↔ `cases.queries.WorkbenchFilter`.

The list page, its Excel export and every dashboard drill-down link speak these parameters
(`metrics.kpis.to_params` writes them); `parse` reads them back into the same filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext as _

from zhizhi.cases import types
from zhizhi.cases.models import Satisfaction
from zhizhi.cases.queries import SORTS, WorkbenchFilter

BOOL_PARAMS = (
    "overdue",
    "open",
    "dispatched",
    "resolved",
    "on_time",
    "visited",
    "visit_reached",
    "supervised",
    "returned",
    "reopened",
    "due_soon",
)
# URL parameter → WorkbenchFilter field
TEXT_PARAMS = {
    "type": "case_type",
    "status": "status",
    "category": "category",
    "region": "region",
    "channel": "channel",
    "department": "department",
    "assignee": "assignee",
    "q": "q",
    "satisfaction": "satisfaction",
    "created_by": "created_by",
    "sort": "sort",
}
DATE_PARAMS = ("received_from", "received_to")
# Shown as fields of the filter form; every other parameter is shown as a removable chip.
FORM_PARAMS = frozenset(
    {
        "q",
        "type",
        "status",
        "category",
        "channel",
        "region",
        "received_from",
        "received_to",
        "overdue",
        "sort",
    }
)
PAGE_PARAMS = frozenset({"page", "per_page"})
ALL_PARAMS = frozenset({*BOOL_PARAMS, *TEXT_PARAMS, *DATE_PARAMS})

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool_labels() -> dict[str, tuple[str, str]]:
    """(label when 1, label when 0) for each flag."""
    return {
        "overdue": (_("已超期"), _("未超期")),
        "open": (_("在办"), _("不在办")),
        "dispatched": (_("已派单"), _("未派单")),
        "resolved": (_("已办结"), _("未办结")),
        "on_time": (_("按时办结"), _("非按时办结")),
        "visited": (_("已回访"), _("未回访")),
        "visit_reached": (_("回访联系上"), _("回访未联系上")),
        "supervised": (_("督办过"), _("未督办")),
        "returned": (_("退单过"), _("未退单")),
        "reopened": (_("重办过"), _("未重办")),
        "due_soon": (_("即将到期"), _("非即将到期")),
    }


@dataclass(frozen=True)
class Chip:
    label: str
    remove_query: str  # the list querystring without this parameter


@dataclass
class Parsed:
    filter: WorkbenchFilter
    params: dict[str, str]  # the recognised, non-empty parameters, normalised
    errors: list[str] = field(default_factory=list)

    def query(self, **changes: str | None) -> str:
        """These parameters with some changed (None removes one), as a querystring."""
        values = dict(self.params)
        for k, v in changes.items():
            if v is None or v == "":
                values.pop(k, None)
            else:
                values[k] = v
        return urlencode(values)

    @property
    def status_choice(self) -> str:
        """What the status menu shows: a status, "open" (在办), or "" (all)."""
        if "status" in self.params:
            return self.params["status"]
        return "open" if self.params.get("open") == "1" else ""

    def _in_form(self, key: str) -> bool:
        # open=1 without a status is the status menu's "在办" entry
        return key in FORM_PARAMS or (key == "open" and self.status_choice == "open")

    def hidden_params(self) -> list[tuple[str, str]]:
        """Parameters the filter form has no field for: carried as hidden inputs."""
        return [(k, v) for k, v in self.params.items() if not self._in_form(k)]

    def chips(self, names: dict[str, dict[str, str]] | None = None) -> list[Chip]:
        """Removable labels for the active parameters the form does not show as fields."""
        names = names or {}
        labels = _bool_labels()
        out = []
        for k, v in self.params.items():
            if self._in_form(k):
                continue
            if k in labels:
                label = labels[k][0 if v == "1" else 1]
            elif k == "satisfaction":
                levels = [str(Satisfaction(s).label) for s in v.split(",") if s in Satisfaction.values]
                label = _("满意度") + "：" + "、".join(levels or [v])
            elif k == "department":
                label = _("承办部门") + "：" + names.get("department", {}).get(v, v)
            elif k == "assignee":
                label = _("承办人") + "：" + names.get("user", {}).get(v, v)
            elif k == "created_by":
                label = _("登记人") + "：" + names.get("user", {}).get(v, v)
            elif k == "type":
                ct = types.REGISTRY.get(v)
                label = _("类型") + "：" + (_(ct.name) if ct else v)
            else:
                label = f"{k}={v}"
            out.append(Chip(label=label, remove_query=self.query(**{k: None, "page": None})))
        return out


def parse(data: QueryDict | dict[str, str]) -> Parsed:
    """Read the list parameters. Unknown parameters are ignored; malformed values are errors."""
    values: dict[str, object] = {}
    params: dict[str, str] = {}
    errors: list[str] = []

    def get(name: str) -> str:
        raw = data.get(name, "")
        return (raw if isinstance(raw, str) else "").strip()

    for name in BOOL_PARAMS:
        raw = get(name).lower()
        if not raw:
            continue
        if raw in _TRUE:
            values[name], params[name] = True, "1"
        elif raw in _FALSE:
            values[name], params[name] = False, "0"
        else:
            errors.append(_("参数 %(name)s 须为 1 或 0") % {"name": name})
    for name, attr in TEXT_PARAMS.items():
        raw = get(name)[:100]
        if not raw:
            continue
        if name == "status" and raw == "open":  # the status menu's "在办" entry
            values["open"], params["open"] = True, "1"
            continue
        values[attr], params[name] = raw, raw
    for name in DATE_PARAMS:
        raw = get(name)
        if not raw:
            continue
        try:
            values[name] = date.fromisoformat(raw)
            params[name] = raw
        except ValueError:
            errors.append(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": raw})
    if "sort" in params and params["sort"] not in SORTS:
        errors.append(_("未知的排序：%(value)s") % {"value": params["sort"]})
        values.pop("sort")
        params.pop("sort")
    if "status" in params:
        known = types.all_states()
        bad = [s for s in params["status"].split(",") if s and s not in known]
        if bad:
            errors.append(_("未知的状态：%(value)s") % {"value": ", ".join(bad)})
    # Stable order for links: the order of the parameter tables above.
    ordered = {k: params[k] for k in (*BOOL_PARAMS, *TEXT_PARAMS, *DATE_PARAMS) if k in params}
    return Parsed(filter=WorkbenchFilter(**values), params=ordered, errors=errors)  # type: ignore[arg-type]
