"""The results model: what a session measured, as stored in benchmarks/results/*.json.

A `Session` is one interpreter's run; for each scenario it holds, per library,
the counted values of every metric (one per repetition), the problems met (each
text once, with the runs it happened in) and the verdict of the comparison with
the stdlib's output. `report` and `chart` read only this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class LibResult:
    """Everything measured for one (scenario, library) in a session."""

    status: str = "not run"  # verified, ok, missing, unsupported, hung, failed
    values: dict[str, list[float]] = field(default_factory=dict)
    runs: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)  # text -> run labels
    output_same: bool | None = None  # None: not compared
    output_detail: str = ""
    path_counts: list[int] | None = None
    version: str = ""

    def add_problem(self, text: str, label: str = "") -> None:
        labels = self.problems.setdefault(text, [])
        if label and label not in labels:
            labels.append(label)

    def problem_lines(self) -> list[str]:
        """Each problem once, prefixed by the runs it happened in ("verify, rounds 1, 3")."""
        return [
            f"{_labels(labels)}: {text}" if labels else text
            for text, labels in self.problems.items()
        ]


def _labels(labels: list[str]) -> str:
    rounds = [label.split()[1] for label in labels if label.startswith("round ")]
    others = [label for label in labels if not label.startswith("round ")]
    if rounds:
        others.append(("round " if len(rounds) == 1 else "rounds ") + ", ".join(rounds))
    return ", ".join(others)


@dataclass
class ScenarioResult:
    n: int
    verify_n: int
    libs: dict[str, LibResult] = field(default_factory=dict)


@dataclass
class Session:
    """The whole measurement, as stored in benchmarks/results/ and rendered by `report`."""

    python: str = ""
    executable: str = ""
    date: str = ""
    quick: bool = False
    repeat: int = 0
    machine: dict[str, str] = field(default_factory=dict)
    libraries: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    builds: dict[str, str] = field(default_factory=dict)  # library -> directory built from
    scenarios: dict[str, ScenarioResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        """Reads a stored session; keys this version does not know are ignored."""
        scenarios = {
            sid: ScenarioResult(
                n=value["n"],
                verify_n=value["verify_n"],
                libs={lib: _known(LibResult, item) for lib, item in value["libs"].items()},
            )
            for sid, value in data.get("scenarios", {}).items()
        }
        return _known(cls, {**data, "scenarios": scenarios})


def _known(kind: Any, data: dict[str, Any]) -> Any:
    names = {item.name for item in fields(kind)}
    return kind(**{key: value for key, value in data.items() if key in names})
