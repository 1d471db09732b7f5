"""The issue's goals for femtologging, and how a measured row is judged against them.

A target is met only by femtologging's median, and only when its output was
verified: every record arrived in every run, bytes equal to the stdlib's. Ratios are
stdlib time / library time, so bigger is better.
"""

from __future__ import annotations

from dataclasses import dataclass

from .stats import Summary

SUBJECT = "femtologging"


@dataclass(frozen=True)
class Target:
    """One goal: any combination of a minimum ratio, a maximum value, a most
    above the stdlib's value (`max_over`, in the metric's raw unit), a rival to beat."""

    text: str
    min_ratio: float | None = None
    max_ns: float | None = None
    max_over: float | None = None
    beat: str | None = None
    stated: bool = False


@dataclass(frozen=True)
class Judgement:
    met: bool | None  # None: could not be judged (not measured, rival missing)
    text: str


def judge(
    target: Target,
    summaries: dict[str, Summary | None],
    ratio: float | None,
    blocker: str,
    unit_scale: float,
    unit: str,
) -> Judgement:
    """Judges femtologging's row; `summaries` holds every library's summary for it.

    `blocker` is why the figure cannot count (output differs, records lost), or "".
    """
    mine = summaries.get(SUBJECT)
    if mine is None:
        return Judgement(None, "not measured")
    if blocker:
        return Judgement(False, f"no: {blocker}")
    if target.stated:
        return Judgement(True, "yes (stated)")
    failures: list[str] = []
    passes: list[str] = []
    unknown: list[str] = []
    if target.min_ratio is not None:
        if ratio is None:
            unknown.append("no stdlib figure")
        elif ratio >= target.min_ratio:
            passes.append(f"{ratio:.2f}x")
        else:
            failures.append(f"{ratio:.2f}x < {target.min_ratio:g}x")
    if target.max_ns is not None:
        shown = f"{mine.median / unit_scale:.2f} {unit}"
        limit = f"{target.max_ns / unit_scale:g} {unit}"
        if mine.median <= target.max_ns:
            passes.append(f"{shown} <= {limit}")
        else:
            failures.append(f"{shown} > {limit}")
    if target.max_over is not None:
        reference = summaries.get("stdlib")
        if reference is None:
            unknown.append("no stdlib figure")
        else:
            over = mine.median - reference.median
            shown = f"{over / unit_scale:+.2f} {unit} vs stdlib"
            if over <= target.max_over:
                passes.append(shown)
            else:
                failures.append(f"{shown}, more than +{target.max_over / unit_scale:g} {unit}")
    if target.beat is not None:
        rival = summaries.get(target.beat)
        if rival is None:
            unknown.append(f"{target.beat} not measured")
        elif mine.median < rival.median:
            passes.append(f"beats {target.beat} by {rival.median / mine.median:.2f}x")
        else:
            failures.append(f"{mine.median / rival.median:.2f}x slower than {target.beat}")
    if failures:
        return Judgement(False, "no: " + "; ".join(failures + passes))
    if unknown:
        return Judgement(None, "unknown: " + "; ".join(unknown + passes))
    return Judgement(True, "yes: " + "; ".join(passes))
