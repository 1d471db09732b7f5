# Ratchet baseline: tests known to pass with femtologging per minor version; must not regress.
"""Read, check and update ``compat_tests/baseline/<X.Y>.txt`` (one test id per line).

A missing file is an empty baseline.  Lines starting with ``#`` are comments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compat_tests.model import class_of
from compat_tests.paths import baseline_file

HEADER = (
    "# Tests of CPython's test_logging.py that pass with femtologging on Python {minor}.\n"
    "# A run fails when one of them stops passing.  Regenerate with:\n"
    "#   python -m compat_tests --update-baseline\n"
)


def load_baseline(minor: str) -> set[str]:
    path = baseline_file(minor)
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def regressions(
    baseline: Iterable[str], passed: set[str], selected: Callable[[str], bool]
) -> list[str]:
    """Baseline tests (of the selected classes) that did not pass in this run."""
    return sorted(t for t in baseline if selected(class_of(t)) and t not in passed)


@dataclass
class BaselineUpdate:
    added: list[str]
    dropped: list[str]
    written: bool
    path: str


def update_baseline(
    minor: str,
    passed: set[str],
    selected: Callable[[str], bool],
    allow_shrink: bool,
) -> BaselineUpdate:
    """Replace the selected classes' part of the baseline with ``passed``.

    Refuses (writes nothing) when tests would be dropped, unless ``allow_shrink``.
    """
    old = load_baseline(minor)
    kept = {t for t in old if not selected(class_of(t))}
    new = kept | {t for t in passed if selected(class_of(t))}
    update = BaselineUpdate(
        added=sorted(new - old),
        dropped=sorted(old - new),
        written=False,
        path=str(baseline_file(minor)),
    )
    if update.dropped and not allow_shrink:
        return update
    path = baseline_file(minor)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{test_id}\n" for test_id in sorted(new))
    path.write_text(HEADER.format(minor=minor) + body, encoding="utf-8")
    update.written = True
    return update
