"""Frameworks that reach into the stdlib's logger tree, with an application
switched to femtologging (issue "One world, part two").

Each scenario is an application's test file run by a real pytest in a fresh
process, once with `import logging` (the reference) and once with
`import femtologging as logging`; both must pass the same assertions.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import femtologging

pytestmark = pytest.mark.stdlib_bridge

LIBRARIES = ["logging", "femtologging"]


def run_pytest(
    tmp_path: Path, library: str, source: str, *args: str
) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / f"test_app_{library}.py"
    test_file.write_text(textwrap.dedent(source).replace("LIBRARY", library))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


NON_PROPAGATING = """
import LIBRARY as logging

quiet = logging.getLogger("app.quiet")
quiet.propagate = False


def test_caplog_sees_a_non_propagating_logger(caplog):
    with caplog.at_level(logging.INFO):
        quiet.info("captured %d", 1)
    assert [r.getMessage() for r in caplog.records] == ["captured 1"]


def test_a_later_test_still_sees_it(caplog):
    quiet.warning("again")
    assert [r.getMessage() for r in caplog.records] == ["again"]
"""


@pytest.mark.parametrize("library", LIBRARIES)
def test_caplog_captures_non_propagating_loggers(tmp_path: Path, library: str) -> None:
    result = run_pytest(tmp_path, library, NON_PROPAGATING)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "again" not in result.stderr  # nothing reached the last-resort handler


@pytest.mark.parametrize("library", LIBRARIES)
def test_log_file_and_live_logging_see_non_propagating_loggers(
    tmp_path: Path, library: str
) -> None:
    log_file = tmp_path / f"{library}.log"
    result = run_pytest(
        tmp_path,
        library,
        NON_PROPAGATING,
        f"--log-file={log_file}",
        "--log-file-level=INFO",
        "--log-file-format=%(levelname)s %(name)s %(message)s",
        "--log-cli-level=WARNING",
        "--log-format=live %(name)s %(message)s",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert log_file.read_text() == "INFO app.quiet captured 1\nWARNING app.quiet again\n"
    live = [line for line in result.stdout.splitlines() if line.startswith("live ")]
    assert live == ["live app.quiet again"]


LOG_DISABLE = """
import LIBRARY as logging

noisy = logging.getLogger("app.noisy")
kept = logging.getLogger("app.kept")


def test_log_disable(caplog):
    caplog.set_level(logging.INFO)
    noisy.warning("hidden")
    kept.warning("shown")
    assert [r.getMessage() for r in caplog.records] == ["shown"]
"""


@pytest.mark.parametrize("library", LIBRARIES)
def test_log_disable_silences_the_named_logger(tmp_path: Path, library: str) -> None:
    result = run_pytest(tmp_path, library, LOG_DISABLE, "--log-disable=app.noisy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


RAISE_EXCEPTIONS = """
import logging as stdlib_logging

import pytest

import LIBRARY as logging

app = logging.getLogger("app.bad")


def test_switched_off_on_the_module_the_app_uses(monkeypatch, caplog):
    monkeypatch.setattr(logging, "raiseExceptions", False)
    assert stdlib_logging.raiseExceptions is False
    app.warning("%d needs a number", "text")  # reported, not raised


def test_switched_off_on_the_stdlib(monkeypatch, caplog):
    monkeypatch.setattr(stdlib_logging, "raiseExceptions", False)
    assert logging.raiseExceptions is False
    app.warning("%d needs a number", "text")


def test_restored_afterwards():
    assert logging.raiseExceptions is True
    assert stdlib_logging.raiseExceptions is True
"""


@pytest.mark.parametrize("library", LIBRARIES)
def test_raise_exceptions_is_one_flag(tmp_path: Path, library: str) -> None:
    result = run_pytest(tmp_path, library, RAISE_EXCEPTIONS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_flags_and_logger_flags_are_shared_in_process() -> None:
    import logging

    saved = (logging.logThreads, femtologging.logThreads)
    try:
        femtologging.logThreads = False
        assert logging.logThreads is False
        logging.logThreads = True
        assert femtologging.logThreads is True
    finally:
        logging.logThreads, femtologging.logThreads = saved
    femto = femtologging.getLogger("shared.flags")
    stdlib = logging.getLogger("shared.flags")
    try:
        stdlib.disabled = True
        assert femto.disabled is True
        femto.disabled = False
        assert stdlib.disabled is False
        femto.propagate = False
        assert stdlib.propagate is False
        stdlib.propagate = True
        assert femto.propagate is True
        # A library's setting made first is what a new femtologging logger takes.
        logging.getLogger("shared.library").propagate = False
        assert femtologging.getLogger("shared.library").propagate is False
    finally:
        femto.disabled = False
        femto.propagate = True
        logging.getLogger("shared.library").propagate = True


def test_switching_the_bridge_off_restores_the_stdlib_classes() -> None:
    import logging
    import types

    femtologging.bridge_stdlib(False)
    try:
        assert type(logging) is types.ModuleType
        assert "propagate" not in logging.Logger.__dict__
        assert logging.getLogger("shared.off").propagate is True
    finally:
        femtologging.bridge_stdlib(True)
    assert isinstance(logging.Logger.__dict__["disabled"], property)
