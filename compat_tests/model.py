# Outcome vocabulary shared by the child runner, the scheduler and the reports.
"""Per-test outcomes and per-class runs, with their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSED = "passed"
FAILED = "failed"
ERRORED = "errored"
SKIPPED = "skipped"
STATUSES = (PASSED, FAILED, ERRORED, SKIPPED)

# When several reports concern one test (subtests, fixture errors), the worst one wins.
_SEVERITY = {SKIPPED: 0, PASSED: 1, FAILED: 2, ERRORED: 3}


def class_of(test_id: str) -> str:
    """``LoggerTest`` for ``LoggerTest.test_find_caller``."""
    return test_id.partition(".")[0]


@dataclass
class Outcome:
    """What happened to one test method."""

    status: str
    detail: str = ""  # first line(s) of the failure, or the skip reason
    where: str = ""  # innermost test_logging.py frame of a failure, "file:line in func"
    traceback: str = ""  # full traceback; shown with --verbose, not stored in results

    def worse_of(self, other: Outcome) -> Outcome:
        return other if _SEVERITY[other.status] > _SEVERITY[self.status] else self

    def to_json(self, *, with_traceback: bool = True) -> dict[str, str]:
        data = {"status": self.status}
        if self.detail:
            data["detail"] = self.detail
        if self.where:
            data["where"] = self.where
        if with_traceback and self.traceback:
            data["traceback"] = self.traceback
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            status=data["status"],
            detail=data.get("detail", ""),
            where=data.get("where", ""),
            traceback=data.get("traceback", ""),
        )


@dataclass
class ClassRun:
    """The outcome of running one TestCase class in its own process."""

    name: str
    outcomes: dict[str, Outcome]
    seconds: float = 0.0
    problem: str = ""  # crash, timeout or fixture error affecting the whole class
    log: str = ""  # path of the child's captured stdout/stderr
    redirect: dict[str, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.status == status)
