# Process management: runs the child worker for collection and for each class, in parallel.
"""Start child interpreters, enforce timeouts and turn crashes into per-test errors.

Each TestCase class runs in its own process (in its own session, with a private working
directory), so a segfault or hang costs only that class.  A class whose process does not
exit cleanly counts all its tests as errored, whatever it reported before dying.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat_tests.model import ERRORED, ClassRun, Outcome
from compat_tests.paths import REPO_ROOT

# The child puts the harness at the *end* of sys.path, so an installed femtologging wins
# over the source tree in the repository root; the working directory is a scratch dir.
_BOOTSTRAP = (
    "import sys; sys.path.append({root!r}); "
    "from compat_tests.child import main; raise SystemExit(main())"
)
COLLECT_TIMEOUT = 120.0


@dataclass
class Collection:
    """The test classes (and their test ids) that test_logging.py defines for a target."""

    classes: dict[str, list[str]] = field(default_factory=dict)
    redirect: dict[str, str] = field(default_factory=dict)
    error: str = ""
    log: str = ""
    warning: str = ""


@dataclass
class _Exit:
    returncode: int | None  # None: killed after the timeout
    report: dict[str, Any] | None
    seconds: float


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown"


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


class Scheduler:
    def __init__(self, target: str, workdir: Path, timeout: float, jobs: int) -> None:
        self.target = target
        self.workdir = workdir
        self.timeout = timeout
        self.jobs = max(1, jobs)
        self.python = sys.executable

    def _spawn(self, name: str, args: list[str], timeout: float) -> _Exit:
        """Run the child with ``args`` in ``workdir/name``; its output goes to ``name.log``."""
        cwd = self.workdir / name
        cwd.mkdir(parents=True, exist_ok=True)
        out = self.workdir / f"{name}.json"
        command = [self.python, "-X", "faulthandler", "-c", _BOOTSTRAP.format(root=str(REPO_ROOT))]
        command += [*args, "--target", self.target, "--out", str(out)]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        started = time.monotonic()
        with open(self.workdir / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                returncode: int | None = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                returncode = None
            _kill_group(process.pid)  # also reaps helpers the tests may have left behind
            process.wait()
        seconds = time.monotonic() - started
        report = None
        if out.exists():
            report = json.loads(out.read_text(encoding="utf-8"))
        return _Exit(returncode, report, seconds)

    def collect(self) -> Collection:
        result = self._spawn("_collect", ["list"], COLLECT_TIMEOUT)
        log = str(self.workdir / "_collect.log")
        if result.returncode is None:
            return Collection(error=f"collection timed out after {COLLECT_TIMEOUT:.0f} s", log=log)
        report = result.report or {}
        if "classes" not in report:
            reason = report.get("error") or self._describe_exit(result.returncode)
            return Collection(error=f"collection failed: {reason}", log=log)
        # A complete listing is used even if the process then died at exit: each class run
        # will hit (and report) the same problem.
        warning = "" if result.returncode == 0 else self._describe_exit(result.returncode)
        return Collection(report["classes"], report["redirect"], log=log, warning=warning)

    @staticmethod
    def _describe_exit(returncode: int | None) -> str:
        if returncode is None:
            return "timed out"
        if returncode < 0:
            return f"crashed: signal {-returncode} ({_signal_name(-returncode)})"
        return f"crashed: exit code {returncode}"

    def run_class(self, name: str, test_ids: list[str]) -> ClassRun:
        progress = self.workdir / f"{name}.progress"
        # Shortly before the timeout the child dumps every thread's stack into its log.
        dump_after = self.timeout - min(5.0, self.timeout / 10)
        args = ["run", "--class", name, "--progress", str(progress)]
        args += ["--dump-after", f"{dump_after:g}"]
        result = self._spawn(name, args, self.timeout)
        log = str(self.workdir / f"{name}.log")
        report = result.report
        if result.returncode == 0 and report is not None and "error" not in report:
            outcomes = {key: Outcome.from_json(value) for key, value in report["tests"].items()}
            for test_id in test_ids:  # a test collected but never reported
                outcomes.setdefault(test_id, Outcome(ERRORED, detail="not reported"))
            return ClassRun(
                name,
                outcomes,
                result.seconds,
                problem=report.get("problem", ""),
                log=log,
                redirect=report.get("redirect", {}),
            )
        if result.returncode is None:
            problem = f"timed out after {self.timeout:g} s"
        elif report is not None and "error" in report:
            problem = f"error: {report['error']}"
        else:
            problem = self._describe_exit(result.returncode)
            if report is not None:
                problem += " at interpreter exit, after all tests had finished"
        last = _last_line(progress)
        if last and report is None:
            problem += f" (last test started: {last})"
        outcomes = {test_id: Outcome(ERRORED, detail=problem) for test_id in test_ids}
        return ClassRun(name, outcomes, result.seconds, problem=problem, log=log)

    def run(
        self,
        classes: Mapping[str, list[str]],
        on_done: Callable[[ClassRun], None],
        expected_seconds: Mapping[str, float] | None = None,
    ) -> list[ClassRun]:
        """Run every class, longest expected first; returns runs in ``classes`` order."""
        hints = expected_seconds or {}
        order = sorted(classes, key=lambda name: -hints.get(name, 0.0))
        finished: dict[str, ClassRun] = {}

        def work(name: str) -> None:
            run = self.run_class(name, classes[name])
            finished[name] = run
            on_done(run)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(work, name) for name in order]:
                future.result()
        return [finished[name] for name in classes]
