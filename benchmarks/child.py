"""The subprocess half of the protocol: import one library, run one body, describe the result.

The job arrives as a JSON object (see `runner.Job.payload`); the result is one
JSON object written to the file the job names. Every failure (library missing,
API missing, exception, records lost) becomes a field of that object: the
parent decides what it means for the report. A variant (see `variants`)
imports its base library; its environment was set by the parent, and the
result says whether femtologging's stdlib bridge was installed, for the parent
to check.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from .scenarios import BODIES, Context
from .variants import base_of

MODULES = {"stdlib": "logging", "picologging": "picologging", "femtologging": "femtologging"}


def _built_from(lib: str) -> str:
    """The local directory an installed library was built from (PEP 610), or ""."""
    try:
        distribution = importlib.metadata.distribution(lib)
        origin = json.loads(distribution.read_text("direct_url.json") or "{}").get("url", "")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return ""
    return origin[len("file://") :] if origin.startswith("file://") else ""


def _version(lib: str) -> str:
    if lib == "stdlib":
        return f"Python {platform.python_version()}"
    try:
        version = importlib.metadata.distribution(lib).version
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
    origin = _built_from(lib)
    return f"{version} (built from {origin})" if origin else version


def _shadowed(module: ModuleType, repo_root: str) -> bool:
    """True when the import found the repository's sources instead of the installed build."""
    origin = getattr(module, "__file__", None)
    if not origin or not repo_root:
        return False
    return Path(origin).resolve().is_relative_to(Path(repo_root).resolve() / module.__name__)


def _path_counts(module: ModuleType) -> list[int] | None:
    """femtologging only: enabled calls served by the Rust fast path and by the Python path."""
    native = getattr(module, "_femtologging_rs", None)
    counter = getattr(native, "_path_counts", None)
    if counter is None:
        return None
    fast, slow = counter()
    return [int(fast), int(slow)]


def _bridge_installed(module: ModuleType) -> bool | None:
    """femtologging only: whether its stdlib bridge is installed (None for other libraries)."""
    bridge = getattr(module, "_stdlib_bridge", None)
    check = getattr(bridge, "is_installed", None)
    return None if check is None else bool(check())


def run(job: dict[str, Any]) -> dict[str, Any]:
    lib = base_of(job["lib"])  # a variant imports its base library
    result: dict[str, Any] = {
        "status": "error",
        "python": platform.python_version(),
        "pid": os.getpid(),
    }
    try:
        module = importlib.import_module(MODULES[lib])
    except ImportError as error:
        result.update(status="missing", error=f"{type(error).__name__}: {error}")
        return result
    result["version"] = _version(lib)
    result["built_from"] = "" if lib == "stdlib" else _built_from(lib)
    result["module_file"] = getattr(module, "__file__", "")
    result["stdlib_bridge"] = _bridge_installed(module)
    if lib != "stdlib" and _shadowed(module, job.get("repo_root", "")):
        result["error"] = f"imported the source tree, not the installed build: {module.__file__}"
        return result
    ctx = Context(n=job["n"], workdir=Path(job["workdir"]), verify=job["verify"])
    try:
        outcome = BODIES[job["scenario"]](module, ctx)
    except ModuleNotFoundError as error:  # a package the scenario uses
        result.update(status="missing", error=f"{type(error).__name__}: {error}")
        return result
    except AttributeError as error:
        if getattr(error, "obj", None) is module:
            result.update(status="unsupported", error=f"no {MODULES[lib]}.{error.name}")
        else:
            result["error"] = traceback.format_exc()
        return result
    except BaseException:  # the report shows it; the parent goes on with the next run
        result["error"] = traceback.format_exc()
        return result
    result.update(
        status="ok",
        elapsed_ns=outcome.elapsed_ns,
        ops=outcome.ops,
        per_op_ns=outcome.elapsed_ns / outcome.ops if outcome.ops else 0.0,
        arrival=outcome.arrival.to_json(),
        arrival_ok=outcome.arrival.ok,
        arrival_text=outcome.arrival.describe(),
        output=str(outcome.output) if outcome.output is not None else None,
        order_free=outcome.order_free,
        metrics=outcome.metrics,
        path_counts=_path_counts(module),
    )
    return result


def main(argv: list[str]) -> int:
    import faulthandler

    job = json.loads(argv[1])
    if job.get("timeout"):  # a hung run dumps its threads before the parent kills it
        faulthandler.dump_traceback_later(max(job["timeout"] - 3, 1), exit=True)
    result = run(job)
    with open(job["result"], "w", encoding="utf-8") as stream:
        json.dump(result, stream)
    sys.stdout.flush()
    return 0
