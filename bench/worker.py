"""`python -m bench.worker TASK PARAMS_JSON OUT_JSON`: one benchmark task inside Django, against
the database in DATABASE_URL (settings: bench.settings). Migrates first."""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    task, params, out = argv[0], json.loads(argv[1]), argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from bench.tasks import TASKS, drop_sessions, drop_tokens

    started = time.monotonic()
    try:
        result = TASKS[task](params)
    finally:
        drop_tokens()
        drop_sessions()
    result["task_seconds"] = round(time.monotonic() - started, 2)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=2, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
