"""bench.cli: the notes the HTTP rows carry about their rounds."""

from __future__ import annotations

from bench.cli import ALL, _rounds


def _result(*rounds: tuple[float, float, list[float]], splits: list[list[int]] | None = None) -> dict:
    return {
        "rounds": [
            {
                "create": {
                    "per_second": rate,
                    "latency_ms": {"p99": p99},
                    "client_mean_ms_range": spread,
                    **({"connections_per_worker": splits[i]} if splits else {}),
                }
            }
            for i, (rate, p99, spread) in enumerate(rounds)
        ]
    }


def test_each_rounds_rate_and_p99_with_its_clients_spread() -> None:
    r = _result((538.4, 97.2, [45.1, 66.0]), (604.0, 86.9, [52.3, 53.4]), (571.6, 110.3, [44.7, 91.1]))
    assert _rounds(r, lambda x: f"{x['per_second']:.0f}", "/s") == "rounds 538, 604, 572 /s"
    assert (
        _rounds(r, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True)
        == "rounds 97, 87, 110 ms; clients' means 45–66, 52–53, 45–91 ms"
    )


def test_each_rounds_clients_per_worker_when_the_rounds_read_them() -> None:
    rounds = ((538.4, 97.2, [45.1, 66.0]), (604.0, 86.9, [52.3, 53.4]))
    r = _result(*rounds, splits=[[13, 19], [16, 16]])
    assert (
        _rounds(r, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True)
        == "rounds 97, 87 ms; clients per worker 13/19, 16/16; clients' means 45–66, 52–53 ms"
    )
    assert _rounds(r, lambda x: f"{x['per_second']:.0f}", "/s") == "rounds 538, 604 /s"
    # a round that could not read its split (no ss): none is shown rather than some
    partly = _result(*rounds, splits=[[13, 19], []])
    assert (
        _rounds(partly, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True)
        == "rounds 97, 87 ms; clients' means 45–66, 52–53 ms"
    )


def test_one_round_shows_only_its_spread() -> None:
    r = _result((572.0, 97.9, [45.2, 66.2]))
    assert _rounds(r, lambda x: f"{x['per_second']:.0f}", "/s") == ""
    assert (
        _rounds(r, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True) == "clients' means 45–66 ms"
    )


def test_creates_over_http_run_on_the_list_database_after_the_lists() -> None:
    assert ALL.index("lists") < ALL.index("http")


def test_rounds_without_clients_show_no_spread() -> None:
    r = {"rounds": [{"create": {"per_second": 0.0, "latency_ms": {"p99": 0.0}, "client_mean_ms_range": []}}]}
    assert _rounds(r, lambda x: f"{x['latency_ms']['p99']:.0f}", "ms", spreads=True) == ""
