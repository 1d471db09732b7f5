# unittest TestResult that turns unittest's callbacks into per-test Outcome records.
"""Classify unittest events into passed / failed / errored / skipped per test method.

* expected failures count as passed (the test behaves as its authors expect), unexpected
  successes as failed (unittest itself treats them as a failed run);
* subtests are folded into their test method, the worst result winning;
* errors raised by class/module fixtures are kept apart and later applied to the tests
  they prevented from running.
"""

from __future__ import annotations

import os
import re
import traceback
import unittest
from pathlib import Path
from types import TracebackType

from compat_tests.loader import short_id
from compat_tests.model import ERRORED, FAILED, PASSED, SKIPPED, Outcome

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

DETAIL_LINES = 3
DETAIL_CHARS = 400


# Object addresses would make stored results and the generated docs change on every run.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def exception_summary(exc: BaseException) -> str:
    """The first lines of ``Type: message`` for ``exc``, trimmed for reports."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    text = _ADDRESS.sub("0x...", text)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    summary = "\n".join(lines[:DETAIL_LINES])
    if len(lines) > DETAIL_LINES:
        summary += "\n..."
    return summary if len(summary) <= DETAIL_CHARS else summary[: DETAIL_CHARS - 3] + "..."


def innermost_frame(tb: TracebackType | None, filename: str) -> str:
    """``test_logging.py:123 in test_x`` for the deepest frame of ``filename`` in ``tb``."""
    found = ""
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            found = f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
    return found


class OutcomeCollector(unittest.TestResult):
    """Records an :class:`Outcome` per test id; optionally logs each test as it starts."""

    def __init__(self, test_filename: str, progress: Path | None = None) -> None:
        super().__init__()
        self.test_filename = test_filename
        self.progress = progress
        self.outcomes: dict[str, Outcome] = {}
        self.fixture_errors: list[str] = []
        self.fixture_skips: list[str] = []

    # -- helpers -----------------------------------------------------------------------
    def _record(self, test: unittest.TestCase, outcome: Outcome) -> None:
        test_id = short_id(test)
        previous = self.outcomes.get(test_id)
        self.outcomes[test_id] = previous.worse_of(outcome) if previous else outcome

    def _from_error(self, status: str, err: ExcInfo) -> Outcome:
        _, exc, tb = err
        return Outcome(
            status=status,
            detail=exception_summary(exc),
            where=innermost_frame(tb, self.test_filename),
            traceback="".join(traceback.format_exception(*err)),
        )

    @staticmethod
    def _owner(test: unittest.TestCase) -> unittest.TestCase | None:
        """The test method a (sub)test belongs to; None for fixture error holders."""
        if isinstance(test, unittest.TestCase):
            return getattr(test, "test_case", test)
        return None

    # -- unittest callbacks ------------------------------------------------------------
    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        if self.progress is not None:
            with self.progress.open("a", encoding="utf-8") as stream:
                stream.write(short_id(test) + "\n")

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._record(test, Outcome(PASSED))

    def addFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:
        super().addFailure(test, err)
        self._record(test, self._from_error(FAILED, err))

    def addError(self, test: unittest.TestCase, err: ExcInfo) -> None:
        super().addError(test, err)
        owner = self._owner(test)
        outcome = self._from_error(ERRORED, err)
        if owner is None:  # setUpClass / setUpModule / tearDown* error holder
            self.fixture_errors.append(f"{test.description}: {outcome.detail}")
        else:
            self._record(owner, outcome)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        owner = self._owner(test)
        if owner is None:
            self.fixture_skips.append(f"{test.description}: {reason}")
        else:
            self._record(owner, Outcome(SKIPPED, detail=str(reason)))

    def addExpectedFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:
        super().addExpectedFailure(test, err)
        self._record(test, Outcome(PASSED, detail="expected failure"))

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._record(test, Outcome(FAILED, detail="unexpected success"))

    def addSubTest(
        self, test: unittest.TestCase, subtest: unittest.TestCase, err: ExcInfo | None
    ) -> None:
        super().addSubTest(test, subtest, err)
        if err is None:
            self._record(test, Outcome(PASSED))
            return
        status = FAILED if issubclass(err[0], test.failureException) else ERRORED
        outcome = self._from_error(status, err)
        describe = getattr(subtest, "_subDescription", lambda: "subtest")
        outcome.detail = f"{describe()}: {outcome.detail}"
        self._record(test, outcome)
