# Command-line interface: parses options and drives collection, runs, reports and files.
from __future__ import annotations

import argparse
import fnmatch
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from compat_tests import annotations as known_failures
from compat_tests import baseline, docs, report
from compat_tests.model import PASSED, ClassRun, Outcome
from compat_tests.paths import exact_version, minor_version
from compat_tests.reference import Reference, load_reference, reference_from_run, write_reference
from compat_tests.results import VersionResults, save_results
from compat_tests.scheduler import Collection, Scheduler
from compat_tests.scoring import merge_outcomes, passing, regressions_against_stdlib, score

TARGETS = {"femtologging": "femtologging", "stdlib": "logging"}

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BROKEN = 2

Selector = Callable[[str], bool]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m compat_tests",
        description="Run CPython's test_logging.py against femtologging (or the stdlib).",
    )
    parser.add_argument(
        "--target",
        choices=sorted(TARGETS),
        default="femtologging",
        help="package the test module's logging imports resolve to (default: femtologging)",
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=2, help="classes run in parallel (default: 2)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds allowed per TestCase class before it is killed (default: 300)",
    )
    parser.add_argument(
        "-k",
        "--classes",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run only classes matching PATTERN: a name, substring or fnmatch glob; "
        "comma-separated and repeatable",
    )
    parser.add_argument(
        "--write-reference",
        action="store_true",
        help="with --target stdlib: store the passing tests as the reference for this exact "
        "Python version",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite the ratchet baseline of this minor version to the passing tests",
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="let --update-baseline drop tests that no longer pass",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="store this run's results and regenerate docs/compatibility.md",
    )
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="regenerate docs/compatibility.md from stored results without running tests",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks and each class's output"
    )
    parser.add_argument(
        "--keep-temp", action="store_true", help="keep the scratch directory with child logs"
    )
    return parser


def class_selector(patterns: Sequence[str]) -> Selector:
    """A predicate on class names built from -k/--classes patterns (all classes if none)."""
    wanted = [p.strip() for chunk in patterns for p in chunk.split(",") if p.strip()]
    if not wanted:
        return lambda name: True

    def selected(name: str) -> bool:
        for pattern in wanted:
            if any(char in pattern for char in "*?["):
                if fnmatch.fnmatchcase(name, pattern):
                    return True
            elif pattern in name:
                return True
        return False

    return selected


def check_options(args: argparse.Namespace) -> str | None:
    """An error message for option combinations that make no sense, else None."""
    partial = bool(args.classes)
    if args.write_reference and (args.target != "stdlib" or partial):
        return "--write-reference needs --target stdlib and a run of all classes"
    if args.update_baseline and args.target == "stdlib":
        return "--update-baseline is for --target femtologging"
    if args.write_docs and (args.target == "stdlib" or partial):
        return "--write-docs needs --target femtologging and a run of all classes"
    if args.jobs < 1 or args.timeout <= 0:
        return "--jobs and --timeout must be positive"
    return None


def emit(lines: Sequence[str] | str = "") -> None:
    """Print a line or a block of lines (an empty block prints nothing)."""
    if isinstance(lines, str):
        print(lines, flush=True)
    elif lines:
        print("\n".join(lines), flush=True)


@dataclass
class Execution:
    """Everything one target run produced."""

    target: str
    collection: Collection
    runs: list[ClassRun]

    @property
    def class_order(self) -> list[str]:
        return [run.name for run in self.runs]


def execute(
    target: str,
    args: argparse.Namespace,
    selected: Selector,
    workdir: Path,
    hints: Mapping[str, float],
) -> Execution:
    """Collect and run the selected classes of test_logging.py under ``target``."""
    scheduler = Scheduler(TARGETS[target], workdir / target, args.timeout, args.jobs)
    collection = scheduler.collect()
    if collection.error:
        emit(f"!! {target}: {collection.error}")
        emit(report.log_tail(collection.log))
        return Execution(target, collection, [])
    if collection.warning:
        emit(f"!! {target}: the collection process {collection.warning} after listing the tests")
    redirect = collection.redirect
    emit(
        f"test module's logging -> {redirect.get('logging')} ({redirect.get('logging.file')}); "
        f"handlers -> {redirect.get('logging.handlers')}; "
        f"config -> {redirect.get('logging.config')}; "
        f"sys.modules['logging'] -> {redirect.get('stdlib_logging')}"
    )
    classes = {name: ids for name, ids in collection.classes.items() if selected(name)}
    total_tests = sum(len(ids) for ids in classes.values())
    emit(
        f"running {len(classes)} class(es) ({total_tests} tests) under {target} on Python "
        f"{exact_version()} with --jobs {args.jobs}, --timeout {args.timeout:g}s"
    )
    lock = threading.Lock()
    done: list[str] = []

    def on_done(run: ClassRun) -> None:
        with lock:
            done.append(run.name)
            emit(report.progress_line(run, len(done), len(classes)))

    runs = scheduler.run(classes, on_done, hints)
    return Execution(target, collection, runs)


def redirect_problem(execution: Execution) -> str | None:
    """Proof that the test module saw the intended package, and the stdlib kept its own."""
    redirect = execution.collection.redirect
    module = TARGETS[execution.target]
    if redirect.get("logging") != module:
        return f"the test module's logging is {redirect.get('logging')!r}, not {module!r}"
    if redirect.get("stdlib_logging") != "logging":
        return "sys.modules['logging'] was replaced"
    return None


def measure_reference(
    args: argparse.Namespace, selected: Selector, workdir: Path
) -> tuple[Reference, Execution]:
    execution = execute("stdlib", args, selected, workdir, {})
    outcomes = merge_outcomes(execution.runs, [])
    return reference_from_run(exact_version(), execution.runs, outcomes), execution


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.docs_only:
        emit(f"wrote {docs.write_docs()}")
        return EXIT_OK
    problem = check_options(args)
    if problem:
        emit(f"error: {problem}")
        return EXIT_BROKEN
    workdir = Path(tempfile.mkdtemp(prefix="compat_tests-"))
    try:
        return _run(args, workdir)
    finally:
        if args.keep_temp:
            emit(f"child logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    version, minor = exact_version(), minor_version()
    selected = class_selector(args.classes)
    reference = load_reference(version)
    if reference is None and args.target != "stdlib":
        emit(f"no stdlib reference for Python {version}: measuring it first")
        reference, execution = measure_reference(args, selected, workdir)
        if execution.collection.error:
            return EXIT_BROKEN
        emit()

    execution = execute(args.target, args, selected, workdir, _hints(reference))
    if execution.collection.error:
        reference_ids = reference.passed if reference else set()
        outcomes = merge_outcomes([], reference_ids, selected, execution.collection.error)
        emit(
            report.score_line(
                args.target, version, score(outcomes, _selected(reference_ids, selected))
            )
        )
        emit(report.closing_line(outcomes))
        return EXIT_BROKEN
    problem = redirect_problem(execution)
    if problem:
        emit(f"!! redirect check failed: {problem}")
        return EXIT_BROKEN

    if reference is None:  # --target stdlib without a cached reference: its own reference
        own = merge_outcomes(execution.runs, [])
        reference = reference_from_run(version, execution.runs, own)
        reference.source = "this run"
    reference_ids = _selected(reference.passed, selected)
    outcomes = merge_outcomes(execution.runs, reference_ids, selected)
    failing = regressions_against_stdlib(outcomes, reference_ids)
    others = {
        test_id: outcome
        for test_id, outcome in sorted(outcomes.items())
        if test_id not in reference_ids and outcome.status != PASSED
    }

    emit()
    emit(report.crash_sections(execution.runs, args.verbose))
    if failing:
        emit(f"tests that pass with the stdlib but not under {args.target} ({len(failing)}):")
        emit(report.failure_lines(failing, args.verbose))
    if args.verbose and others:
        emit(f"tests that do not pass with the stdlib either ({len(others)}):")
        emit(report.failure_lines(others, args.verbose))
    emit()
    emit(report.summary_table(outcomes, execution.class_order, reference_ids))
    emit()
    emit(f"stdlib reference: {reference.source}")
    current = score(outcomes, reference_ids)
    emit(report.score_line(args.target, version, current))

    status = EXIT_OK
    if args.target == "stdlib":
        if args.write_reference:
            fresh = reference_from_run(version, execution.runs, merge_outcomes(execution.runs, []))
            emit(f"wrote {write_reference(fresh)} ({len(fresh.passed)} passing tests)")
    else:
        status = _ratchet(args, minor, outcomes, reference_ids, selected)
        if args.write_docs:
            stored = VersionResults(
                python=version,
                target=args.target,
                outcomes=outcomes,
                stdlib_passed=set(reference_ids),
                classes=execution.class_order,
            )
            emit(f"wrote {save_results(stored)}")
            emit(f"wrote {docs.write_docs()}")
    emit(report.closing_line(outcomes))
    return status


def _hints(reference: Reference | None) -> dict[str, float]:
    return dict(reference.class_seconds) if reference else {}


def _selected(test_ids: set[str], selected: Selector) -> set[str]:
    return {test_id for test_id in test_ids if selected(test_id.partition(".")[0])}


def _ratchet(
    args: argparse.Namespace,
    minor: str,
    outcomes: Mapping[str, Outcome],
    reference_ids: set[str],
    selected: Selector,
) -> int:
    """Check (and optionally update) the baseline; returns the exit status."""
    notes = known_failures.load_annotations()
    flaky = {t for t in outcomes if known_failures.is_flaky(notes, t, minor)}
    known = baseline.load_baseline(minor) - flaky
    passed = passing(outcomes)
    lost = baseline.regressions(known, passed, selected)
    gained = sorted((passed & reference_ids) - known)
    status = EXIT_OK
    if lost:
        emit(f"!! {len(lost)} baseline tests (compat_tests/baseline/{minor}.txt) no longer pass:")
        emit([f"  {test_id}: {_status_of(outcomes, test_id)}" for test_id in lost])
        status = EXIT_REGRESSION
    else:
        emit(f"baseline {minor}: all {len(known & _selected(known, selected))} tests still pass")
    if gained and not args.update_baseline:
        emit(
            f"{len(gained)} stdlib-passing tests pass but are not in the baseline yet "
            "(record them with --update-baseline)"
        )
    if args.update_baseline:
        update = baseline.update_baseline(
            minor, (passed & reference_ids) - flaky, selected, args.allow_shrink
        )
        if update.written:
            emit(f"wrote {update.path}: +{len(update.added)} -{len(update.dropped)} tests")
            status = EXIT_OK if not lost or args.allow_shrink else status
        else:
            emit(
                f"!! refusing to drop {len(update.dropped)} tests from {update.path} "
                "(pass --allow-shrink to accept)"
            )
            status = EXIT_REGRESSION
    return status


def _status_of(outcomes: Mapping[str, Outcome], test_id: str) -> str:
    outcome = outcomes.get(test_id)
    if outcome is None:
        return "not run"
    first = outcome.detail.splitlines()[0] if outcome.detail else ""
    return f"{outcome.status} {first}".strip()


if __name__ == "__main__":
    sys.exit(main())
