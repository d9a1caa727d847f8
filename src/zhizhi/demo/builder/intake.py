"""When and where demo cases arrive: exact counts per channel and category, days weighted by
working day, season and grid-visit days, hours by channel, places spread over the micro-grids."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from zhizhi.cases.models import Channel
from zhizhi.core import calendar
from zhizhi.demo.builder import mix
from zhizhi.demo.builder.territory import Box, Territory
from zhizhi.territory.models import Region, VillageKind


@dataclass(frozen=True)
class Arrival:
    received_at: datetime
    channel: str
    category: str  # subclass code


def allocate(weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` in proportion to `weights` exactly (largest remainder; ties by order)."""
    items = [(k, w) for k, w in weights.items() if w > 0]
    whole = sum(w for _, w in items)
    if total <= 0 or whole <= 0:
        return dict.fromkeys(weights, 0)
    quotas = [(k, total * w / whole) for k, w in items]
    counts = {k: int(q) for k, q in quotas}
    left = total - sum(counts.values())
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i][1] - int(quotas[i][1])), i))
    for i in order[:left]:
        counts[quotas[i][0]] += 1
    return counts


def channel_counts(scale: float) -> dict[str, int]:
    total = round(mix.TOTAL_CASES * scale)
    hotline = min(round(mix.HOTLINE_CASES * scale), total)
    return {Channel.HOTLINE: hotline, **allocate(dict(mix.OTHER_CHANNELS), total - hotline)}


class Calendar:
    """Cumulative day weights per (channel, season), and hour weights per channel."""

    def __init__(self, year: int) -> None:
        first = date(year, 1, 1)
        self.days = list(
            itertools.takewhile(lambda d: d.year == year, (first + timedelta(days=i) for i in range(366)))
        )
        self.workday = [calendar.is_workday(d) for d in self.days]
        self._day_cum: dict[tuple[str, tuple[float, ...]], list[float]] = {}
        self._hour_cum = {ch: list(itertools.accumulate(w)) for ch, w in mix.HOURS.items()}

    def _cum(self, channel: str, season: tuple[float, ...]) -> list[float]:
        key = (channel, season)
        cum = self._day_cum.get(key)
        if cum is None:
            weights = []
            for day, working in zip(self.days, self.workday, strict=True):
                w = 1.0 if working else mix.OFF_DAY[channel]
                if channel == Channel.GRID_PATROL and day.day % 10 in (1, 5):
                    w *= mix.GRID_DAY_BUMP
                weights.append(w * season[day.month - 1])
            cum = self._day_cum[key] = list(itertools.accumulate(weights))
        return cum

    def moment(self, channel: str, season: tuple[float, ...], rng: random.Random) -> datetime:
        cum = self._cum(channel, season)
        day = self.days[bisect.bisect_right(cum, rng.random() * cum[-1])]
        hours = self._hour_cum[channel]
        hour = bisect.bisect_right(hours, rng.random() * hours[-1])
        return datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=calendar.TZ
        )


def arrivals(year: int, scale: float, class_of: dict[str, str], rng: random.Random) -> list[Arrival]:
    """Every case's (time, channel, category), in order of arrival. `class_of`: subclass → class
    code for the categories that exist (others in the mix are skipped)."""
    cal = Calendar(year)
    out: list[Arrival] = []
    for channel, n in channel_counts(scale).items():
        weights = {code: w for code, w in mix.CATEGORY_MIX[channel].items() if code in class_of}
        for code, k in allocate(weights, n).items():
            season = mix.season(code, class_of[code])
            out.extend(Arrival(cal.moment(channel, season, rng), channel, code) for _ in range(k))
    out.sort(key=lambda a: a.received_at)  # stable: equal times keep generation order
    return out


class Places:
    """Micro-grids weighted by how many people live there; a random point inside one."""

    ISLANDS = frozenset({"悬山村", "佛渡村"})

    def __init__(self, territory: Territory) -> None:
        self.territory = territory
        weights = []
        for m in territory.micro_grids:
            village = territory.village_of[m.pk]
            w = 2.0 if village.kind == VillageKind.COMMUNITY else 1.0
            if village.name in self.ISLANDS:
                w = 0.4
            weights.append(w)
        self._cum = list(itertools.accumulate(weights))

    def micro_grid(self, rng: random.Random) -> Region:
        i = bisect.bisect_right(self._cum, rng.random() * self._cum[-1])
        return self.territory.micro_grids[i]

    def point(self, micro_grid: Region, rng: random.Random) -> tuple[float, float]:
        lon0, lat0, lon1, lat1 = self.territory.boxes[micro_grid.pk]
        return _inside((lon0, lat0, lon1, lat1), rng.uniform(0.03, 0.97), rng.uniform(0.03, 0.97))

    def near(self, micro_grid: Region, lon: float, lat: float, rng: random.Random) -> tuple[float, float]:
        """A point within some 50 m of (lon, lat), kept inside the micro-grid (a duplicate report)."""
        lon0, lat0, lon1, lat1 = self.territory.boxes[micro_grid.pk]
        fx = (lon + rng.uniform(-0.0004, 0.0004) - lon0) / (lon1 - lon0)
        fy = (lat + rng.uniform(-0.0004, 0.0004) - lat0) / (lat1 - lat0)
        return _inside((lon0, lat0, lon1, lat1), min(max(fx, 0.03), 0.97), min(max(fy, 0.03), 0.97))


def _inside(box: Box, fx: float, fy: float) -> tuple[float, float]:
    lon0, lat0, lon1, lat1 = box
    return round(lon0 + (lon1 - lon0) * fx, 6), round(lat0 + (lat1 - lat0) * fy, 6)
