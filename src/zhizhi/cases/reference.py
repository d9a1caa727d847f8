"""Reference data that every intake reads: categories, request natures and SLA policies; and the
labels every list shows (category, nature and department names, by id).

These tables change a few times a year (an admin edits a policy) while a create reads all three on
every call; at hundreds of creates a second the three lookups were a third of a create's time
(docs/benchmarks.md). So each process keeps one snapshot of them, the way `territory.locate` keeps
its index:

- the snapshot carries a *version* token kept in `django.core.cache` (read once per request:
  `core.versions`); every save or delete of these models replaces the token (now, and again on
  commit — the receivers below), and a read that finds a different token rebuilds the snapshot;
- a snapshot older than `RECHECK_SECONDS` is rebuilt regardless, so a process whose cache is not
  shared with the writer (the default local-memory cache, several server processes) sees an edit
  within that time;
- code that writes these tables without signals (`QuerySet.update`, `bulk_create`, raw SQL) calls
  `changed()`.

The objects handed out are shared by every request of the process: read them, never modify them.
A snapshot built inside a transaction that wrote these tables and then rolled back may hold the
rolled-back rows until the next change or recheck; tests reset it between cases (`reset()`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from zhizhi.accounts.models import Department
from zhizhi.cases.models import Category, RequestNature, SlaPolicy
from zhizhi.core import logs, versions

logger = logging.getLogger(__name__)

VERSION_KEY = versions.register("zhizhi:cases:reference:version")
RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Snapshot:
    version: str
    built_at: float
    categories: dict[str, Category]  # active ones, by code, with `parent` loaded
    natures: dict[str, RequestNature]
    # Active SLA policies by (case type, category id or None for "any category"), by id: a create
    # reads the two or three lists its category can match instead of testing all of its type's.
    policies_by_category: dict[tuple[str, int | None], list[SlaPolicy]] = field(default_factory=dict)
    # Every row, active or not, by id: what a case list shows of its cases' references (a join
    # of five tables costs more to plan than to run: docs/benchmarks.md).
    category_ids: dict[int, Category] = field(default_factory=dict)  # with `parent` loaded
    nature_ids: dict[int, RequestNature] = field(default_factory=dict)
    department_ids: dict[int, Department] = field(default_factory=dict)


_snapshot: Snapshot | None = None
_lock = threading.Lock()


def _bump() -> None:
    try:
        versions.replace(VERSION_KEY)
    except Exception:  # a cache outage must not fail a write; RECHECK_SECONDS catches up
        logger.warning("reference data: could not bump the version in the cache", exc_info=True)


def changed() -> None:
    """Mark categories, natures, SLA policies or departments as changed (this connection at once, all on commit)."""
    global _snapshot
    _snapshot = None
    _bump()
    transaction.on_commit(_bump)


def reset() -> None:
    """Forget the snapshot (tests: the database rolls back, the process memory does not)."""
    global _snapshot
    _snapshot = None


def _version() -> str:
    """The version token (read once per request: `core.versions`); "" when the cache is down."""
    try:
        return versions.read(VERSION_KEY)
    except Exception:
        logs.report_outage(logger, "reference data: cache unavailable; snapshot rechecked by age only")
        return ""


def _build(version: str) -> Snapshot:
    by_category: dict[tuple[str, int | None], list[SlaPolicy]] = {}
    for policy in SlaPolicy.objects.filter(is_active=True).order_by("id"):
        by_category.setdefault((policy.case_type, policy.category_id), []).append(policy)
    every_category = list(Category.objects.select_related("parent"))
    natures = list(RequestNature.objects.all())
    return Snapshot(
        version=version,
        built_at=time.monotonic(),
        categories={c.code: c for c in every_category if c.is_active},
        natures={n.code: n for n in natures},
        policies_by_category=by_category,
        category_ids={c.pk: c for c in every_category},
        nature_ids={n.pk: n for n in natures},
        department_ids={d.pk: d for d in Department.objects.all()},
    )


def snapshot() -> Snapshot:
    global _snapshot
    version = _version()
    snap = _snapshot
    if snap is not None and snap.version == version and time.monotonic() - snap.built_at < RECHECK_SECONDS:
        return snap
    with _lock:
        snap = _snapshot
        if snap is None or snap.version != version or time.monotonic() - snap.built_at >= RECHECK_SECONDS:
            snap = _build(version)
            _snapshot = snap
        return snap


def category(code: str) -> Category | None:
    """The active category with this code (a class or a subclass), or None."""
    return snapshot().categories.get(code)


def nature(code: str) -> RequestNature | None:
    return snapshot().natures.get(code)


def policies_for(case_type: str, category: Category) -> list[SlaPolicy]:
    """The active SLA policies of a case type that name this category, its class, or no category
    at all, by id."""
    index = snapshot().policies_by_category
    keys = {None, category.pk, category.parent_id}
    found = [p for key in keys for p in index.get((case_type, key), ())]
    found.sort(key=lambda p: p.pk)
    return found


def _on_write(sender: Any, **kwargs: Any) -> None:
    changed()


for _model in (Category, RequestNature, SlaPolicy, Department):
    post_save.connect(_on_write, sender=_model, dispatch_uid=f"reference_{_model.__name__}_saved")
    post_delete.connect(_on_write, sender=_model, dispatch_uid=f"reference_{_model.__name__}_deleted")
