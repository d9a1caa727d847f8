"""`python -m bench [--only intake,lists,http,cost,demo] [--cases N] [--quick] …`

The orchestrator does not import Django: every measurement runs in a subprocess against its own
database (a fresh SQLite file under var/bench/, or the PostgreSQL database in BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/zhizhi_bench, created and dropped here). When
PostgreSQL is unreachable its benchmarks are reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import cost as bench_cost
from bench import dbs, report
from bench.machine import ROOT, cpu_busy, load_average, machine_info, wait_idle
from bench.report import Row

ALL = ("intake", "lists", "http", "cost", "demo")
RESULTS = ROOT / "bench" / "results"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(ALL), help=f"comma list of {', '.join(ALL)} (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes: a run takes a minute or two")
    p.add_argument("--cases", type=int, help="cases in the list database (default 1,000,000; quick 20,000)")
    p.add_argument("--seed", type=int, default=2023)
    p.add_argument("--events", choices=("create", "lifecycle"), default="create", help="generator timeline")
    p.add_argument("--intake", type=int, help="service-layer creates (default 1,000; quick 200)")
    p.add_argument("--seconds", type=float, help="HTTP load per endpoint (default 20; quick 5)")
    p.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients (default 32)")
    p.add_argument(
        "--rounds",
        type=int,
        help="HTTP rounds, each on a freshly started server, pooled (default 3; quick 1)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=4,
        help="request threads per server worker (zhizhi serve --threads; default 4)",
    )
    p.add_argument("--requests", type=int, help="list requests per case (default 60; quick 20)")
    p.add_argument("--demo-scale", type=float, help="zhizhi demo --scale (default 1; quick 0.1)")
    p.add_argument("--reuse-db", action="store_true", help="reuse the PostgreSQL database if it exists")
    p.add_argument("--keep-db", action="store_true", help="do not drop the PostgreSQL database at the end")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each benchmark, wait up to this long for the machine to be quiet (default 0)",
    )
    p.add_argument("--out", type=Path, help="results directory (default bench/results; quick: …/quick)")
    return p.parse_args(argv)


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
        self.logs = dbs.SQLITE_DIR / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pg = dbs.pg_url()
        self.pg_problem = dbs.pg_reachable(self.pg)
        if self.pg_problem is None:
            dbs.check_name(self.pg)
        self.machine = machine_info(self.pg if self.pg_problem is None else None)
        self.rows: list[Row] = []
        self.conditions: dict[str, Any] = {}
        self.pg_ready = False
        self.list_database: tuple[str, int] | None = None  # (url, cases), once generated or reused
        self.template: Path | None = None
        self.command = "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    # --- helpers ---------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)

    def worker(
        self,
        task: str,
        params: dict[str, Any],
        database_url: str,
        *,
        under: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run `task` in `python -m bench.worker` against `database_url`, `under` a command that
        runs it (callgrind) if given, with `env` added to its environment."""
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = Path(f.name)
        log = self.logs / f"{task}.log"
        params = {**params, "log": str(self.logs / f"{task}-server.log")}
        cmd = [*(under or []), sys.executable, "-m", "bench.worker", task, json.dumps(params), str(out)]
        with open(log, "w") as lf:
            rc = subprocess.run(  # noqa: S603
                cmd,
                cwd=ROOT,
                env={**dbs.env(database_url), **(env or {})},
                stdout=lf,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode
        if rc != 0:
            raise RuntimeError(f"bench task {task} failed ({rc}); see {log}:\n{log.read_text()[-3000:]}")
        data = json.loads(out.read_text())
        out.unlink()
        return data

    def save(self, name: str, parameters: dict[str, Any], results: dict[str, Any], rows: list[Row]) -> None:
        payload = {
            "benchmark": name,
            "command": self.command,
            "quick": self.quick,
            "machine": self.machine,
            "conditions": {
                **self.conditions,
                "after": {"load_average": load_average(), "cpu_busy": cpu_busy(1.0)},
            },
            "parameters": parameters,
            "results": results,
        }
        report.write(self.out / f"{name}.json", payload, rows)
        self.rows.extend(rows)

    def quiet(self) -> None:
        """Wait for a quiet machine if asked to; record how busy it was when the benchmark began."""
        busy = wait_idle(self.args.wait_idle, say=self.say) if self.args.wait_idle else cpu_busy(2.0)
        self.conditions = {"before": {"load_average": load_average(), "cpu_busy": busy}}
        if busy is not None and busy >= 0.15:
            self.say(f"warning: {busy:.0%} of the cores were busy with other work when this benchmark began")

    def skipped(self, name: str, why: str) -> None:
        self.say(f"{name}: skipped ({why})")
        row = Row(name, "skipped", None, "", note=why)
        self.save(name, {}, {"skipped": why}, [row])

    def sqlite_township(self) -> Path:
        """A SQLite database with the demo township (scale 0.05), built once per run and copied."""
        if self.template is None:
            path = dbs.fresh_sqlite("township")
            url = dbs.sqlite_url(path)
            self.say("sqlite: migrate + zhizhi demo --scale 0.05 (template)")
            dbs.manage(url, "migrate", "--noinput")
            dbs.manage(url, "demo", "--scale", "0.05", "--seed", str(self.args.seed))
            self.template = path
        return self.template

    def postgres(self) -> str:
        """The benchmark's PostgreSQL database, with the township; fresh unless --reuse-db."""
        if not self.pg_ready:
            if self.args.reuse_db and dbs.pg_exists(self.pg):
                self.say(f"postgres: reusing {self.pg} (migrate)")
                dbs.manage(self.pg, "migrate", "--noinput")
                if not self._pg_has_township():
                    dbs.manage(self.pg, "demo", "--scale", "0.05", "--seed", str(self.args.seed))
            else:
                self.say(f"postgres: create {self.pg}, migrate, zhizhi demo --scale 0.05")
                dbs.pg_recreate(self.pg)
                dbs.manage(self.pg, "migrate", "--noinput")
                dbs.manage(self.pg, "demo", "--scale", "0.05", "--seed", str(self.args.seed))
            self.pg_ready = True
        return self.pg

    def _pg_has_township(self) -> bool:
        import psycopg

        with psycopg.connect(self.pg) as conn:
            row = conn.execute("SELECT count(*) FROM territory_region").fetchone()
        return bool(row and row[0])

    # --- benchmarks --------------------------------------------------------------------------------

    def intake(self) -> None:
        n = self.args.intake or (200 if self.quick else 1000)
        params = {"n": n, "warmup": 20, "seed": self.args.seed}
        results: dict[str, Any] = {}
        rows: list[Row] = []
        targets: list[tuple[str, str]] = [("sqlite", "")]
        if self.pg_problem is None:
            targets.append(("postgres", self.postgres()))
        else:
            results["postgres"] = {"skipped": self.pg_problem}
            rows.append(Row("intake (postgres)", "skipped", None, "", note=self.pg_problem))
        for vendor, url in targets:
            if vendor == "sqlite":
                db = dbs.copy_sqlite(self.sqlite_township(), "intake")
                url = dbs.sqlite_url(db)
            self.say(f"intake ({vendor}): {n} × services.create_case vs bulk_create")
            r = self.worker("intake", params, url)
            results[vendor] = r
            f, b = r["figure"], r["baseline"]
            rows.append(
                Row(
                    f"intake ({vendor})",
                    "create_case (locate+SLA+timeline)",
                    f["creates_per_second"],
                    "/s",
                    b["rows_per_second"],
                    "bulk_create same rows",
                    r["ratio"],
                )
            )
            rows.append(Row(f"intake ({vendor})", "create_case p50", f["latency_ms"]["p50"], "ms", note=""))
            rows.append(
                Row(
                    f"intake ({vendor})",
                    "create_case p99",
                    f["latency_ms"]["p99"],
                    "ms",
                    note=f"{f['queries_per_create']} queries/create",
                )
            )
        self.save("intake", params, results, rows)

    def http(self) -> None:
        if self.pg_problem is not None:
            return self.skipped("http", f"PostgreSQL unreachable: {self.pg_problem}")
        seconds = self.args.seconds or (5.0 if self.quick else 20.0)
        rounds = self.args.rounds or (1 if self.quick else 3)
        url, cases = self.dataset()
        params = {
            "clients": self.args.clients,
            "seconds": seconds,
            "rounds": rounds,
            "cases": cases,
            "warmup_seconds": 2.0 if self.quick else 4.0,
            "seed": self.args.seed,
            "payloads": 5000 if self.quick else 20000,
            "threads": self.args.threads,
            "server": "zhizhi serve (granian, WSGI), 2 workers",
        }
        self.say(
            f"http (postgres): {rounds} × ({self.args.clients} clients × {seconds:g} s, creates vs bare)"
            f" at {cases:,} cases"
        )
        r = self.worker("http", params, url)
        f, b = r["figure"], r["baseline"]
        fl, bl = f["latency_ms"], b["latency_ms"]
        rate_ok = f["per_second"] >= 500 and f["errors"] == 0 and f["ok"] == f["requests"]
        rows = [
            Row(
                "http create (postgres)",
                f"creates/s, {params['clients']} clients",
                f["per_second"],
                "/s",
                b["per_second"],
                "bare insert",
                r["ratio"],
                "≥ 500/s",
                rate_ok,
                _rounds(r, lambda x: f"{x['per_second']:.0f}", "/s"),
            ),
            Row(
                "http create (postgres)",
                "p50",
                fl.get("p50"),
                "ms",
                bl.get("p50"),
                "bare",
                _ratio(fl, bl, "p50"),
            ),
            Row(
                "http create (postgres)",
                "p99",
                fl.get("p99"),
                "ms",
                bl.get("p99"),
                "bare",
                _ratio(fl, bl, "p99"),
                "< 100 ms",
                fl.get("p99") is not None and fl["p99"] < 100,
                _rounds(r, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True),
            ),
        ]
        one = r["single_client"]
        rows.append(
            Row(
                "http create (postgres)",
                "p50, 1 client",
                one["create"]["latency_ms"].get("p50"),
                "ms",
                one["bare"]["latency_ms"].get("p50"),
                "bare",
                _ratio(one["create"]["latency_ms"], one["bare"]["latency_ms"], "p50"),
            )
        )
        self.save("http", params, r, rows)
        return None

    def cost(self) -> None:
        """Instructions per create and per bare request (callgrind; `bench.cost`), on the list database."""
        if self.pg_problem is not None:
            return self.skipped("cost", f"PostgreSQL unreachable: {self.pg_problem}")
        valgrind = shutil.which("valgrind")
        if valgrind is None:
            return self.skipped("cost", "valgrind is not installed (Debian: apt install valgrind)")
        n = 50 if self.quick else 200
        url, cases = self.dataset()
        params = {"n": n, "warmup": 10 if self.quick else 30, "seed": self.args.seed, "cases": cases}
        self.say(f"cost (postgres): {n} creates and {n} bare requests in process under callgrind")
        with tempfile.TemporaryDirectory() as tmp:
            out_file = Path(tmp) / "callgrind.out"
            under = [
                valgrind,
                "--tool=callgrind",
                f"--dump-before={bench_cost.MARK}",
                f"--callgrind-out-file={out_file}",
                f"--log-file={self.logs / 'cost-valgrind.log'}",
            ]
            # The same hash seed each run: dict and set orders, and so the work, repeat exactly.
            r = self.worker("instructions", params, url, under=under, env={"PYTHONHASHSEED": "0"})
            parts = bench_cost.read_parts(out_file)
        per = bench_cost.per_request(parts, r["requests"])
        r.update({"instructions_per_request": per, "parts": dict(zip(bench_cost.PHASES, parts, strict=True))})
        ratio = round(per["create"] / per["bare"], 3)
        rows = [
            Row(
                "cost (postgres)",
                "instructions per create (callgrind)",
                round(per["create"] / 1e6, 3),
                "M",
                round(per["bare"] / 1e6, 3),
                "bare insert",
                ratio,
                note=f"{n} of each; repeatable: the same code and data give the same count however busy the host",
            )
        ]
        self.save("cost", params, r, rows)
        return None

    def dataset(self) -> tuple[str, int]:
        """The list database: the township filled up to `--cases` cases (generated once per run, or
        reused). Lists and creates over HTTP both run on it."""
        if self.list_database is not None:
            return self.list_database
        cases = self.args.cases or (20_000 if self.quick else 1_000_000)
        url = self.postgres()
        gparams = {"cases": cases, "seed": self.args.seed, "events": self.args.events, "workers": 2}
        self.say(f"generate (postgres): fill up to {cases:,} cases (COPY, events={self.args.events})")
        g = self.worker("dataset", gparams, url)
        if g.get("reused"):
            # What is there: a full database is reused for a smaller --cases (and for another
            # seed or timeline, which its marker records).
            self.list_database = (url, int(g["cases"]))
            self.say(f"generate: dataset reused ({g['cases']:,} cases, {g['params']})")
            return self.list_database
        self.list_database = (url, cases)
        gen = g["generator"]
        per_million = gen["seconds"] / max(gen["cases"], 1) * 1_000_000
        grow = [
            Row(
                "generate (postgres)",
                f"{gen['cases']:,} cases + {gen['events']:,} events",
                gen["seconds"],
                "s",
                note=f"{gen['cases_per_second']:,}/s; open {gen['open_share']:.1%}, overdue {gen['overdue_share']:.1%}",
            ),
        ]
        if cases >= 1_000_000:  # asked for a million (the township's own cases are part of it)
            grow.append(
                Row(
                    "generate (postgres)",
                    "seconds per 1M cases",
                    round(per_million, 1),
                    "s",
                    target="< 120 s",
                    passed=per_million < 120,
                    note=f"load {gen['load_seconds']:.0f} s + indexes {gen['rebuild_seconds']:.0f} s",
                )
            )
        self.save("generate", gparams, g, grow)
        self.quiet()  # the generator's vacuum and analyze may still be settling
        return url, cases

    def lists(self) -> None:
        if self.pg_problem is not None:
            self.skipped("generate", f"PostgreSQL unreachable: {self.pg_problem}")
            return self.skipped("lists", f"PostgreSQL unreachable: {self.pg_problem}")
        url, cases = self.dataset()
        requests = self.args.requests or (20 if self.quick else 60)
        self.say(f"lists (postgres): {requests} requests per case at {cases:,} cases")
        r = self.worker("lists", {"requests": requests, "target_p95_ms": 50}, url)
        bare = r["baseline"]["latency_ms"]
        rows = []
        for c in r["cases"]:
            lat = c["latency_ms"]
            rows.append(
                Row(
                    "lists (postgres)",
                    f"{c['name']} p50",
                    lat.get("p50"),
                    "ms",
                    bare.get("p50"),
                    "bare GET",
                    _ratio(lat, bare, "p50"),
                )
            )
            rows.append(
                Row(
                    "lists (postgres)",
                    f"{c['name']} p95",
                    lat.get("p95"),
                    "ms",
                    bare.get("p95"),
                    "bare GET",
                    _ratio(lat, bare, "p95"),
                    "< 50 ms" if c.get("target_p95_ms") else "—",
                    c["pass"],
                    note=f"count {c['count']}" + ("+" if c.get("count_exact") is False else "")
                    if "count" in c
                    else f"{c.get('queries')} queries",
                )
            )
        self.save("lists", {"cases": cases, "requests": requests}, r, rows)
        return None

    def demo(self) -> None:
        scale = self.args.demo_scale or (0.1 if self.quick else 1.0)
        seed, year = 2023, 2023
        db = dbs.fresh_sqlite("demo")
        url = dbs.sqlite_url(db)
        self.say(f"demo (sqlite): zhizhi demo --seed {seed} --year {year} --scale {scale:g}")
        dbs.manage(url, "migrate", "--noinput", settings="zhizhi.settings")
        zhizhi = Path(sys.executable).with_name("zhizhi")
        prog = [str(zhizhi)] if zhizhi.exists() else [sys.executable, "-m", "django"]
        cmd = [*prog, "demo", "--seed", str(seed), "--year", str(year), "--scale", f"{scale:g}"]
        seconds, rss, rc = timed_child(cmd, dbs.env(url, settings="zhizhi.settings"), self.logs / "demo.log")
        if rc != 0:
            raise RuntimeError(f"zhizhi demo failed ({rc}); see {self.logs / 'demo.log'}")
        with sqlite3.connect(db) as conn:
            n_cases = conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
            n_events = conn.execute("SELECT count(*) FROM cases_caseevent").fetchone()[0]
        # Baseline: the bulk generator writing as many cases with full timelines, same machine.
        base_db = dbs.copy_sqlite(db, "demo-baseline")
        base_url = dbs.sqlite_url(base_db)
        dbs.manage(base_url, "migrate", "--noinput")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = Path(f.name)
        gparams = {"n": n_cases, "seed": seed, "years": 1, "events": "lifecycle"}
        bcmd = [sys.executable, "-m", "bench.worker", "generate", json.dumps(gparams), str(out)]
        bseconds, brss, brc = timed_child(bcmd, dbs.env(base_url), self.logs / "demo-baseline.log")
        if brc != 0:
            raise RuntimeError(f"generator baseline failed ({brc}); see {self.logs / 'demo-baseline.log'}")
        gen = json.loads(out.read_text())
        out.unlink()
        shown = self.worker("pages", {"requests": 3 if self.quick else 5}, url)
        results = {
            "command": " ".join(cmd[-8:]) if zhizhi.exists() else " ".join(cmd),
            "figure": {"seconds": round(seconds, 2), "peak_rss_mib": round(rss / 1024, 1)},
            "written": {"cases": n_cases, "events": n_events},
            "baseline": {
                "what": "bench generator (events=lifecycle) writing as many cases on SQLite, in a subprocess",
                "seconds": round(bseconds, 2),
                "peak_rss_mib": round(brss / 1024, 1),
                "generator": gen,
            },
            "pages": shown,
        }
        dbs.remove_sqlite(db)
        dbs.remove_sqlite(base_db)
        rows = [
            Row(
                "demo build (sqlite)",
                f"zhizhi demo --scale {scale:g}: {n_cases:,} cases, {n_events:,} events",
                round(seconds, 1),
                "s",
                round(bseconds, 1),
                "generator, same rows",
                round(seconds / bseconds, 2) if bseconds else None,
            ),
            Row(
                "demo build (sqlite)",
                "peak RSS",
                round(rss / 1024, 1),
                "MiB",
                round(brss / 1024, 1),
                "generator",
                round(rss / brss, 2) if brss else None,
            ),
        ]
        base = shown["baseline"]["p50_ms"]
        slowest: dict[str, dict[str, Any]] = {}
        for row in shown["pages"]:
            if row["page"] not in slowest or row["p50_ms"] > slowest[row["page"]]["p50_ms"]:
                slowest[row["page"]] = row
        for path, row in slowest.items():
            rows.append(
                Row(
                    "demo pages (sqlite)",
                    f"{path} p50, slowest role",
                    row["p50_ms"],
                    "ms",
                    base,
                    "GET /healthz",
                    round(row["p50_ms"] / base, 1) if base else None,
                    note=f"{row['role']}; status {row['status']}",
                )
            )
        self.save("demo", {"seed": seed, "year": year, "scale": scale}, results, rows)

    def finish(self) -> None:
        if self.pg_ready and not self.args.keep_db:
            self.say(f"postgres: drop {self.pg}")
            dbs.pg_drop(self.pg)
        if self.template is not None:
            dbs.remove_sqlite(self.template)


def _rounds(
    result: dict[str, Any], value: Callable[[dict[str, Any]], str], unit: str, *, spreads: bool = False
) -> str:
    """The HTTP rounds' own figures (`value` of each round's creates), and with `spreads` how each
    round's server shared the clients among its workers: the connections each worker held
    (fewest/most) and the clients' means fastest–slowest."""
    rounds = [r["create"] for r in result.get("rounds", [])]
    parts = [f"rounds {', '.join(value(x) for x in rounds)} {unit}"] if len(rounds) > 1 else []
    if spreads:
        splits = [x.get("connections_per_worker") for x in rounds]
        if splits and all(splits):
            parts.append(f"clients per worker {', '.join('/'.join(map(str, s)) for s in splits)}")
        ranges = [x["client_mean_ms_range"] for x in rounds if x.get("client_mean_ms_range")]
        if ranges:
            parts.append(f"clients' means {', '.join(f'{lo:.0f}–{hi:.0f}' for lo, hi in ranges)} ms")
    return "; ".join(parts)


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    if a.get(key) is None or not b.get(key):
        return None
    return round(a[key] / b[key], 3)


def timed_child(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, int, int]:
    """Run a command; (wall seconds, its peak RSS in KiB, exit code). os.wait4 reports the
    resource usage of exactly this child (not of every child this process ever had)."""
    with open(log, "w") as lf:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=lf, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, int(usage.ru_maxrss), proc.returncode


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = sorted(set(only) - set(ALL))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(ALL)})")
    runner = Runner(args)
    if runner.pg_problem is not None:
        runner.say(f"PostgreSQL at {runner.pg} unreachable ({runner.pg_problem}): its benchmarks are skipped")
    started = time.monotonic()
    try:
        for name in ALL:
            if name in only:
                runner.quiet()
                getattr(runner, name)()
    finally:
        runner.finish()
    print()
    print(report.table(runner.rows))
    print(f"\n{len(runner.rows)} figures in {time.monotonic() - started:.0f} s; results in {runner.out}/")
    return 0
