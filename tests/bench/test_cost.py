"""`bench.cost`: requests through Django's WSGI handler in process, with a callgrind dump at each
phase's boundary, and the dumps' totals read back as instructions per request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from bench import cost, tasks
from tests.cases.factories import CaseInputFactory
from tests.township import Township
from zhizhi.accounts.models import ApiToken
from zhizhi.cases.models import Case, IdempotencyKey


def _dump(path: Path, total: int) -> None:
    path.write_text(f"# callgrind format\nversion: 1\nevents: Ir\nsummary: {total}\ntotals: {total}\n")


def test_the_parts_are_read_in_the_order_callgrind_wrote_them(tmp_path: Path) -> None:
    out = tmp_path / "callgrind.out"
    for n, total in ((1, 7_000_000), (2, 1_220_000), (3, 590_000), (10, 5)):
        _dump(tmp_path / f"callgrind.out.{n}", total)
    _dump(out, 46_000)
    (tmp_path / "callgrind.out.log").write_text("not a part")
    assert cost.read_parts(out) == [7_000_000, 1_220_000, 590_000, 5, 46_000]


def test_instructions_per_request_of_each_measured_phase() -> None:
    parts = [7_209_461_877, 1_220_088_495, 590_764_572, 46_438_605]
    assert cost.per_request(parts, {"create": 200, "bare": 200}) == {"create": 6_100_442, "bare": 2_953_823}


def test_a_missing_or_extra_part_is_an_error_not_a_figure() -> None:
    with pytest.raises(ValueError, match="expected 4 callgrind parts"):
        cost.per_request([1, 2, 3], {"create": 1, "bare": 1})


def test_a_file_without_totals_is_refused(tmp_path: Path) -> None:
    (tmp_path / "callgrind.out").write_text("events: Ir\n")
    with pytest.raises(ValueError, match="no totals line"):
        cost.read_parts(tmp_path / "callgrind.out")


def test_the_environ_carries_the_body_and_the_headers_as_a_server_sets_them() -> None:
    env = cost.environ(
        "POST", "/api/v1/cases", b'{"a": 1}', {"Content-Type": "application/json", "Idempotency-Key": "k1"}
    )
    assert (env["REQUEST_METHOD"], env["PATH_INFO"], env["CONTENT_LENGTH"]) == ("POST", "/api/v1/cases", "8")
    assert (env["CONTENT_TYPE"], env["HTTP_IDEMPOTENCY_KEY"]) == ("application/json", "k1")
    assert env["wsgi.input"].read() == b'{"a": 1}'


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, without closing the test's connection at each request's end (as
    Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _body(i: int) -> dict[str, object]:
    body = asdict(CaseInputFactory(title=f"压测{i}"))
    del body["extra"]
    return body


@pytest.mark.django_db
def test_each_phase_is_marked_off_and_only_its_own_requests_fall_between_the_marks(
    township: Township, app: WSGIHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks: list[int] = []
    monkeypatch.setattr(cost, "mark", lambda: marks.append(Case.objects.count()))
    bodies = [_body(i) for i in range(5)]
    _, token = ApiToken.issue(township.users["dispatcher"], "cost test")
    statuses = tasks.cost_requests(
        app,
        token,
        bodies,
        n=3,
        warmup=2,
        run_id="r1",
        # Two phases of creates: the bare endpoint is installed only by bench.settings.
        paths={"create": "/api/v1/cases", "again": "/api/v1/cases"},
    )
    assert statuses == {"create": {"201": 3}, "again": {"201": 3}}
    # warm-up: 2 creates on each path; then 3 per phase, each phase closed by a mark
    assert marks == [4, 7, 10]
    keys = sorted(IdempotencyKey.objects.values_list("key", flat=True))
    assert keys == sorted(f"r1-{phase}-{i}" for phase in ("create", "again") for i in range(5))


@pytest.mark.django_db
def test_a_refused_request_is_counted_by_its_status(township: Township, app: WSGIHandler) -> None:
    statuses = tasks.cost_requests(
        app,
        "zz_not-a-token",
        [json.loads('{"title": "x"}')],
        n=2,
        warmup=0,
        run_id="r2",
        paths={"create": "/api/v1/cases"},
    )
    assert statuses == {"create": {"401": 2}}
    assert Case.objects.count() == 0
