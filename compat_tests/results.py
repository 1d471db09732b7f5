# Stored femtologging results per minor Python version, the input of the generated docs.
"""Read and write ``compat_tests/results/<X.Y>.json``.

Each file records, for one interpreter, every test's outcome under femtologging and
whether it passes with the stdlib, so docs/compatibility.md can be regenerated for all
versions without rerunning them.  Tracebacks and machine paths are left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from compat_tests.model import Outcome
from compat_tests.paths import RESULTS_DIR, results_file


@dataclass
class VersionResults:
    python: str  # exact version, e.g. 3.11.7
    target: str
    outcomes: dict[str, Outcome]
    stdlib_passed: set[str]
    classes: list[str]  # in test_logging.py definition order

    @property
    def minor(self) -> str:
        return ".".join(self.python.split(".")[:2])


def save_results(results: VersionResults) -> str:
    path = results_file(results.minor)
    path.parent.mkdir(parents=True, exist_ok=True)
    tests = {}
    for test_id in sorted(set(results.outcomes) | results.stdlib_passed):
        outcome = results.outcomes[test_id]
        entry = outcome.to_json(with_traceback=False)
        entry["stdlib"] = "passed" if test_id in results.stdlib_passed else "not passed"
        tests[test_id] = entry
    data = {
        "python": results.python,
        "target": results.target,
        "produced_by": "python -m compat_tests --write-docs",
        "classes": results.classes,
        "tests": tests,
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return str(path)


def _load(data: Mapping[str, object]) -> VersionResults:
    tests = data["tests"]
    assert isinstance(tests, dict)
    classes = data.get("classes", [])
    assert isinstance(classes, list)
    return VersionResults(
        python=str(data["python"]),
        target=str(data.get("target", "femtologging")),
        outcomes={key: Outcome.from_json(value) for key, value in tests.items()},
        stdlib_passed={key for key, value in tests.items() if value.get("stdlib") == "passed"},
        classes=[str(name) for name in classes],
    )


def load_all_results() -> list[VersionResults]:
    """Every stored results file, oldest Python first."""
    found = []
    for path in RESULTS_DIR.glob("*.json"):
        found.append(_load(json.loads(path.read_text(encoding="utf-8"))))
    return sorted(found, key=lambda r: tuple(int(part) for part in r.python.split(".")[:3]))
