"""Summaries over repetitions: median, min-max range, and the ratio to the stdlib."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """The counted repetitions of one (library, metric); values are in nanoseconds or KiB."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def summarize(values: list[float]) -> Summary | None:
    """None when no repetition counted (crashed, missing, or records lost)."""
    return Summary(tuple(values)) if values else None


def ratio(reference: Summary | None, other: Summary | None) -> float | None:
    """Reference median / other median: how many times faster `other` is."""
    if reference is None or other is None or other.median <= 0:
        return None
    return reference.median / other.median
