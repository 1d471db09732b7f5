# Score arithmetic: merges class runs with the stdlib reference and counts outcomes.
"""SCORE = tests passing under the target / tests passing under the stdlib.

Only tests that pass with the real ``logging`` on the same interpreter are in the
denominator, and only those of them that pass under the target are in the numerator, so
the score never exceeds 100 %.  A reference test the target run never reported (its class
is missing, or collection failed) counts as errored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from compat_tests.model import ERRORED, PASSED, STATUSES, ClassRun, Outcome, class_of

NOT_COLLECTED = "not collected: the class or test does not exist under this target"


@dataclass(frozen=True)
class Score:
    passed: int
    reference: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.reference if self.reference else 0.0

    def __str__(self) -> str:
        return f"{self.passed}/{self.reference} = {self.percent:.1f}%"


def merge_outcomes(
    runs: Iterable[ClassRun],
    reference: Iterable[str],
    selected: Callable[[str], bool] = lambda name: True,
    collection_error: str = "",
) -> dict[str, Outcome]:
    """All outcomes of ``runs`` plus an errored entry for each unreported reference test."""
    outcomes: dict[str, Outcome] = {}
    for run in runs:
        outcomes.update(run.outcomes)
    missing = collection_error or NOT_COLLECTED
    for test_id in reference:
        if selected(class_of(test_id)) and test_id not in outcomes:
            outcomes[test_id] = Outcome(ERRORED, detail=missing)
    return outcomes


def passing(outcomes: Mapping[str, Outcome]) -> set[str]:
    return {test_id for test_id, outcome in outcomes.items() if outcome.status == PASSED}


def score(outcomes: Mapping[str, Outcome], reference: Iterable[str]) -> Score:
    wanted = set(reference)
    return Score(len(passing(outcomes) & wanted), len(wanted))


def counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    totals = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes:
        totals[outcome.status] += 1
    return totals


def counts_by_class(outcomes: Mapping[str, Outcome]) -> dict[str, dict[str, int]]:
    grouped: dict[str, list[Outcome]] = {}
    for test_id, outcome in outcomes.items():
        grouped.setdefault(class_of(test_id), []).append(outcome)
    return {name: counts(items) for name, items in grouped.items()}


def regressions_against_stdlib(
    outcomes: Mapping[str, Outcome], reference: Iterable[str]
) -> dict[str, Outcome]:
    """Reference tests that do not pass under the target, with their outcome."""
    return {
        test_id: outcomes[test_id]
        for test_id in sorted(reference)
        if test_id in outcomes and outcomes[test_id].status != PASSED
    }
