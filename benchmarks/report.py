"""The report: machine description, results table with targets, notes, docs/benchmarks.md.

A session (one interpreter's run) is stored as JSON in benchmarks/results/,
one file per CPython minor version; docs/benchmarks.md is regenerated from all
of them, so runs under 3.11 and 3.12 end up side by side.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime
from pathlib import Path

from .catalogue import REFERENCE, SCENARIOS, Metric, Scenario
from .protocol import REPO_ROOT
from .results import LibResult, Session
from .stats import Summary, ratio, summarize
from .targets import SUBJECT, judge
from .variants import VARIANTS, Variant, is_variant, label

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DOCS_PATH = REPO_ROOT / "docs" / "benchmarks.md"
CHART_PATH = REPO_ROOT / "docs" / "benchmarks.png"


def machine_info() -> dict[str, str]:
    """What the numbers were measured on, as shown in the report."""
    cpu = platform.processor() or "unknown CPU"
    memory = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    info = {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical cores ({usable} usable)",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "load": "load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        "commit": repo_commit(),
        "environment": python_environment(),
    }
    return {key: value for key, value in info.items() if value}


def python_environment() -> str:
    """The PYTHON* variables the subprocesses inherit (PYTHONPATH aside, which
    is cleaned for them): PYTHONUNBUFFERED decides which path the /dev/null
    scenario's StreamHandler takes."""
    names = sorted(
        name for name in os.environ if name.startswith("PYTHON") and name != "PYTHONPATH"
    )
    if not names:
        return "no PYTHON* variable set: stdout and stderr are buffered"
    shown = ", ".join(f"{name}={os.environ[name]}" for name in names)
    if os.environ.get("PYTHONUNBUFFERED"):
        shown += (
            " (stdout and stderr unbuffered: the /dev/null scenario measures the line "
            "written straight to the descriptor; buffered, it goes through the stream's "
            "write and flush, see docs/performance.md)"
        )
    return shown


# What a femtologging build is made from, as compared with the repository's HEAD.
_BUILD_INPUTS = ("src", "femtologging", "build.rs", "Cargo.toml", "Cargo.lock", "pyproject.toml")


def _git(*args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def repo_commit(build: str = "") -> str:
    """The repository's HEAD, and which commit the measured femtologging was built from.

    `build` is the directory the installed femtologging was built from (see
    `child`): its sources are compared with those of HEAD and of the commits
    before it. Unknown, or the repository itself: the repository's working tree
    is compared with HEAD.
    """
    try:
        head = _git("rev-parse", "--short", "HEAD").strip()
        if not build or Path(build).resolve() == REPO_ROOT:
            dirty = _git("status", "--porcelain", "--", *_BUILD_INPUTS).strip()
            return f"{head} (with uncommitted changes)" if dirty else head
        built = _built_commit(Path(build))
    except (OSError, subprocess.CalledProcessError, ValueError):
        return ""
    if built is None:
        return f"{head}; femtologging built from sources of none of its last {_SEARCHED} commits"
    if built == head:
        return f"{head}; femtologging built from the same sources"
    return f"{head}; femtologging built from the sources of the earlier commit {built}"


_SEARCHED = 50  # commits, from HEAD back, a build directory is compared with


def _built_commit(build: Path) -> str | None:
    """The newest recent commit whose build inputs the directory holds exactly, or None."""
    present = sorted(_source_files(build))
    paths = "".join(f"{build / path}\n" for path in present)
    hashes = _git("hash-object", "--no-filters", "--stdin-paths", stdin=paths).split()
    found = dict(zip(present, hashes, strict=True))
    for commit in _git("rev-list", f"--max-count={_SEARCHED}", "HEAD").split():
        listing: dict[str, str] = {}
        for entry in _git("ls-tree", "-r", "-z", commit, "--", *_BUILD_INPUTS).split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                listing[path] = meta.split()[2]
        if listing == found:
            return _git("rev-parse", "--short", commit).strip()
    return None


def _source_files(build: Path) -> list[str]:
    """The build inputs found in `build`, without what building leaves there."""
    found = []
    for name in _BUILD_INPUTS:
        top = build / name
        if top.is_file():
            found.append(name)
        elif top.is_dir():
            found += [
                path.relative_to(build).as_posix()
                for path in top.rglob("*")
                if path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix not in (".so", ".pyd")
            ]
    return found


def now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _span(values: list[float]) -> str:
    low, high = _number(min(values)), _number(max(values))
    return low if low == high else f"{low}-{high}"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _summary(result: LibResult | None, key: str) -> Summary | None:
    if result is None:
        return None
    return summarize(result.values.get(key, []))


class _Notes:
    """Numbered footnotes, each text once."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def mark(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def _value_cell(
    result: LibResult | None, metric: Metric, first_row: bool, lib: str, notes: _Notes
) -> str:
    if result is None:
        return "not run"
    summary = _summary(result, metric.key)
    marks = ""
    if first_row:
        if result.output_same is False:
            marks += " **output differs** " + notes.mark(f"{lib}: {result.output_detail}")
        if result.status not in ("missing", "unsupported"):
            for problem in result.problem_lines():
                marks += " " + notes.mark(f"{lib}: {problem}")
    if summary is None:
        word = {"missing": "not installed", "unsupported": "unsupported", "hung": "hung"}.get(
            result.status, "failed"
        )
        if result.status == "unsupported" and result.problems:
            word += " " + notes.mark(f"{lib}: {result.problem_lines()[0]}")
        return (word + marks).strip()
    shown = _number(summary.median / metric.scale)
    if len(summary.values) > 1:
        low, high = _number(summary.low / metric.scale), _number(summary.high / metric.scale)
        shown += f" ({low}-{high})"
    return shown + marks


def _ratio_cell(session: Session, scenario: Scenario, metric: Metric, lib: str) -> str:
    if not metric.has_ratio:
        return ""
    libs = session.scenarios[scenario.id].libs
    value = ratio(_summary(libs.get(REFERENCE), metric.key), _summary(libs.get(lib), metric.key))
    return "" if value is None else f"{value:.2f}x"


def _blocker(result: LibResult) -> str:
    if result.output_same is False:
        return "output differs"
    if result.problems:
        return "not every run verified (see notes)"
    return ""


def _target_cells(session: Session, scenario: Scenario, metric: Metric) -> tuple[str, str]:
    if metric.target is None:
        return "", ""
    libs = session.scenarios[scenario.id].libs
    mine = libs.get(SUBJECT)
    if mine is None:
        return metric.target.text, "femtologging not run"
    summaries = {lib: _summary(result, metric.key) for lib, result in libs.items()}
    value = ratio(summaries.get(REFERENCE), summaries.get(SUBJECT))
    verdict = judge(
        metric.target,
        summaries,
        value,
        blocker=_blocker(mine),
        unit_scale=metric.scale,
        unit=metric.unit.split("/")[0],
    )
    return metric.target.text, verdict.text


def _align(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        )
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def table(session: Session, notes: _Notes) -> tuple[list[str], tuple[int, int]]:
    """The markdown table (footnotes go to `notes`), and (targets met, targets judged)."""
    libs = [lib for lib in session.libraries if not is_variant(lib)]
    header = ["item", "measurement", "unit"]
    for lib in libs:
        header.append(lib)
        if lib != REFERENCE:
            header.append("ratio")
    header += ["target (femtologging)", "met"]
    rows = [header]
    met = judged = 0
    for scenario in SCENARIOS:
        entry = session.scenarios.get(scenario.id)
        if entry is None:
            continue
        for position, metric in enumerate(scenario.metrics):
            row = [scenario.issue, metric.label, metric.unit]
            for lib in libs:
                cell = _value_cell(entry.libs.get(lib), metric, position == 0, lib, notes)
                row.append(cell)
                if lib != REFERENCE:
                    row.append(_ratio_cell(session, scenario, metric, lib))
            target, verdict = _target_cells(session, scenario, metric)
            if target:
                judged += 1
                met += verdict.startswith("yes")
            rows.append(row + [target, verdict])
    return _align(rows), (met, judged)


def _difference_cells(base: LibResult | None, other: LibResult | None, key: str) -> list[str]:
    """The relative differences of the medians and of the fastest rounds, in how many
    rounds the default was slower, and whether the medians' difference stands out of
    the spread."""
    mine, theirs = _summary(base, key), _summary(other, key)
    if mine is None or theirs is None or theirs.median <= 0 or theirs.low <= 0:
        return ["", "", "", "not measured"]
    shown = [_percent(mine.median / theirs.median), _percent(mine.low / theirs.low)]
    if len(mine.values) == len(theirs.values):  # every round counted: paired by round
        slower = sum(a > b for a, b in zip(mine.values, theirs.values, strict=True))
        shown.append(f"{slower} of {len(mine.values)}")
    else:
        shown.append("")
    blocked = [result for result in (base, other) if result is not None and _blocker(result)]
    if blocked:
        return shown + ["not every run verified (see notes)"]
    if mine.low <= theirs.high and theirs.low <= mine.high:
        return shown + ["within the spread: ranges overlap"]
    side = "slower" if mine.median > theirs.median else "faster"
    return shown + [f"default {side}: ranges apart"]


def _percent(quotient: float) -> str:
    return f"{(quotient - 1) * 100:+.1f}%"


def variant_table(session: Session, variant: Variant, notes: _Notes) -> tuple[list[str], int, int]:
    """A variant beside its base library: the table, rows within the spread, rows compared."""
    header = ["item", "measurement", "unit", variant.base_label, variant.label]
    rows = [header + ["difference", "fastest rounds", "default slower in", "verdict"]]
    within = compared = 0
    for scenario in SCENARIOS:
        entry = session.scenarios.get(scenario.id)
        if entry is None or variant.key not in entry.libs:
            continue
        base, other = entry.libs.get(variant.base), entry.libs.get(variant.key)
        for position, metric in enumerate(scenario.metrics):
            row = [scenario.issue, metric.label, metric.unit]
            first = position == 0
            row.append(_value_cell(base, metric, first, variant.base, notes))
            row.append(_value_cell(other, metric, first, variant.label, notes))
            cells = _difference_cells(base, other, metric.key)
            compared += cells[0] != ""
            within += cells[-1].startswith("within")
            rows.append(row + cells)
    return _align(rows), within, compared


def _variant_sections(session: Session, notes: _Notes) -> list[str]:
    lines: list[str] = []
    for variant in VARIANTS:
        if variant.key not in session.libraries:
            continue
        rows, within, compared = variant_table(session, variant, notes)
        lines += [
            f"### {variant.title}",
            "",
            f"{variant.description}. Run in the same rounds, interleaved with the "
            "others, its output verified like theirs; no target is judged on it. "
            "Difference = default median / variant median - 1 (positive: the default "
            "takes longer); fastest rounds = the same with the minima, which a busy "
            "machine disturbs least; default slower in = the rounds in which the default "
            "took longer than the variant run next to it; the verdict compares the min-max "
            "ranges over the rounds.",
            "",
        ]
        lines += rows
        lines += ["", f"{within} of {compared} rows differ by less than the spread.", ""]
    return lines


def _sizes(session: Session) -> str:
    parts = []
    for scenario in SCENARIOS:
        entry = session.scenarios.get(scenario.id)
        if entry is not None:
            parts.append(f"{scenario.id} {entry.n:,}")
    return ", ".join(parts)


def _extra_notes(session: Session) -> list[str]:
    """Measurement details worth knowing when reading the table."""
    lines = []
    disabled = session.scenarios.get("disabled")
    if disabled is not None:
        loops = [v for r in disabled.libs.values() for v in r.values.get("loop_ns", [])]
        if loops:
            lines.append(
                f"- Disabled call: the time of an empty loop ({_span(loops)} ns per "
                "iteration) is subtracted."
            )
    latency = session.scenarios.get("latency")
    if latency is not None:
        timers = [v for r in latency.libs.values() for v in r.values.get("timer_ns", [])]
        if timers:
            lines.append(
                "- Caller-visible latency: each sample includes one pair of "
                f"`perf_counter_ns()` reads ({_span(timers)} ns)."
            )
    for lib in [SUBJECT] + [variant.key for variant in VARIANTS]:
        counts = []
        for scenario in SCENARIOS:
            entry = session.scenarios.get(scenario.id)
            mine = entry.libs.get(lib) if entry else None
            if mine is not None and mine.path_counts:
                fast, slow = mine.path_counts
                counts.append(f"{scenario.id} {fast:,}/{slow:,}")
        if counts:
            lines.append(
                f"- {label(lib)}, enabled calls served by the Rust fast path / by the "
                "Python path (first timed run): " + ", ".join(counts) + "."
            )
    return lines


def section(session: Session) -> str:
    """One interpreter's results: heading, machine, table, notes."""
    kind = "quick run" if session.quick else "full run"
    rounds = f"{session.repeat} round{'s' if session.repeat != 1 else ''}"
    machine = session.machine
    versions = ", ".join(
        f"{lib} {session.versions.get(lib, 'not installed')}"
        for lib in session.libraries
        if not is_variant(lib)
    )
    lines = [
        f"## CPython {session.python} ({kind}, {rounds}, {session.date})",
        "",
        f"- Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')}, "
        f"{machine.get('memory', '?')}, {machine.get('os', '?')}; {machine.get('load', '')}",
        f"- Environment: {machine.get('environment', 'not recorded')}",
        f"- Libraries: {versions}"
        + (f"; repository HEAD {machine['commit']}" if machine.get("commit") else ""),
        f"- Records (calls) per timed run: {_sizes(session)}",
        "- Cells: median (min-max) over the rounds; ratio = stdlib median / library median.",
        "",
    ]
    notes = _Notes()
    rows, (met, judged) = table(session, notes)
    lines += rows
    lines += ["", f"femtologging meets {met} of {judged} targets in this run.", ""]
    lines += _variant_sections(session, notes)
    if notes.texts:
        lines += ["Notes:", ""]
        lines += [f"{index}. {text}" for index, text in enumerate(notes.texts, 1)]
        lines.append("")
    lines += _extra_notes(session)
    return "\n".join(lines).rstrip() + "\n"


HEADER = """\
# Benchmarks

<!-- Generated by `python -m benchmarks` from benchmarks/results/*.json.
Do not edit by hand: rerun the harness instead. -->

The same scenarios run through the standard library's `logging`, through
picologging (when installed) and through femtologging used as a drop-in
(`import femtologging as logging`, configured with the stdlib's calls), in one
run. Each (library, scenario) runs in a fresh subprocess, and the rounds are
interleaved across libraries (stdlib, picologging, femtologging, stdlib, ...).
In a few scenarios femtologging runs once more per round with its stdlib
bridge off (`FEMTOLOGGING_STDLIB_BRIDGE=0`), and once more with its journals
in anonymous memory instead of a file (`FEMTOLOGGING_JOURNAL_DIR=` empty: the
cost of surviving SIGKILL); each variant has a table of its own, beside
femtologging's default, and no target.
A run counts only if every record reached its sink (lines in the file,
characters in the stream, bytes written to fd 2), and each library's output is
compared byte for byte with the stdlib's, timestamps masked: once in an
untimed run with few records and once in the first timed round. A library
whose output differs is marked next to its time, with the first differing
line in the notes. File scenarios are timed until the handler is flushed and
closed, so work left to background threads is included.

Run it from the repository root, with femtologging installed in the
interpreter (`pip install .`; add `picologging` and `matplotlib` for the
comparison and the chart):

```sh
python -m benchmarks            # full run, a few minutes; rewrites this file
python -m benchmarks --quick    # under a minute, prints only
python -m benchmarks --check    # untimed: every scenario's output vs the stdlib's
python -m benchmarks --help     # --repeat N, --scenarios, --libs, --python ...
```

Items refer to the issue: 1 disabled call, 2 FileHandler end to end and
caller-visible latency, 3 four threads, 4 StreamHandler sinks, 5 exception,
`extra` and `{` style, 6 LoggerAdapter and propagation to the root; M memory;
14 JSON lines; 15 OTLP export; 17 the cost of being there ("presence": import
time and RSS after import, each the median of fresh interpreters in every
round, the rounds interleaved with the other libraries'; RSS per idle
handler of each file kind, of StreamHandler, and of femtologging's core
classes; 1,000 FileHandlers on one logger with a record each,
with the threads and descriptors they add), judged against the stdlib's figure
in the same run.

![Ratios to the stdlib](benchmarks.png)
"""


def document(sessions: list[Session]) -> str:
    parts = [HEADER]
    for session in sessions:
        parts.append(section(session))
    return "\n".join(parts)


def _version_key(session: Session) -> tuple[int, ...]:
    return tuple(int(part) for part in session.python.split(".") if part.isdigit())


def save(session: Session, directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    minor = ".".join(session.python.split(".")[:2])
    path = directory / f"cpython-{minor}.json"
    path.write_text(json.dumps(session.to_json(), indent=1) + "\n", encoding="utf-8")
    return path


def load_all(directory: Path = RESULTS_DIR) -> list[Session]:
    """Every stored session, oldest CPython first; unreadable files are skipped with a word."""
    sessions = []
    for path in sorted(directory.glob("cpython-*.json")):
        try:
            sessions.append(Session.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"skipping {path}: {type(error).__name__}: {error}")
    return sorted(sessions, key=_version_key)


def write_document(sessions: list[Session], path: Path = DOCS_PATH) -> Path:
    path.write_text(document(sessions), encoding="utf-8")
    return path


def scenario_list() -> str:
    """For --list: the ids, what they measure, their sizes."""
    lines = []
    for scenario in SCENARIOS:
        lines.append(
            f"{scenario.id:16} item {scenario.issue:3} {scenario.full:>9,} records"
            f" ({scenario.quick:>7,} quick)  {scenario.title}"
        )
    for variant in VARIANTS:
        lines.append(
            f"\nvariant {variant.key} ({variant.label}), runs in: {', '.join(variant.scenarios)}"
        )
    return "\n".join(lines)
