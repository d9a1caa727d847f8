"""Small, exact statistics for latencies and rates (no numpy: the definitions are spelled out)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 ≤ q ≤ 100) with linear interpolation between closest ranks.

    Same definition as numpy's default ("linear"): rank = q/100 · (n − 1) over the sorted values.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    lo = math.floor(rank)
    hi = math.ceil(rank)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo))


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline; None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def rate(count: int, seconds: float) -> float:
    """Events per second; 0.0 for an empty or instantaneous run."""
    return count / seconds if seconds > 0 else 0.0


def summary_ms(latencies_s: Sequence[float]) -> dict[str, float | int]:
    """n, mean, min, p50, p95, p99, max of latencies given in seconds, reported in milliseconds."""
    if not latencies_s:
        return {"n": 0}
    ms = [x * 1000 for x in latencies_s]
    return {
        "n": len(ms),
        "mean": round(sum(ms) / len(ms), 3),
        "min": round(min(ms), 3),
        "p50": round(percentile(ms, 50), 3),
        "p95": round(percentile(ms, 95), 3),
        "p99": round(percentile(ms, 99), 3),
        "max": round(max(ms), 3),
    }
