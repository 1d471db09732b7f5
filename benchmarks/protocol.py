"""The subprocess protocol, parent side: start one child for one job, read its result.

A job (library, scenario, record count, verification or timed) is passed to
`_child_entry.py` as one JSON argument; the child writes one JSON object to the
result file the job names (see `child`). The child runs in a fresh temporary
directory, which also holds the sinks' files until the parent has compared them.
Whatever happens to the child (a crash, a hang, a missing library) comes back
as a `Run` with a status; nothing is raised. A variant's child gets the
environment the variant asks for (see `variants`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .variants import env_changes

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
ENTRY = PACKAGE_DIR / "_child_entry.py"
_TAIL = 600  # characters of a crashed child's stderr kept in the report


@dataclass(frozen=True)
class Job:
    lib: str
    scenario: str
    n: int
    verify: bool


@dataclass
class Run:
    """One finished subprocess: its result object, or why there is none."""

    job: Job
    status: str  # ok, missing, unsupported, error, crashed, timeout
    data: dict[str, Any]
    workdir: Path
    message: str = ""

    @property
    def output(self) -> Path | None:
        value = self.data.get("output")
        return Path(value) if value else None

    @property
    def counted(self) -> bool:
        return self.status == "ok" and self.data.get("arrival_ok") is not False

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _child_env(lib: str) -> dict[str, str]:
    """The parent's environment without PYTHONPATH entries that point at the repository,
    with the library's (or variant's) own settings applied."""
    env = dict(os.environ)
    for name, value in env_changes(lib).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    paths = [
        entry
        for entry in env.get("PYTHONPATH", "").split(os.pathsep)
        if entry and Path(entry).resolve() != REPO_ROOT
    ]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    return env


def time_limit(n: int) -> float:
    """Seconds a run of `n` records may take: 10 s plus 100 us per record (>10x the stdlib)."""
    return 10.0 + n * 1e-4


def _hang_location(dump: str) -> str:
    """Where faulthandler found the threads in the scenario's code, e.g. "line 142 (x3)"."""
    places: dict[str, int] = {}
    for line in dump.splitlines():
        stripped = line.strip()
        if stripped.startswith("File ") and "scenarios.py" in stripped:
            place = stripped.split('"', 2)[2].strip(", ").split(" in ")
            key = f"{place[1]} {place[0]}" if len(place) == 2 else stripped
            places[key] = places.get(key, 0) + 1
    found = ", ".join(f"{key} (x{count})" for key, count in places.items())
    return f"threads in scenarios.py at {found}" if found else "threads outside the scenario"


def run_job(job: Job, python: str, timeout: float) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix=f"femtobench-{job.scenario}-{job.lib}-"))
    result_path = workdir / "result.json"
    payload = {
        "lib": job.lib,
        "scenario": job.scenario,
        "n": job.n,
        "verify": job.verify,
        "workdir": str(workdir),
        "result": str(result_path),
        "repo_root": str(REPO_ROOT),
        "timeout": timeout,
    }
    command = [python, str(ENTRY), json.dumps(payload)]
    timed_out = False
    stderr = b""
    returncode: int | None = None
    try:
        completed = subprocess.run(
            command, cwd=workdir, env=_child_env(job.lib), capture_output=True, timeout=timeout
        )
        stderr, returncode = completed.stderr, completed.returncode
    except subprocess.TimeoutExpired as expired:
        timed_out = True
        stderr = expired.stderr or b""
    data: dict[str, Any] = {}
    if result_path.exists():
        try:
            data = json.loads(result_path.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    text = stderr.decode(errors="replace")
    tail = text.strip()[-_TAIL:]
    if "Timeout (" in text and not data:  # the child's faulthandler fired before the kill
        timed_out = True
        tail = _hang_location(text[text.index("Timeout (") :])
    if data:
        status = data.get("status", "error")
        message = data.get("error", "")
        if timed_out:
            message = f"finished, then did not exit within {timeout:g}s (killed)"
        elif returncode:
            message = f"finished, then exited with status {returncode}: {tail}"
        return Run(job, status, data, workdir, message)
    if timed_out:
        return Run(job, "timeout", data, workdir, f"no result after {timeout:g}s (hung?); {tail}")
    if returncode is not None and returncode < 0:
        return Run(job, "crashed", data, workdir, f"killed by signal {-returncode}: {tail}")
    return Run(job, "crashed", data, workdir, f"exit status {returncode}: {tail}")
