"""bench.compare: the before/after table of docs/benchmarks.md."""

from __future__ import annotations

import json
from pathlib import Path

from bench.compare import compare, main


def write(directory: Path, name: str, table: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps({"benchmark": name, "table": table}), encoding="utf-8")


def row(figure: str, value: float | None, unit: str = "ms") -> dict:
    return {"benchmark": "lists (postgres)", "figure": figure, "value": value, "unit": unit}


def test_rows_in_both_runs_with_their_ratio(tmp_path: Path) -> None:
    write(tmp_path / "a", "lists", [row("first page p95", 551.156), row("only before", 3.0)])
    write(
        tmp_path / "b", "lists", [row("first page p95", 71.363), row("only after", 1.0), row("skipped", None)]
    )
    assert compare(tmp_path / "a", tmp_path / "b").splitlines() == [
        "| benchmark | figure | before | after | after ÷ before |",
        "|---|---|---|---|---|",
        "| lists (postgres) | first page p95 | 551 ms | 71.4 ms | 0.13 |",
    ]


def test_a_missing_directory_is_exit_code_2(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nope"), str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"not a directory: {tmp_path / 'nope'}\n"
