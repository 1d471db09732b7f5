# Console reporting: per-class progress lines, the summary table, failures and the score.
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from compat_tests.model import ERRORED, FAILED, PASSED, SKIPPED, STATUSES, ClassRun, Outcome
from compat_tests.scoring import Score, counts, counts_by_class

LOG_TAIL_LINES = 40
_COLUMNS = (*STATUSES, "stdlib")


def progress_line(run: ClassRun, done: int, total: int) -> str:
    figures = "  ".join(f"{status} {run.count(status):3d}" for status in STATUSES)
    line = f"[{done:2d}/{total}] {run.name:<34} {figures}  {run.seconds:6.1f}s"
    return f"{line}  !! {run.problem}" if run.problem else line


def _row(name: str, figures: Mapping[str, int], stdlib: int | str) -> str:
    cells = "".join(f"{figures.get(status, 0):>9d}" for status in STATUSES)
    return f"{name:<36}{cells}{stdlib:>9}"


def summary_table(
    outcomes: Mapping[str, Outcome], class_order: Iterable[str], reference: set[str]
) -> list[str]:
    by_class = counts_by_class(outcomes)
    stdlib_by_class: dict[str, int] = {}
    for test_id in reference:
        name = test_id.partition(".")[0]
        stdlib_by_class[name] = stdlib_by_class.get(name, 0) + 1
    names = list(dict.fromkeys([*class_order, *sorted(by_class)]))
    lines = [f"{'class':<36}" + "".join(f"{column:>9}" for column in _COLUMNS)]
    for name in names:
        if name in by_class:
            lines.append(_row(name, by_class[name], stdlib_by_class.get(name, 0)))
    wanted = {t for t in reference if t.partition(".")[0] in by_class}
    lines.append(_row("TOTAL", counts(outcomes.values()), len(wanted)))
    return lines


def failure_lines(failing: Mapping[str, Outcome], verbose: bool) -> list[str]:
    lines = []
    for test_id, outcome in failing.items():
        first = outcome.detail.splitlines()[0] if outcome.detail else ""
        where = f" [{outcome.where}]" if outcome.where else ""
        lines.append(f"  {outcome.status:<8} {test_id}: {first}{where}")
        if verbose and outcome.traceback:
            lines.extend("      " + line for line in outcome.traceback.rstrip().splitlines())
    return lines


def log_tail(path: str, limit: int = LOG_TAIL_LINES) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return text.rstrip().splitlines()[-limit:]


def crash_sections(runs: Iterable[ClassRun], verbose: bool) -> list[str]:
    """Output of classes whose process crashed or hung (all classes with --verbose)."""
    lines = []
    for run in runs:
        broken = run.problem.startswith(("crashed", "timed out", "error"))
        if run.log and (broken or verbose):
            tail = log_tail(run.log, LOG_TAIL_LINES if broken else 10_000)
            if tail:
                lines.append(f"---- output of {run.name} ({run.problem or 'ok'}) ----")
                lines.extend(tail)
    return lines


def closing_line(outcomes: Mapping[str, Outcome]) -> str:
    """The plain ``N passed, N failed, N skipped`` line (failed includes errored)."""
    totals = counts(outcomes.values())
    bad = totals[FAILED] + totals[ERRORED]
    return f"compat_tests: {totals[PASSED]} passed, {bad} failed, {totals[SKIPPED]} skipped"


def score_line(target: str, python: str, value: Score) -> str:
    return f"SCORE ({target} on Python {python}, vs stdlib-passing tests): {value}"
