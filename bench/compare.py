"""`python -m bench.compare BEFORE_DIR AFTER_DIR`: one markdown table of the figures two runs share.

Rows are matched by (benchmark, figure); `change` is after ÷ before (below 1 is faster for times,
above 1 is more for rates). Used for the before/after tables in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import fmt


def rows(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")).get("table", []):
            if row.get("value") is not None:
                out[(row["benchmark"], row["figure"])] = row
    return out


def compare(before: Path, after: Path) -> str:
    a, b = rows(before), rows(after)
    lines = ["| benchmark | figure | before | after | after ÷ before |", "|---|---|---|---|---|"]
    for key, new in b.items():
        old = a.get(key)
        if old is None:
            continue
        change = new["value"] / old["value"] if old["value"] else None
        lines.append(
            f"| {key[0]} | {key[1]} | {fmt(old['value'], old['unit'])} | {fmt(new['value'], new['unit'])} "
            f"| {'—' if change is None else f'{change:.2f}'} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.compare BEFORE_DIR AFTER_DIR", file=sys.stderr)
        return 2
    before, after = (Path(x) for x in argv)
    for d in (before, after):
        if not d.is_dir():
            print(f"not a directory: {d}", file=sys.stderr)
            return 2
    print(compare(before, after))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
