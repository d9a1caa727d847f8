"""Results: one JSON file per benchmark, and the table printed at the end of a run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class Row:
    benchmark: str
    figure: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_what: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> str:
    head = ["benchmark", "figure", "value", "baseline", "ratio", "target", "pass"]
    body = []
    for r in rows:
        body.append(
            [
                r.benchmark,
                r.figure,
                fmt(r.value, r.unit),
                fmt(r.baseline, r.unit) + (f" ({r.baseline_what})" if r.baseline_what else ""),
                "—" if r.ratio is None else (f"{r.ratio:.3f}" if r.ratio < 10 else f"{r.ratio:.0f}"),
                r.target or "—",
                {True: "PASS", False: "FAIL", None: "—"}[r.passed] + (f" {r.note}" if r.note else ""),
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(b) for b in body)])


def write(path: Path, payload: dict[str, Any], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**payload, "table": [asdict(r) for r in rows]}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
