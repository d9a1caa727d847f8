"""One figure machinery for every domain: a `Figure` is a count (or a rate, or a sum) over a
queryset of records for a filter; a `FigureSet` is a domain's figures with the function that limits
records to what a user may see, so that each number a user is shown equals the count of the list
behind it ("each figure traceable to its records").

The domains own what they count (`safety.figures`, `petitions.figures`, `mediation.figures`,
`hotline.figures` define their querysets and `FIGURES`); this module owns how a figure is computed,
drilled into and evaluated for one user. A filter is any object the domain's record functions take
(usually `metrics.period.FigureFilter`; safety has its own with committee and campaign).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet, Sum

from zhizhi.accounts.models import User
from zhizhi.core.errors import ValidationFailed

F = TypeVar("F")
Records = Callable[[Any], QuerySet[Any]]
Restrict = Callable[[QuerySet[Any], User], QuerySet[Any]]


def ratio(part: int, whole: int | None) -> float | None:
    """A rate as stored and shown: six decimals; None when there is nothing to divide by."""
    return round(part / whole, 6) if whole else None


@dataclass(frozen=True)
class Figure:
    code: str
    label: str  # Chinese, marked with gettext_noop: translate where shown
    unit: str
    records: Records  # the records counted (for a rate: the numerator's)
    denominator: Records | None = None  # a rate's denominator
    total_field: str | None = None  # a sum of this field over the records rather than their count

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    def measure(self, records: QuerySet[Any]) -> int:
        """The figure's number over these records: their count, or the sum of `total_field`."""
        if self.total_field is None:
            return records.count()
        return int(records.aggregate(n=Sum(self.total_field))["n"] or 0)

    def parts(self, f: Any) -> tuple[int, int | None]:
        """(numerator, denominator) — the denominator is None for a count or a sum."""
        part = self.measure(self.records(f))
        return part, (self.denominator(f).count() if self.denominator is not None else None)

    def value(self, f: Any) -> int | float | None:
        part, whole = self.parts(f)
        return part if self.denominator is None else ratio(part, whole)


@dataclass(frozen=True)
class Value:
    """A figure as one user sees it: computed on exactly the records `drill` lists for that user."""

    figure: Figure
    value: int | float | None
    numerator: int  # a count's value, a rate's numerator, or a sum's number of records
    denominator: int | None = None

    @property
    def code(self) -> str:
        return self.figure.code


class FigureSet(Generic[F]):
    """A domain's figures, by code, with the scope that limits their records to a user's."""

    def __init__(self, figures: Iterable[Figure], restrict: Restrict) -> None:
        self.figures: dict[str, Figure] = {fig.code: fig for fig in figures}
        self._restrict = restrict

    def get(self, code: str) -> Figure:
        figure = self.figures.get(code)
        if figure is None:
            raise ValidationFailed("unknown_figure", f"未知的指标：{code}")
        return figure

    def restrict(self, qs: QuerySet[Any], user: User | None) -> QuerySet[Any]:
        """Records limited to what `user` may see (all of them without a user)."""
        return qs if user is None else self._restrict(qs, user)

    def compute(self, f: F, codes: list[str] | None = None) -> dict[str, int | float | None]:
        """Every figure (or those of `codes`) on all records: for the CLI, reports and tests."""
        return {code: self.get(code).value(f) for code in (codes or list(self.figures))}

    def drill(self, code: str, f: F, user: User | None = None) -> QuerySet[Any]:
        """The records behind a figure (a rate's numerator), limited to what `user` may see."""
        return self.restrict(self.get(code).records(f), user)

    def drill_denominator(self, code: str, f: F, user: User | None = None) -> QuerySet[Any]:
        """The records behind a rate's denominator, limited to what `user` may see."""
        figure = self.get(code)
        if figure.denominator is None:
            raise ValidationFailed("not_a_rate", f"指标“{figure.label}”不是比率")
        return self.restrict(figure.denominator(f), user)

    def evaluate(self, code: str, f: F, user: User | None = None) -> Value:
        """One figure on the user's records, so that it equals the count of its drill-down."""
        figure = self.get(code)
        records = self.drill(code, f, user)
        if figure.total_field is not None:
            return Value(figure, figure.measure(records), records.count())
        part = records.count()
        if figure.denominator is None:
            return Value(figure, part, part)
        whole = self.drill_denominator(code, f, user).count()
        return Value(figure, ratio(part, whole), part, whole)

    def evaluate_all(self, f: F, user: User | None = None) -> list[Value]:
        return [self.evaluate(code, f, user) for code in self.figures]
