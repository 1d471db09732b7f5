"""Shared fixtures: running Python snippets in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

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
