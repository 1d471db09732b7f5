# Worker process: lists the test classes, or runs one TestCase class and writes JSON outcomes.
"""Child side of the harness, started by the scheduler in a fresh interpreter.

``list --target T --out F``
    load test_logging.py for target T and write ``{"classes": {Class: [test ids]}}``.
``run --target T --class C --out F [--progress P]``
    run one TestCase class (with the module fixtures) and write its per-test outcomes.

Results are written to a temporary file and renamed into place, so a crash leaves either
a complete report or none.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import platform
import sys
import time
import traceback
import unittest
from pathlib import Path
from types import ModuleType
from typing import Any

from compat_tests import loader
from compat_tests.collector import OutcomeCollector, exception_summary
from compat_tests.model import ERRORED, SKIPPED, Outcome
from compat_tests.paths import REPO_ROOT

# test.support resources enabled for the run.  Outside regrtest every resource counts as
# enabled (use_resources is None); pin the list instead so runs are reproducible.
# test_logging only asks for "walltime" (slow, timing-based tests), which is wanted.
# Its socket, SMTP, HTTP and syslog tests use loopback servers and need no resource;
# "network" (internet access) is left out: nothing in test_logging needs it.
RESOURCES = ["walltime"]


def configure_test_support() -> None:
    from test import support

    support.use_resources = list(RESOURCES)


def redirect_report(module: ModuleType) -> dict[str, str]:
    """Which modules the test module's ``logging`` names resolve to (proof of the redirect)."""
    logging_global: Any = vars(module).get("logging")
    report = {"stdlib_logging": sys.modules["logging"].__name__}
    if logging_global is not None:
        report["logging"] = logging_global.__name__
        report["logging.file"] = str(getattr(logging_global, "__file__", ""))
        for sub in ("handlers", "config"):
            value = getattr(logging_global, sub, None)
            report[f"logging.{sub}"] = getattr(value, "__name__", "<missing>")
    report["assert_python_ok"] = getattr(
        getattr(module, "assert_python_ok", None), "__qualname__", "<missing>"
    )
    return report


def write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)


def list_classes(target: str) -> dict[str, Any]:
    module = loader.load(target, str(REPO_ROOT))
    classes = loader.test_classes(module)
    return {
        "python": platform.python_version(),
        "target": target,
        "redirect": redirect_report(module),
        "classes": {name: loader.test_ids(cls) for name, cls in classes.items()},
    }


def run_class(target: str, class_name: str, progress: Path | None) -> dict[str, Any]:
    started = time.monotonic()
    module = loader.load(target, str(REPO_ROOT))
    cls = loader.test_classes(module).get(class_name)
    if cls is None:
        raise LookupError(f"test_logging.py defines no test class {class_name!r} for {target}")
    expected = loader.test_ids(cls)
    collector = OutcomeCollector(str(loader.test_file()), progress)
    suite = unittest.TestSuite([unittest.TestLoader().loadTestsFromTestCase(cls)])
    suite.run(collector)

    outcomes = dict(collector.outcomes)
    fixture_note = "; ".join(collector.fixture_errors + collector.fixture_skips)
    for test_id in expected:
        if test_id not in outcomes:
            if collector.fixture_errors:
                outcomes[test_id] = Outcome(ERRORED, detail=f"not run: {fixture_note}")
            elif collector.fixture_skips:
                outcomes[test_id] = Outcome(SKIPPED, detail=fixture_note)
            else:
                outcomes[test_id] = Outcome(ERRORED, detail="not run (no result reported)")
    return {
        "python": platform.python_version(),
        "target": target,
        "class": class_name,
        "redirect": redirect_report(module),
        "problem": fixture_note,
        "seconds": round(time.monotonic() - started, 3),
        "tests": {test_id: outcome.to_json() for test_id, outcome in outcomes.items()},
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="compat_tests.child")
    parser.add_argument("action", choices=("list", "run"))
    parser.add_argument("--target", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--class", dest="class_name")
    parser.add_argument("--progress", type=Path)
    parser.add_argument("--dump-after", type=float, help="dump all stacks after SECONDS")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_test_support()
    if args.dump_after:
        faulthandler.dump_traceback_later(args.dump_after, exit=False)
    try:
        if args.action == "list":
            data = list_classes(args.target)
        else:
            data = run_class(args.target, args.class_name, args.progress)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent instead
        traceback.print_exc()
        write_json(args.out, {"error": exception_summary(exc)})
        return 3
    write_json(args.out, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
