"""The benchmarks' Django side: each task runs in `python -m bench.worker TASK` against one
database (DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL) and returns a JSON-able dict."""

from __future__ import annotations

import bisect
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import cost, generate, load, stats
from bench.load import Request
from zhizhi.accounts.models import ApiToken, Role, User
from zhizhi.cases import services
from zhizhi.cases.models import OPEN_STATUSES, Case, CaseEvent
from zhizhi.demo.builder import mix, texts
from zhizhi.territory.models import Level, Region

Task = Callable[[dict[str, Any]], dict[str, Any]]


# --- Inputs --------------------------------------------------------------------------------------


def case_payloads(n: int, seed: int) -> list[dict[str, Any]]:
    """n distinct, valid create bodies over the township: the demo's channel and category mix,
    a point inside a micro-grid (so `locate` places it), Chinese title and description, reporter."""
    world = generate.World()
    rng = random.Random(f"{seed}:bench-payloads")
    r = rng.random
    out = []
    for _ in range(n):
        channel = world.channels[bisect.bisect_right(world.channel_cum, r() * world.channel_cum[-1])]
        codes, cum = world.mix[channel]
        code = codes[bisect.bisect_right(cum, r() * cum[-1])]
        leaf = world.leaves[bisect.bisect_right(world.leaf_cum, r() * world.leaf_cum[-1])]
        body: dict[str, Any] = {"channel": channel, "category": code}
        nature = None
        if channel in mix.NATURE_CHANNELS:
            table = mix.NATURES_BY_CATEGORY.get(code, mix.NATURES)
            options = [k for k in table if k in world.natures]
            if options:
                nature = rng.choices(options, weights=[table[k] for k in options])[0]
                body["nature"] = nature
        street = f"{rng.choice('东西南北')}大街{rng.randint(1, 199)}号"
        name = rng.choice("赵钱孙李周吴郑王冯陈褚卫") + rng.choice(
            ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"]
        )
        body["title"] = texts.title(code, leaf.place, rng) if code in texts.TEXTS else f"{leaf.place}问题"
        body["description"] = (
            texts.description(code, channel, f"{leaf.place}{street}附近", name, nature, rng)
            if code in texts.TEXTS
            else "群众反映问题"
        )
        body["address"] = f"{world.town_name}{leaf.place}{street}"
        body["reporter_name"] = name
        body["reporter_phone"] = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if leaf.box is not None:
            lon0, lat0, lon1, lat1 = leaf.box
            body["lon"] = round(lon0 + (lon1 - lon0) * rng.uniform(0.05, 0.95), 6)
            body["lat"] = round(lat0 + (lat1 - lat0) * rng.uniform(0.05, 0.95), 6)
        else:
            body["region"] = Region.objects.filter(pk=leaf.id).values_list("code", flat=True).first()
        out.append(body)
    return out


def _user(username: str, role: str) -> User:
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        found = User.objects.filter(role=role, is_active=True).order_by("username").first()
    if found is None:
        raise RuntimeError(f"no active {role} in this database (build the demo township first)")
    return found


_issued: list[int] = []


def _token(user: User) -> str:
    """An API token for `user`, deleted by `drop_tokens` when the task ends (they would otherwise
    pile up in the shared list database, run after run)."""
    token, raw = ApiToken.issue(user, f"bench {uuid.uuid4().hex[:8]}")
    _issued.append(token.pk)
    return raw


def drop_tokens() -> int:
    """Delete the tokens this process issued; returns how many went."""
    gone, _ = ApiToken.objects.filter(pk__in=_issued).delete()
    _issued.clear()
    return gone


_logged_in: list[str] = []


def _login(client: Client, user: User) -> str:
    """Log `client` in as `user`; returns the session key, which `drop_sessions` deletes when the
    task ends (sessions, like tokens, would pile up in the shared list database run after run)."""
    client.force_login(user)
    key = str(client.cookies[settings.SESSION_COOKIE_NAME].value)
    _logged_in.append(key)
    return key


def drop_sessions() -> int:
    """Delete the sessions this process logged in (those a later login of the same client had not
    already replaced); returns how many went."""
    from django.contrib.sessions.models import Session

    gone, _ = Session.objects.filter(session_key__in=_logged_in).delete()
    _logged_in.clear()
    return gone


def _session(user: User) -> str:
    """A logged-in session key for `user`, for requesting web pages over HTTP."""
    return _login(Client(), user)


def _server_env() -> dict[str, str]:
    from bench.dbs import env

    return env(os.environ["DATABASE_URL"])


def _top_case_id() -> int:
    return Case.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _discard_cases_after(top: int) -> int:
    """Delete the cases a benchmark registered (ids above `top`) with their events and keys, so that
    the shared list database keeps the generator's mix: thousands of new, undispatched cases at the
    head of the time order would otherwise lengthen every later list walk (a handler's first page
    passed 14,000 of them). On PostgreSQL the tables are then vacuumed, as autovacuum would in time:
    the deleted rows' index entries would otherwise be read by the next run's duplicate searches and
    list walks (one search went through 4,400 entries of rows long gone). Returns how many cases went."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_idempotencykey WHERE case_id > %s", [top])
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id > %s", [top])
        cursor.execute("DELETE FROM cases_case WHERE id > %s", [top])
        gone = int(cursor.rowcount)
    if gone and connection.vendor == "postgresql" and not connection.in_atomic_block:  # (tests run in one)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cases_case, cases_caseevent, cases_idempotencykey")
    return gone


# --- Intake through the service layer --------------------------------------------------------------


def intake(p: dict[str, Any]) -> dict[str, Any]:
    """N × services.create_case (locate, SLA, timeline) vs bulk_create of the very same rows."""
    n, warmup, seed = int(p["n"]), int(p.get("warmup", 20)), int(p.get("seed", 1))
    actor = _user("dispatcher", Role.DISPATCHER)
    top = _top_case_id()
    inputs = [services.CaseInput(**body) for body in case_payloads(n + warmup + 1, seed)]
    for data in inputs[:warmup]:
        services.create_case(actor=actor, data=data)
    with CaptureQueriesContext(connection) as captured:
        services.create_case(actor=actor, data=inputs[warmup])
    queries = [q["sql"][:160] for q in captured.captured_queries]

    latencies, ids = [], []
    began = time.perf_counter()
    for data in inputs[warmup + 1 :]:
        t = time.perf_counter()
        result = services.create_case(actor=actor, data=data)
        latencies.append(time.perf_counter() - t)
        ids.append(result.case.pk)
    service_seconds = time.perf_counter() - began

    # Baseline: the same rows (cases and their create events), inserted raw in one transaction.
    case_rows = list(Case.objects.filter(pk__in=ids).order_by("id").values())
    event_rows = list(CaseEvent.objects.filter(case_id__in=ids).order_by("id").values())
    cases = [Case(**{k: v for k, v in row.items() if k != "id"}) for row in case_rows]
    t = time.perf_counter()
    with transaction.atomic():
        made = Case.objects.bulk_create(cases, batch_size=500)
        new_id = {row["id"]: case.pk for row, case in zip(case_rows, made, strict=True)}
        events = [
            CaseEvent(**{**{k: v for k, v in row.items() if k != "id"}, "case_id": new_id[row["case_id"]]})
            for row in event_rows
        ]
        CaseEvent.objects.bulk_create(events, batch_size=1000)
    bulk_seconds = time.perf_counter() - t

    service_rate = stats.rate(n, service_seconds)
    bulk_rate = stats.rate(n, bulk_seconds)
    discarded = _discard_cases_after(top)
    return {
        "vendor": connection.vendor,
        "params": {"n": n, "warmup": warmup, "actor": actor.username, "seed": seed},
        "discarded_after_run": discarded,
        "figure": {
            "creates_per_second": round(service_rate, 1),
            "seconds": round(service_seconds, 3),
            "latency_ms": stats.summary_ms(latencies),
            "queries_per_create": len(queries),
            "queries": queries,
        },
        "baseline": {
            "what": "bulk_create of the same Case rows + their CaseEvent rows, one transaction",
            "rows_per_second": round(bulk_rate, 1),
            "seconds": round(bulk_seconds, 3),
            "events": len(events),
        },
        "ratio": round(stats.ratio(service_rate, bulk_rate) or 0, 4),
        "slowdown": round(stats.ratio(bulk_rate, service_rate) or 0, 1),
    }


# --- Intake over HTTP ------------------------------------------------------------------------------


def http(p: dict[str, Any]) -> dict[str, Any]:
    """Creates over HTTP (`zhizhi serve`: granian, 2 workers) with `clients` keep-alive clients, vs the bare
    endpoint of the same stack (same middleware, same token auth) inserting one row.

    In `rounds` rounds, each on a freshly started server: which worker accepts which keep-alive
    connection is settled when the clients connect and holds for the whole round, and an uneven
    share (say 21 of the 32 on one worker) slows that worker's clients by half. One round measures
    one draw of that split; the figures pool the rounds' requests (all their latencies, all their
    completed requests over all their seconds), and `rounds` keeps each one's own summary."""
    clients = int(p.get("clients", 32))
    seconds = float(p["seconds"])
    warmup = float(p.get("warmup_seconds", 3))
    rounds = int(p.get("rounds", 1))
    seed = int(p.get("seed", 1))
    users = list(User.objects.filter(role__in=[Role.DISPATCHER, Role.HOTLINE_OPERATOR], is_active=True))
    users.sort(key=lambda u: u.username)
    if not users:
        raise RuntimeError("no dispatchers or operators: build the demo township first")
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, not {rounds}")
    tokens = [_token(u) for u in users]
    bodies = case_payloads(int(p.get("payloads", 20_000)), seed)
    run_id = uuid.uuid4().hex[:10]

    def maker(phase: str, path: str) -> Callable[[int, int], Request]:
        def make(client: int, i: int) -> Request:
            return load.json_request(
                "POST",
                path,
                tokens[client % len(tokens)],
                bodies[i % len(bodies)] if not phase.startswith("bare-warm") else bodies[0],
                **{"Idempotency-Key": f"{run_id}-{phase}-{i}"},
            )

        return make

    cases_before = Case.objects.count()
    top = _top_case_id()
    out: dict[str, Any] = {}
    server_opts = {k: p[k] for k in ("threads",) if k in p}
    creates: list[load.Run] = []
    bares: list[load.Run] = []
    discarded = 0
    for n in range(rounds):
        # Each round on the table as the generator left it: the cases a round registered would
        # otherwise sit where the next round's duplicate searches look, in the text index's
        # pending list, unvacuumed (and stay in the list database if a round failed).
        try:
            with load.server(_server_env(), workers=2, log=p.get("log"), **server_opts) as server:
                load.load(server, maker(f"warm{n}", "/api/v1/cases"), clients=clients, seconds=warmup)
                load.load(server, maker(f"bare-warm{n}", "/bench/ping"), clients=clients, seconds=warmup)
                # Which worker holds which client, read once every client is connected.
                measure = partial(
                    load.load,
                    server,
                    clients=clients,
                    seconds=seconds,
                    probe=partial(load.connections_per_process, server.port),
                )
                creates.append(measure(maker(f"create{n}", "/api/v1/cases")))
                bares.append(measure(maker(f"bare{n}", "/bench/ping")))
                if n == rounds - 1:
                    one_create = load.load(
                        server, maker("one", "/api/v1/cases"), clients=1, count=int(p.get("single", 200))
                    )
                    one_bare = load.load(
                        server, maker("one-bare", "/bench/ping"), clients=1, count=int(p.get("single", 200))
                    )
                out["server"] = " ".join(server.command[2:])
        finally:
            discarded += _discard_cases_after(top)
    c, b = load.Run.pooled(creates).summary(), load.Run.pooled(bares).summary()
    out.update(
        {
            "vendor": connection.vendor,
            "params": {
                "clients": clients,
                "seconds": seconds,
                "warmup_seconds": warmup,
                "rounds": rounds,
                "tokens": len(tokens),
                "distinct_bodies": len(bodies),
                "cases_before": cases_before,
            },
            "figure": c,
            "baseline": {"what": "POST /bench/ping: same stack and auth, one INSERT", **b},
            "rounds": [
                {"create": _round(cr.summary()), "bare": _round(br.summary())}
                for cr, br in zip(creates, bares, strict=True)
            ],
            "single_client": {"create": one_create.summary(), "bare": one_bare.summary()},
            "ratio": round(stats.ratio(c["per_second"], b["per_second"]) or 0, 4),
            "discarded_after_rounds": discarded,
        }
    )
    return out


def _round(summary: dict[str, Any]) -> dict[str, Any]:
    """A round's summary without its per-client list, which the pooled figure keeps: its rate, its
    latencies, how many clients each worker process served (`connections_per_worker`, fewest
    first) and the spread of its clients' means (fastest, slowest)."""
    means = summary.pop("client_mean_ms")
    return {**summary, "client_mean_ms_range": [means[0], means[-1]] if means else []}


# --- The list dataset ------------------------------------------------------------------------------


def dataset(p: dict[str, Any]) -> dict[str, Any]:
    """Fill the database up to `cases` cases with the generator (reused when already there)."""
    from bench.bare.models import Dataset

    target = int(p["cases"])
    wanted = {
        "cases": target,
        "seed": int(p.get("seed", 1)),
        "events": p.get("events", "create"),
        "until": generate.default_until().date().isoformat(),
    }
    marker = Dataset.objects.filter(name="lists").first()
    existing = Case.objects.count()
    if marker is not None and existing >= target:
        # Already full: the generator adds cases, never removes them (a smaller `--cases` or
        # another day's `until` reuses what is there).
        return {"reused": True, "params": marker.params, "cases": existing}
    n = target - existing
    result = generate.generate(
        n,
        seed=wanted["seed"],
        events=wanted["events"],
        bulk=connection.vendor == "postgresql",
        workers=int(p.get("workers", 2)) if connection.vendor == "postgresql" else 1,
        out=print,
    )
    Dataset.objects.update_or_create(name="lists", defaults={"params": wanted})
    return {"reused": False, "params": wanted, "existing_before": existing, "generator": result.as_dict()}


def generate_task(p: dict[str, Any]) -> dict[str, Any]:
    """The generator alone (the demo benchmark's baseline), in one transaction."""
    with transaction.atomic():
        result = generate.generate(
            int(p["n"]),
            seed=int(p.get("seed", 1)),
            years=float(p.get("years", 1)),
            events=p.get("events", "create"),
        )
    return result.as_dict()


# --- Lists -----------------------------------------------------------------------------------------

LIST_WORDS = ["漏水", "违章搭建", "垃圾", "路灯不亮", "积水", "占道经营"]  # 2- and 4-character words
OPEN_WORK = "dispatched,accepted,in_progress"
# Reported, not held to the target: offset paging reads and skips every row before the page (a
# client going deep follows `next` instead, which the cursor case measures).
UNTARGETED = "(offset)"  # the suffix of such cases' names
# Web pages measured beside the lists, reported without a target: a town leader opens the dashboard
# every day, and its figures count the whole year's cases (docs/benchmarks.md, fix 23).
PAGES = [("leader: dashboard /metrics/ (this year)", "leader", "/metrics/")]


def list_cases(p: dict[str, Any]) -> list[tuple[str, str, Callable[[int], dict[str, Any]]]]:
    villages = list(
        Region.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True)
    )
    villages = villages or list(Region.objects.filter(depth=1).values_list("code", flat=True))
    deep = int(p.get("deep_page", 1000))
    # The row a client paging 50 at a time reaches on page `deep`, as the cursor it would hold there.
    from zhizhi.api.cases import _cursor

    row = Case.objects.order_by("-received_at", "-id").values_list("received_at", "id")[
        deep * 50 - 1 : deep * 50
    ]
    cursor = _cursor(*row[0]) if row else ""
    return [
        ("dispatcher: first page", "dispatcher", lambda i: {}),
        (
            "dispatcher: village + open + overdue",
            "dispatcher",
            lambda i: {"region": villages[i % len(villages)], "status": OPEN_WORK, "overdue": "true"},
        ),
        ("dispatcher: text search", "dispatcher", lambda i: {"q": LIST_WORDS[i % len(LIST_WORDS)]}),
        (f"dispatcher: page {deep} (cursor)", "dispatcher", lambda i: {"after": cursor}),
        (f"dispatcher: page {deep} (offset)", "dispatcher", lambda i: {"page": deep}),
        ("grid worker: first page", "grid", lambda i: {}),
        ("grid worker: open + overdue", "grid", lambda i: {"status": OPEN_WORK, "overdue": "true"}),
        ("grid worker: text search", "grid", lambda i: {"q": LIST_WORDS[i % len(LIST_WORDS)]}),
        ("handler: first page", "handler", lambda i: {}),
    ]


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def lists(p: dict[str, Any]) -> dict[str, Any]:
    """GET /api/v1/cases over HTTP (one keep-alive client, sequential) for typical filters and
    scopes; then each request once in-process to break it into queries, with EXPLAIN ANALYZE."""
    requests_each = int(p.get("requests", 60))
    target_ms = float(p.get("target_p95_ms", 50))
    roles = {
        "dispatcher": Role.DISPATCHER,
        "grid": Role.GRID_WORKER,
        "handler": Role.HANDLER,
        "leader": Role.LEADER,
    }
    users = {name: _user(name, role) for name, role in roles.items()}
    tokens = {name: _token(u) for name, u in users.items()}
    cases = list_cases(p)
    results: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    total = Case.objects.count()
    open_total = Case.objects.filter(status__in=OPEN_STATUSES).count()
    with load.server(_server_env(), workers=2, log=p.get("log")) as server:

        def bare_request(client: int, i: int) -> Request:
            return load.json_request("GET", "/bench/ping", tokens["dispatcher"])

        load.load(server, bare_request, clients=1, count=3)
        bare = load.load(server, bare_request, clients=1, count=requests_each).summary(ok=(200,))
        for name, who, params in cases:

            def make(
                client: int, i: int, who: str = who, params: Callable[[int], dict[str, Any]] = params
            ) -> Request:
                query = urlencode(params(i))
                return load.json_request(
                    "GET", f"/api/v1/cases?{query}" if query else "/api/v1/cases", tokens[who]
                )

            load.load(server, make, clients=1, count=3)
            run = load.load(server, make, clients=1, count=requests_each)
            s = run.summary(ok=(200,))
            try:
                last = json.loads(run.last_body)
                s["count"] = last.get("count")
                s["count_exact"] = last.get("count_exact", True)
            except ValueError:
                s["count"] = None
            p95 = s["latency_ms"].get("p95")
            results.append(
                {
                    "name": name,
                    "user": users[who].username,
                    "role": users[who].role,
                    "example": params(0),
                    **s,
                    "target_p95_ms": None if name.endswith(UNTARGETED) else target_ms,
                    "pass": None
                    if name.endswith(UNTARGETED)
                    else p95 is not None and p95 < target_ms and s["ok"] == s["requests"],
                }
            )

        sessions = {who: _session(users[who]) for _name, who, _path in PAGES}
        for name, who, path in PAGES:

            def page(client: int, i: int, path: str = path, who: str = who) -> Request:
                return Request("GET", path, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[who]}"})

            load.load(server, page, clients=1, count=3)
            s = load.load(server, page, clients=1, count=max(10, requests_each // 3)).summary(ok=(200,))
            pages.append(
                {"name": name, "user": users[who].username, "role": users[who].role, "path": path, **s}
            )
            pages[-1].update({"target_p95_ms": None, "pass": None})

    # In-process: the same requests through the same view, their queries, and the slowest's plan.
    client = Client(HTTP_HOST="localhost")
    for row, (_name, who, params) in zip(results, cases, strict=True):
        query = urlencode(params(0))
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/api/v1/cases?{query}", HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        row["queries"] = [{"ms": round(ms, 2), "sql": sql[:300]} for ms, sql in timed]
        slowest = max(timed, default=(0.0, ""))
        row["slowest_sql"] = slowest[1]
        row["slowest_plan"] = _explain(slowest[1]) if slowest[1] else ""
    for row, (_name, who, path) in zip(pages, PAGES, strict=True):
        _login(client, users[who])
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        timed = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
        row["queries"] = len(timed)
        row["slowest_queries"] = [{"ms": round(ms, 2), "sql": sql[:300]} for ms, sql in timed[:8]]
    results += pages
    worst = max(
        (r for r in results if r["target_p95_ms"] is not None), key=lambda r: r["latency_ms"].get("p95", 0)
    )
    return {
        "vendor": connection.vendor,
        "params": {"requests_each": requests_each, "cases_in_db": total, "open_in_db": open_total},
        "baseline": {"what": "GET /bench/ping: same stack and auth, one trivial query", **bare},
        "cases": results,
        "worst": {"name": worst["name"], "p95_ms": worst["latency_ms"].get("p95")},
        "target_p95_ms": target_ms,
        "pass": all(r["pass"] for r in results if r["pass"] is not None),
    }


# --- Pages of the demo township ---------------------------------------------------------------------

# What each role opens in a day, on the demo township `make run` builds (SQLite): the desk, the
# dashboard, the lists and each domain's figures. A figure query that SQLite plans badly shows here
# first (the dashboard once took 109 s on it: docs/benchmarks.md, fix 27).
DEMO_PAGES = [
    "/",
    "/metrics/",
    "/cases/",
    "/cases/?sort=urgency",
    "/hotline/",
    "/hotline/figures/",
    "/safety/",
    "/safety/inspections/",
    "/safety/campaigns/",
    "/petitions/",
    "/petitions/figures/",
    "/mediation/",
    "/mediation/figures/",
    "/map/cases.json",
]
DEMO_ROLES = (
    Role.DISPATCHER,
    Role.LEADER,
    Role.HOTLINE_OPERATOR,
    Role.VILLAGE_CADRE,
    Role.GRID_WORKER,
    Role.HANDLER,
)


def pages(p: dict[str, Any]) -> dict[str, Any]:
    """Each page of DEMO_PAGES for one user of each role, in-process (Django's test client): once to
    warm up, then `requests` times; p50 and the slowest. Pages a role may not open (403) are skipped.
    Baseline: /healthz, the same stack's cheapest page."""
    requests_each = int(p.get("requests", 5))

    def timed(client: Client, path: str) -> tuple[int, list[float]]:
        status = client.get(path).status_code
        times = []
        for _ in range(requests_each):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        return status, times

    anonymous = Client(HTTP_HOST="localhost")
    _, base = timed(anonymous, "/healthz")
    out: list[dict[str, Any]] = []
    for role in DEMO_ROLES:
        user = User.objects.filter(role=role, is_active=True).order_by("username").first()
        if user is None:
            continue
        client = Client(HTTP_HOST="localhost")
        _login(client, user)
        for path in DEMO_PAGES:
            status, times = timed(client, path)
            if status == 403:
                continue
            out.append(
                {
                    "page": path,
                    "user": user.username,
                    "role": role,
                    "status": status,
                    "p50_ms": round(stats.percentile(times, 50), 2),
                    "max_ms": round(max(times), 2),
                }
            )
    return {
        "requests_each": requests_each,
        "baseline": {"page": "/healthz", "p50_ms": round(stats.percentile(base, 50), 2)},
        "pages": out,
        "cases": Case.objects.count(),
    }


# --- Instructions per request (callgrind) ------------------------------------------------------------


def cost_requests(
    app: cost.WSGIApp,
    token: str,
    bodies: list[dict[str, Any]],
    *,
    n: int,
    warmup: int,
    run_id: str,
    paths: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`warmup` requests of each phase, then, between `cost.mark()`s, `n` creates (POST
    /api/v1/cases) and `n` bare requests (POST /bench/ping), each with its own Idempotency-Key, as
    the HTTP benchmark sends them. Returns the statuses of the measured requests by phase."""

    paths = paths or {"create": "/api/v1/cases", "bare": "/bench/ping"}

    def env(phase: str, i: int) -> dict[str, Any]:
        body = json.dumps(bodies[i % len(bodies)], ensure_ascii=False).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Idempotency-Key": f"{run_id}-{phase}-{i}",
        }
        return cost.environ("POST", paths[phase], body, headers)

    for i in range(warmup):
        for phase in paths:
            cost.send(app, env(phase, i))
    # Every request's environ is built before the first mark: only the requests are counted.
    prepared = {phase: [env(phase, warmup + i) for i in range(n)] for phase in paths}
    statuses: dict[str, dict[str, int]] = {}
    cost.mark()
    for phase in paths:
        seen: dict[str, int] = {}
        for e in prepared[phase]:
            code = str(cost.send(app, e))
            seen[code] = seen.get(code, 0) + 1
        cost.mark()
        statuses[phase] = seen
    return statuses


def instructions(p: dict[str, Any]) -> dict[str, Any]:
    """The creates and bare requests whose instructions callgrind counts (`bench.cost`), through
    Django's WSGI handler in process, as a dispatcher, on the list database; its cases are discarded."""
    from django.core.wsgi import get_wsgi_application

    from zhizhi.cases import reference
    from zhizhi.core.serving import settle

    app = get_wsgi_application()
    settle()
    # The snapshots' rebuilds by age go by the clock, and under callgrind a phase lasts tens of
    # seconds: one falling inside a phase would make the count depend on how fast the host runs.
    reference.RECHECK_SECONDS = float("inf")
    settings.ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS = float("inf")
    n, warmup = int(p.get("n", 200)), int(p.get("warmup", 30))
    user = _user("dispatcher", Role.DISPATCHER)
    bodies = case_payloads(n + warmup, int(p.get("seed", 1)))
    top = _top_case_id()
    try:
        statuses = cost_requests(app, _token(user), bodies, n=n, warmup=warmup, run_id=uuid.uuid4().hex[:10])
    finally:
        discarded = _discard_cases_after(top)
    refused = {phase: seen for phase, seen in statuses.items() if set(seen) - {"200", "201"}}
    if refused:
        # A refused request does less work: counting it would flatter the figure.
        raise RuntimeError(f"requests refused while counting instructions: {refused}")
    return {
        "vendor": connection.vendor,
        "requests": {"create": n, "bare": n},
        "warmup": warmup,
        "statuses": statuses,
        "user": user.username,
        "discarded_after": discarded,
    }


TASKS: dict[str, Task] = {
    "pages": pages,
    "instructions": instructions,
    "intake": intake,
    "http": http,
    "dataset": dataset,
    "lists": lists,
    "generate": generate_task,
}
