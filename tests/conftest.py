"""Shared fixtures: running Python snippets in a fresh interpreter, and the
local time zone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator

import pytest

RunResult = subprocess.CompletedProcess[str]


@pytest.fixture
def run_python(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., RunResult]:
    """Runs a code snippet in a fresh interpreter that imports femtologging.

    The snippet runs in an empty directory: `-c` puts the working directory on
    sys.path, and the repository root would shadow the installed package.
    """
    workdir = tmp_path_factory.mktemp("run")

    def run(code: str, *, timeout: float = 120, **kwargs: object) -> RunResult:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=workdir,
            **kwargs,  # type: ignore[arg-type]
        )

    return run


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "stdlib_bridge: keep femtologging's tree joined to the stdlib's for this test",
    )


@pytest.fixture(autouse=True)
def _separate_logger_trees(request: pytest.FixtureRequest) -> Iterator[None]:
    """Differential tests configure `logging` and `femtologging` side by side
    in one process and compare them; joined trees would feed each library's
    records to the other's handlers. Tests of the join itself opt in with the
    `stdlib_bridge` marker."""
    import femtologging

    if request.node.get_closest_marker("stdlib_bridge"):
        yield
        return
    femtologging.bridge_stdlib(False)
    try:
        yield
    finally:
        femtologging.bridge_stdlib(True)


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Unique logger names (`names("stem")`), left clean in both trees
    afterwards: no handlers (closed), filters or level, propagating."""
    import logging

    import femtologging

    made: list[str] = []
    module = request.node.module.__name__.rpartition(".")[2].removeprefix("test_")

    def make(stem: str) -> str:
        name = f"{module}.{stem}{len(made)}"
        made.append(name)
        return name

    yield make
    for name in made:
        for library in (logging, femtologging):
            logger = library.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()
            for filter_ in list(logger.filters):
                logger.removeFilter(filter_)
            logger.setLevel(library.NOTSET)
            logger.propagate = True


@pytest.fixture
def timezone() -> Iterator[Callable[[str], None]]:
    """Sets `TZ` (and `time.tzset()`) for the test; restores it after."""
    original = os.environ.get("TZ")

    def use(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield use
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    time.tzset()
