"""The command line of ``python -m benchmarks``: options, then a session, then the report."""

from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
import tempfile

from . import chart, report
from .catalogue import ALL_LIBRARIES, REFERENCE, SCENARIOS, Scenario
from .results import Session
from .runner import run_session

DEFAULT_REPEAT = 5
QUICK_REPEAT = 3
_CHECK_LIBS = tuple(lib for lib in ALL_LIBRARIES if lib != "picologging")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Time the same logging scenarios through the stdlib, picologging and "
            "femtologging (fresh subprocess per run, rounds interleaved), verify every "
            "sink, and report medians and ratios to the stdlib; femtologging also runs "
            "with its stdlib bridge off (FEMTOLOGGING_STDLIB_BRIDGE=0) in a few scenarios."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="fewer records and rounds (<1 min)")
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help=f"timed rounds (default {DEFAULT_REPEAT}, {QUICK_REPEAT} with --quick)",
    )
    parser.add_argument(
        "--scenarios",
        metavar="LIST",
        help="comma-separated scenario ids or patterns, e.g. file,stream_* (see --list)",
    )
    parser.add_argument(
        "--libs",
        metavar="LIST",
        help=f"comma-separated subset of {','.join(ALL_LIBRARIES)} (default: all; "
        f"--check: {','.join(_CHECK_LIBS)})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="untimed self-check: each scenario's output vs the stdlib's, exit 1 on a difference",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        metavar="EXE",
        help="interpreter for the scenario subprocesses (default: this one)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="limit per subprocess (default: 10 s + 100 us per record); a run that hangs "
        "is reported and not retried",
    )
    written = parser.add_mutually_exclusive_group()
    written.add_argument(
        "--write",
        action="store_true",
        help="store the results and rewrite docs/benchmarks.md and the chart even for a "
        "--quick or partial run (a full run of everything does so by default)",
    )
    written.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only regenerate docs/benchmarks.md and the chart from benchmarks/results/",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def _select_scenarios(spec: str | None) -> list[Scenario]:
    if not spec:
        return list(SCENARIOS)
    patterns = [part.strip() for part in spec.split(",") if part.strip()]
    chosen = [s for s in SCENARIOS if any(fnmatch.fnmatchcase(s.id, p) for p in patterns)]
    unknown = [p for p in patterns if not any(fnmatch.fnmatchcase(s.id, p) for s in SCENARIOS)]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)} (see --list)")
    return chosen


def _select_libs(spec: str | None, default: tuple[str, ...]) -> list[str]:
    if not spec:
        return list(default)
    wanted = [part.strip() for part in spec.split(",") if part.strip()]
    unknown = [lib for lib in wanted if lib not in ALL_LIBRARIES]
    if unknown:
        choices = ", ".join(ALL_LIBRARIES)
        raise SystemExit(f"unknown library: {', '.join(unknown)} (choose from {choices})")
    return [lib for lib in ALL_LIBRARIES if lib in wanted]  # reference first, fixed order


def _render() -> None:
    sessions = report.load_all()
    if not sessions:
        print(f"no stored results in {report.RESULTS_DIR}")
        return
    print(f"written {report.write_document(sessions)}")
    print(chart.draw(sessions, report.CHART_PATH))


def _check(session: Session, scenarios: list[Scenario]) -> int:
    """Prints the verification verdicts; 1 if any library failed or differs."""
    failures = 0
    print()
    for scenario in scenarios:
        entry = session.scenarios[scenario.id]
        for lib, result in entry.libs.items():
            if result.status in ("missing", "unsupported"):
                verdict = result.status
            elif result.problems:
                verdict = "FAILED: " + "; ".join(result.problem_lines())
                failures += 1
            elif lib == REFERENCE:
                verdict = "ok (reference)"
            elif result.output_same is False:
                verdict = "OUTPUT DIFFERS: " + result.output_detail
                failures += 1
            elif result.output_same is None:
                verdict = "records ok, output not compared: " + result.output_detail
            else:
                verdict = "ok: all records arrived, bytes equal to the stdlib's"
            print(f"{scenario.id:16} {lib:25} {verdict}")
    print()
    print("check passed" if not failures else f"check FAILED ({failures})")
    return 1 if failures else 0


def _interpreter_version(python: str) -> str | None:
    """The version of the interpreter the subprocesses will run, or None if it does not start."""
    try:
        completed = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tempfile.gettempdir(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = completed.stdout.strip()
    return version if completed.returncode == 0 and version else None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        print(report.scenario_list())
        return 0
    if args.render:
        _render()
        return 0
    scenarios = _select_scenarios(args.scenarios)
    default_libs = _CHECK_LIBS if args.check else ALL_LIBRARIES
    libs = _select_libs(args.libs, default_libs)
    repeat = args.repeat or (QUICK_REPEAT if args.quick else DEFAULT_REPEAT)
    version = _interpreter_version(args.python)
    if version is None:
        print(f"cannot run the interpreter {args.python!r}", file=sys.stderr)
        return 2
    session = Session(
        python=version,
        executable=args.python,
        date=report.now(),
        quick=args.quick,
        repeat=0 if args.check else repeat,
        machine=report.machine_info(),
    )
    print(
        f"{len(scenarios)} scenario(s) x {', '.join(libs)}; interpreter {args.python}",
        flush=True,
    )

    def progress(line: str) -> None:
        print(line, flush=True)

    run_session(
        session,
        scenarios,
        libs,
        python=args.python,
        timeout=args.timeout,
        timed=not args.check,
        progress=progress,
    )
    session.machine["load"] += ", at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    commit = report.repo_commit(session.builds.get("femtologging", ""))
    if commit:
        session.machine["commit"] = commit
    if args.check:
        return _check(session, scenarios)
    print()
    print(report.section(session))
    complete = len(scenarios) == len(SCENARIOS) and libs == list(ALL_LIBRARIES)
    if args.write or (complete and not args.quick and not args.no_write):
        print(f"results stored in {report.save(session)}")
        _render()
    else:
        print("(not written to docs/: quick or partial run; --write stores it anyway)")
    return 0
