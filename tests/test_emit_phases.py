"""A log call's phases, as the stdlib runs them: checks, caller, record,
handlers. Once the caller's code has run (an argument's `__str__`), the
call is never started again, so that code runs no more often than under the
stdlib, on the fast path and on the Python path alike.

Each scenario runs under `logging` and `femtologging` in this process, on
loggers of its own, and compares how often the caller's code ran, what was
written and what was reported."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import logging.handlers
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import femtologging
import femtologging.handlers

_names = itertools.count()


class Counted:
    """An argument that counts its `__str__` calls."""

    def __init__(self, text: str = "counted") -> None:
        self.text = text
        self.calls = 0

    def __str__(self) -> str:
        self.calls += 1
        return self.text


class Raising(Counted):
    """An argument whose `__str__` raises (and counts)."""

    def __str__(self) -> str:
        self.calls += 1
        raise RuntimeError("no text")


Setup = Callable[[ModuleType, Any, Path], None]


def streams(count: int) -> Setup:
    def setup(module: ModuleType, logger: Any, tmp: Path) -> None:
        for _ in range(count):
            handler = module.StreamHandler(io.StringIO())
            handler.setFormatter(module.Formatter("%(levelname)s %(message)s"))
            logger.addHandler(handler)

    return setup


def file_and_stream(module: ModuleType, logger: Any, tmp: Path) -> None:
    logger.addHandler(module.FileHandler(tmp / f"{module.__name__}.log"))
    logger.addHandler(module.StreamHandler(io.StringIO()))


def null_only(module: ModuleType, logger: Any, tmp: Path) -> None:
    logger.addHandler(module.NullHandler())


SETUPS = {
    "one stream": streams(1),
    "two streams": streams(2),
    "file and stream": file_and_stream,
    "null handler only": null_only,
}


def written(logger: Any) -> list[str]:
    """What the logger's handlers wrote, after flushing them."""
    texts = []
    for handler in logger.handlers:
        handler.flush()
        stream = getattr(handler, "stream", None)
        if isinstance(stream, io.StringIO):
            texts.append(stream.getvalue())
        elif getattr(handler, "baseFilename", None):
            texts.append(Path(handler.baseFilename).read_text(errors="surrogateescape"))
    return texts


@contextlib.contextmanager
def configured(module: ModuleType, setup: Setup, tmp: Path, python_path: bool) -> Iterator[Any]:
    logger = module.getLogger(f"phases-{module.__name__}-{next(_names)}")
    logger.propagate = False
    logger.setLevel(module.INFO)
    setup(module, logger, tmp)
    if python_path:
        # A logger filter takes femtologging's calls off the fast path.
        logger.addFilter(lambda record: True)
    try:
        yield logger
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


PATHS = [pytest.param(False, id="fast path"), pytest.param(True, id="python path")]


def fast_calls() -> int:
    return femtologging._femtologging_rs._path_counts()[0]


@pytest.mark.parametrize("python_path", PATHS)
@pytest.mark.parametrize("setup_name", list(SETUPS))
def test_an_argument_is_rendered_no_more_often_than_by_the_stdlib(
    tmp_path: Path, setup_name: str, python_path: bool
) -> None:
    calls = {}
    outputs = {}
    for module in (logging, femtologging):
        argument = Counted()
        with configured(module, SETUPS[setup_name], tmp_path, python_path) as logger:
            before = fast_calls()
            logger.info("value %s", argument)
            if module is femtologging:
                assert (fast_calls() > before) != python_path, "the path under test was taken"
            outputs[module.__name__] = written(logger)
        calls[module.__name__] = argument.calls
    assert outputs["femtologging"] == outputs["logging"]
    stdlib, femto = calls["logging"], calls["femtologging"]
    if python_path:
        assert femto == stdlib  # the stdlib's own algorithm
    else:
        # Rendered once for every handler that formats, never more.
        assert femto == min(stdlib, 1)


@pytest.mark.parametrize("python_path", PATHS)
def test_a_reserved_extra_key_raises_before_any_argument_is_rendered(
    tmp_path: Path, python_path: bool
) -> None:
    for module in (logging, femtologging):
        argument = Raising()
        with configured(module, streams(1), tmp_path, python_path) as logger:
            with pytest.raises(KeyError, match="Attempt to overwrite 'message' in LogRecord"):
                logger.info("value %s", argument, extra={"message": "mine"})
            assert written(logger) == [""]
        assert argument.calls == 0, module.__name__


@pytest.mark.parametrize("python_path", PATHS)
@pytest.mark.parametrize("handlers", [1, 2])
def test_an_argument_that_raises_is_reported_once_per_handler(
    tmp_path: Path, python_path: bool, handlers: int
) -> None:
    calls = {}
    reports = {}
    for module in (logging, femtologging):
        argument = Raising()
        errors = io.StringIO()
        with configured(module, streams(handlers), tmp_path, python_path) as logger:
            with contextlib.redirect_stderr(errors):
                logger.info("value %s", argument)
                logger.info("after")
            assert written(logger) == ["INFO after\n"] * handlers
        calls[module.__name__] = argument.calls
        reports[module.__name__] = errors.getvalue()
    stdlib, femto = reports["logging"], reports["femtologging"]
    assert femto.count("--- Logging error ---") == stdlib.count("--- Logging error ---")
    assert femto.count("RuntimeError: no text") == stdlib.count("RuntimeError: no text")
    assert "Message: 'value %s'" in femto
    assert 1 <= calls["femtologging"] <= calls["logging"]


def test_text_the_core_cannot_hold_is_finished_in_python_without_rendering_again(
    tmp_path: Path,
) -> None:
    """A lone surrogate from an argument's `__str__`, and in the exception
    text: written as the stdlib writes them, each `__str__` run once."""
    outputs = {}
    calls = {}
    for module in (logging, femtologging):
        argument = Counted("\udc80 odd")
        with configured(module, streams(1), tmp_path, python_path=False) as logger:
            logger.info("value %s", argument)
            error = ValueError(Counted("bad \udc81"))
            try:
                raise error
            except ValueError:
                logger.exception("failed %s", "here")
            outputs[module.__name__] = [text.replace(__file__, "FILE") for text in written(logger)]
        calls[module.__name__] = (argument.calls, error.args[0].calls)
    assert outputs["femtologging"] == outputs["logging"]
    assert calls["femtologging"] == calls["logging"] == (1, 1)


def test_a_rollover_by_the_handlers_own_naming_renders_the_message_once(
    tmp_path: Path,
) -> None:
    """A RotatingFileHandler with a `namer` has Python roll it over: the
    record that calls for it reaches Python already rendered."""
    contents = {}
    calls = {}
    for module in (logging, femtologging):
        base = tmp_path / module.__name__
        base.mkdir()
        arguments = [Counted(f"record {index:02d}") for index in range(12)]

        def setup(module: ModuleType, logger: Any, tmp: Path, base: Path = base) -> None:
            handler = module.handlers.RotatingFileHandler(
                base / "app.log", maxBytes=60, backupCount=5
            )
            handler.namer = lambda name: name + ".old"
            logger.addHandler(handler)

        with configured(module, setup, tmp_path, python_path=False) as logger:
            for argument in arguments:
                logger.info("%s", argument)
        contents[module.__name__] = {path.name: path.read_text() for path in sorted(base.iterdir())}
        calls[module.__name__] = [argument.calls for argument in arguments]
    assert contents["femtologging"] == contents["logging"]
    assert len(contents["logging"]) > 2  # it rolled over
    # The stdlib formats each record twice (shouldRollover, then emit).
    for femto, stdlib in zip(calls["femtologging"], calls["logging"], strict=True):
        assert 1 <= femto <= stdlib
