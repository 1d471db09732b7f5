# Stdlib reference cache: which tests pass with the real logging on an exact Python version.
"""Read and write ``compat_tests/reference/<X.Y.Z>.json``.

The file is produced by ``python -m compat_tests --target stdlib --write-reference`` and
holds the ids of the tests that pass with the stdlib, plus per-class run times that the
scheduler uses to start slow classes first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from compat_tests.model import ClassRun, Outcome
from compat_tests.paths import reference_file
from compat_tests.scoring import counts, passing


@dataclass
class Reference:
    python: str
    passed: set[str]
    class_seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    source: str = "measured live"


def load_reference(version: str) -> Reference | None:
    path = reference_file(version)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Reference(
        python=data["python"],
        passed=set(data["passed"]),
        class_seconds=data.get("class_seconds", {}),
        counts=data.get("counts", {}),
        source=f"cached in {path.parent.name}/{path.name}",
    )


def reference_from_run(
    version: str, runs: list[ClassRun], outcomes: Mapping[str, Outcome]
) -> Reference:
    return Reference(
        python=version,
        passed=passing(outcomes),
        class_seconds={run.name: round(run.seconds, 1) for run in runs},
        counts=counts(outcomes.values()),
    )


def write_reference(reference: Reference) -> str:
    path = reference_file(reference.python)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "python": reference.python,
        "platform": sys.platform,
        "produced_by": "python -m compat_tests --target stdlib --write-reference",
        "counts": reference.counts,
        "class_seconds": dict(sorted(reference.class_seconds.items())),
        "passed": sorted(reference.passed),
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return str(path)


def load_all_references() -> list[Reference]:
    """Every checked-in reference, oldest Python first."""
    found = []
    for path in reference_file("0").parent.glob("*.json"):
        reference = load_reference(path.stem)
        if reference is not None:
            found.append(reference)
    return sorted(found, key=lambda r: tuple(int(part) for part in r.python.split(".")))
