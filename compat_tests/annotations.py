# Human explanations of known failures, read from compat_tests/known_failures.json.
"""Map a failing test id to a human reason.

``known_failures.json`` holds ``{"reasons": {PATTERN: REASON, ...}}`` where PATTERN is a
test id (``Class.test_method``) or an :mod:`fnmatch` glob (``ConfigFileTest.*``) and REASON
is either a string or ``{"reason": str, "python": ["3.12", ...]}`` to limit it to some
minor versions.  An exact id beats a glob; among globs the longest pattern wins.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

from compat_tests.paths import KNOWN_FAILURES_FILE


@dataclass(frozen=True)
class Annotation:
    pattern: str
    reason: str
    pythons: tuple[str, ...] = ()  # empty: every version
    flaky: bool = False  # passes or fails by timing: kept out of the ratchet baseline

    def applies(self, test_id: str, minor: str) -> bool:
        if self.pythons and minor not in self.pythons:
            return False
        return fnmatch.fnmatchcase(test_id, self.pattern)


def load_annotations(path: Path = KNOWN_FAILURES_FILE) -> list[Annotation]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    annotations = []
    for pattern, value in data.get("reasons", {}).items():
        if isinstance(value, str):
            annotations.append(Annotation(pattern, value))
        else:
            annotations.append(
                Annotation(
                    pattern,
                    value["reason"],
                    tuple(value.get("python", ())),
                    bool(value.get("flaky", False)),
                )
            )
    return annotations


def reason_for(annotations: list[Annotation], test_id: str, minor: str) -> str | None:
    matches = [a for a in annotations if a.applies(test_id, minor)]
    if not matches:
        return None
    exact = [a for a in matches if a.pattern == test_id]
    best = exact[0] if exact else max(matches, key=lambda a: len(a.pattern))
    return best.reason


def is_flaky(annotations: list[Annotation], test_id: str, minor: str) -> bool:
    """Whether the test is annotated as timing-dependent on this version."""
    return any(a.flaky and a.applies(test_id, minor) for a in annotations)
