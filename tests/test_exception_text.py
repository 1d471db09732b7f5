"""Tracebacks in log output equal the stdlib's, also when femtologging reuses
the stack part of a traceback it rendered before (femtologging/_exception_text.py).

Each test renders the same exception through `logging.Formatter` and
`femtologging.Formatter` (the Python path) and, where it says so, through a
logger on the Rust fast path, several times, changing in between what the
stdlib's rendering depends on: the exception's message, its notes, its chain,
the source file on disk, `sys.tracebacklimit`.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import femtologging


def both(exc_info: Any) -> tuple[str, str]:
    return (
        femtologging.Formatter().formatException(exc_info),
        logging.Formatter().formatException(exc_info),
    )


def caught(function: Any, *args: Any) -> Any:
    try:
        function(*args)
    except BaseException:
        return sys.exc_info()
    raise AssertionError("no exception")


def fail(message: str) -> None:
    raise ValueError(message)


def fail_deep(depth: int) -> None:
    if depth == 0:
        fail("at the bottom")
    fail_deep(depth - 1)


def test_the_same_site_again_and_again_with_different_messages() -> None:
    for message in ["first", "first", "second", "", "multi\nline", "first"]:
        ours, theirs = both(caught(fail, message))
        assert ours == theirs


def test_recursion_summaries_and_deep_stacks() -> None:
    for depth in (3, 30, 3, 30):
        ours, theirs = both(caught(fail_deep, depth))
        assert ours == theirs
    assert "more times]" in ours


def test_str_runs_once_per_rendering() -> None:
    calls: list[int] = []

    class Counted(Exception):
        def __str__(self) -> str:
            calls.append(1)
            return f"counted {len(calls)}"

    def raise_counted() -> None:
        raise Counted()

    for library in (femtologging, logging, femtologging, femtologging):
        before = len(calls)
        text = library.Formatter().formatException(caught(raise_counted))
        assert len(calls) == before + 1
        assert text.endswith(f"Counted: counted {before + 1}")


def test_chains_notes_and_suppressed_context() -> None:
    def chained() -> None:
        try:
            fail("inner")
        except ValueError as error:
            raise KeyError("outer") from error

    def contextual() -> None:
        try:
            fail("inner")
        except ValueError:
            raise KeyError("outer")  # noqa: B904

    def suppressed() -> None:
        try:
            fail("inner")
        except ValueError:
            raise KeyError("outer") from None

    def noted() -> None:
        error = ValueError("noted")
        if hasattr(error, "add_note"):
            error.add_note("a note")
        raise error

    for function in (chained, contextual, suppressed, noted) * 2:
        ours, theirs = both(caught(function))
        assert ours == theirs
    assert "Traceback" in ours


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception groups are 3.11+")
def test_exception_groups() -> None:
    import builtins

    group = builtins.ExceptionGroup  # type: ignore[attr-defined]

    def grouped() -> None:
        raise group("several", [ValueError("a"), KeyError("b")])

    for _ in range(2):
        ours, theirs = both(caught(grouped))
        assert ours == theirs
    assert "+-+" in ours or "+---" in ours


def test_a_traceback_other_than_the_exceptions_own() -> None:
    first = caught(fail, "one")
    second = caught(fail_deep, 2)
    for exc_info in [(first[0], first[1], second[2]), second, (None, None, None)]:
        ours, theirs = both(exc_info)
        assert ours == theirs


@pytest.fixture
def module_on_disk(tmp_path: Path) -> Iterator[tuple[Path, ModuleType]]:
    path = tmp_path / "changing_source.py"
    path.write_text("def explode():\n    raise RuntimeError('from disk')  # version 1\n")
    spec = importlib.util.spec_from_file_location("changing_source", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield path, module


def test_an_edited_source_file_shows_its_new_line(
    module_on_disk: tuple[Path, ModuleType],
) -> None:
    path, module = module_on_disk
    for _ in range(2):
        ours, theirs = both(caught(module.explode))
        assert ours == theirs
    assert "# version 1" in ours
    path.write_text("def explode():\n    raise RuntimeError('from disk')  # version two\n")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))
    exc_info = caught(module.explode)
    # The stdlib first: it reloads the file into linecache, so femtologging
    # finds a fresh entry rather than none.
    theirs = logging.Formatter().formatException(exc_info)
    ours = femtologging.Formatter().formatException(exc_info)
    assert ours == theirs
    assert "# version two" in ours


def test_tracebacklimit_is_honoured_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    exc_info = caught(fail_deep, 5)
    for limit in (None, 2, 0, None, -1):
        if limit is None:
            monkeypatch.delattr(sys, "tracebacklimit", raising=False)
        else:
            monkeypatch.setattr(sys, "tracebacklimit", limit, raising=False)
        ours, theirs = both(exc_info)
        assert ours == theirs


def test_code_without_a_source_file() -> None:
    namespace: dict[str, Any] = {}
    exec("def hidden():\n    raise OSError('no file')\n", namespace)
    for _ in range(2):
        ours, theirs = both(caught(namespace["hidden"]))
        assert ours == theirs


def test_a_patched_traceback_module_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    exc_info = caught(fail, "patched")
    both(exc_info)

    def marked(exc_type: Any, value: Any, tb: Any, limit: Any, file: Any) -> None:
        file.write(f"patched rendering of {value}\n")

    monkeypatch.setattr(traceback, "print_exception", marked)
    ours, theirs = both(exc_info)
    assert ours == theirs == "patched rendering of patched"


def test_logger_exception_on_the_fast_path_repeated() -> None:
    outputs = []
    for library in (femtologging, logging):
        stream = io.StringIO()
        handler = library.StreamHandler(stream)
        handler.setFormatter(library.Formatter("%(levelname)s %(message)s"))
        logger = library.getLogger("exception_text")
        logger.propagate = False
        logger.addHandler(handler)
        for number in range(4):
            try:
                fail_deep(number % 2)
            except ValueError:
                logger.exception("failed %d", number)
        logger.removeHandler(handler)
        outputs.append(stream.getvalue())
    assert outputs[0] == outputs[1]
    assert outputs[0].count("Traceback") == 4
