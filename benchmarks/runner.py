"""The schedule of a session: verification round, then interleaved timed rounds.

First one untimed verification run per (scenario, library) with few records,
whose output is compared with the stdlib's; then `repeat` rounds, each running
every scenario for every library in turn (stdlib, picologging, femtologging,
femtologging with the bridge off where that variant runs, stdlib, ...), so that
a slow spell of the machine hits all libraries alike.
The first timed round's output is compared with the stdlib's as well. A
repetition counts only if the child finished and every record arrived;
anything else is filed as a problem, never raised; so is a femtologging run
whose stdlib bridge was not in the state its column stands for. A library that is missing,
lacks an API or hangs is not run again for that scenario.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from .catalogue import REFERENCE, Scenario
from .protocol import Job, Run, run_job, time_limit
from .results import LibResult, ScenarioResult, Session
from .variants import expected_bridge, is_variant, runs_in
from .verify import compare_files

Progress = Callable[[str], None]


def _one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else text


def _record(result: LibResult, run: Run, label: str) -> None:
    """Files a run under its library: a counted value, or a problem."""
    result.runs += 1
    result.version = run.data.get("version", result.version)
    if run.status in ("missing", "unsupported"):
        result.status = run.status
        result.add_problem(run.message)
        return
    if run.status == "timeout":  # a hang repeats: the later rounds are skipped
        result.status = "hung"
        result.add_problem(run.message, label)
        return
    if run.status != "ok":
        result.status = "failed" if not result.values else result.status
        result.add_problem(f"{run.status}: {_one_line(run.message)}", label)
        return
    if run.message:
        result.add_problem(run.message, label)
    expected = expected_bridge(run.job.lib)
    found = run.data.get("stdlib_bridge")
    # A build without the bridge (None) is measured as it is, but not as a variant.
    wrong = found is not expected and (found is not None or is_variant(run.job.lib))
    if expected is not None and wrong:
        state = {True: "on", False: "off"}.get(found, "unknown")
        wanted = "on" if expected else "off"
        result.add_problem(f"femtologging's stdlib bridge was {state}, not {wanted}", label)
        result.status = "failed" if not result.values else result.status
        return
    if run.data.get("arrival_ok") is False:
        result.add_problem(str(run.data.get("arrival_text")), label)
        result.status = "failed" if not result.values else result.status
        return
    if run.data.get("arrival_ok") is None:
        result.add_problem(str(run.data.get("arrival_text")), label)
    if run.job.verify:
        if result.status == "not run":
            result.status = "verified"
        return
    result.status = "ok"
    measured = {"per_op_ns": run.data.get("per_op_ns"), **run.data.get("metrics", {})}
    for key, value in measured.items():
        if value is not None:
            result.values.setdefault(key, []).append(float(value))
    if result.path_counts is None:
        result.path_counts = run.data.get("path_counts")


def _compare(result: LibResult, reference: Run | None, run: Run, label: str) -> None:
    """Compares a run's output with the stdlib's run of the same round."""
    if run.job.lib == REFERENCE or run.status != "ok" or run.output is None:
        return
    if reference is None or not reference.counted or reference.output is None:
        if result.output_same is None:
            result.output_detail = "not compared: no stdlib output in this run"
        return
    difference = compare_files(reference.output, run.output, bool(run.data.get("order_free")))
    if difference is None:
        if result.output_same is None:
            result.output_same = True
            result.output_detail = ""
        return
    if result.output_same is not False:
        sorted_note = " (lines sorted)" if run.data.get("order_free") else ""
        result.output_same = False
        result.output_detail = f"{label}{sorted_note}: {difference.describe()}"


def _round(
    session: Session,
    scenario: Scenario,
    libs: list[str],
    verify: bool,
    label: str,
    python: str,
    timeout: float | None,
    compare: bool,
) -> dict[str, Run]:
    """Runs one scenario once for each library, in order, and files the results."""
    entry = session.scenarios[scenario.id]
    n = scenario.verify_n if verify else scenario.size(session.quick)
    runs: dict[str, Run] = {}
    for lib in libs:
        result = entry.libs.get(lib)
        if result is None:  # a variant that does not run in this scenario
            continue
        if result.status in ("missing", "unsupported", "hung"):
            continue
        limit = timeout if timeout else time_limit(n)
        run = run_job(Job(lib, scenario.id, n, verify), python, limit)
        runs[lib] = run
        _record(result, run, label)
        if run.status == "missing":
            for other in session.scenarios.values():
                if lib in other.libs:
                    other.libs[lib].status = "missing"
                    other.libs[lib].add_problem(run.message)
        if run.data.get("version"):
            session.versions[lib] = run.data["version"]
        if run.data.get("built_from"):
            session.builds[lib] = run.data["built_from"]
    if compare:
        for lib, run in runs.items():
            _compare(entry.libs[lib], runs.get(REFERENCE), run, label)
    for run in runs.values():
        run.cleanup()
    return runs


def _describe_round(scenario: Scenario, runs: dict[str, Run]) -> str:
    parts = []
    for lib, run in runs.items():
        if run.counted and not run.job.verify:
            parts.append(f"{lib} {run.data['per_op_ns']:,.0f} ns")
        elif run.counted:
            parts.append(f"{lib} ok")
        else:
            parts.append(f"{lib} {run.status}")
    return f"{scenario.id}: " + ", ".join(parts)


def run_session(
    session: Session,
    scenarios: list[Scenario],
    libs: list[str],
    python: str = sys.executable,
    timeout: float | None = None,
    timed: bool = True,
    progress: Progress = print,
) -> Session:
    """Verification round, then `session.repeat` interleaved timed rounds (unless not `timed`)."""
    session.libraries = list(libs)
    for scenario in scenarios:
        session.scenarios[scenario.id] = ScenarioResult(
            n=scenario.size(session.quick),
            verify_n=scenario.verify_n,
            libs={lib: LibResult() for lib in libs if runs_in(lib, scenario.id)},
        )
    progress("verification runs (untimed, output compared with the stdlib's)")
    for scenario in scenarios:
        runs = _round(session, scenario, libs, True, "verify", python, timeout, True)
        progress("  " + _describe_round(scenario, runs))
    if not timed:
        return session
    rounds = max(session.repeat, 1)
    for index in range(rounds):
        progress(f"round {index + 1} of {rounds}")
        for scenario in scenarios:
            if index > 0 and not scenario.repeated:
                continue
            label = f"round {index + 1}"
            runs = _round(session, scenario, libs, False, label, python, timeout, index == 0)
            progress("  " + _describe_round(scenario, runs))
    return session
