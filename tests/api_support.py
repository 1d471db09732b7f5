"""Helpers for the differential tests of the `logging` API (tests/test_api_*.py).

Each test runs one scenario under the stdlib's `logging` and under
`femtologging` and compares what can be observed: bytes written, record
attributes, return values, exceptions. Test files import it by name (the
tests directory is on pytest's `pythonpath`):

    import api_support as support
    isolate_logging = support.isolate_logging   # the autouse fixture

Global state of BOTH libraries (root handlers and level, logger tree, level
tables, logger class, record factory, disable level, module flags, Formatter
class attributes, warnings capture) is saved before each test and restored
after it by `isolate_logging`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import textwrap
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

import femtologging

STD: ModuleType = logging
FEM: ModuleType = femtologging
LIBS: tuple[ModuleType, ModuleType] = (STD, FEM)
LIB_IDS = ("stdlib", "femtologging")

STD_DIR = os.path.dirname(os.path.normcase(os.path.abspath(logging.__file__)))
FEM_DIR = os.path.dirname(os.path.normcase(os.path.abspath(femtologging.__file__)))
ENCODINGS_DIR = os.path.dirname(os.path.normcase(os.path.abspath(__import__("encodings").__file__)))

#: Module attributes read at call time by both libraries.
FLAGS = (
    "raiseExceptions",
    "logThreads",
    "logProcesses",
    "logMultiprocessing",
    "logAsyncioTasks",
    "lastResort",
    "_srcfile",
)
FORMATTER_CLASS_ATTRS = ("converter", "default_time_format", "default_msec_format")
#: Record attributes that hold the time of creation: they differ between two
#: runs of the same scenario and are checked for consistency instead.
TIME_ATTRS = ("created", "msecs", "relativeCreated")


# --------------------------------------------------------------------------
# Outcomes and exceptions


@dataclass(frozen=True)
class Raised:
    """An exception, as a user sees it printed: the chain of `type: message`
    lines (following `__cause__`, or `__context__` unless suppressed)."""

    chain: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, error: BaseException) -> Raised:
        return cls(exception_chain(error))

    @property
    def type_name(self) -> str:
        return self.chain[-1][0]

    @property
    def message(self) -> str:
        return self.chain[-1][1]


def exception_chain(error: BaseException) -> tuple[tuple[str, str], ...]:
    """(type name, str) of each exception printed for `error`, outermost last."""
    chain: list[tuple[str, str]] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((type(current).__name__, str(current)))
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return tuple(reversed(chain))


def outcome(scenario: Callable[[ModuleType], Any], module: ModuleType) -> Any:
    """The scenario's return value, or `Raised` for the exception it raised."""
    try:
        return scenario(module)
    except Exception as error:  # noqa: BLE001 - every exception is a result here
        return Raised.of(error)


def run_both(scenario: Callable[[ModuleType], Any]) -> tuple[Any, Any]:
    """Runs the scenario under the stdlib, then under femtologging, each with
    a root logger without handlers (pytest's capture handlers removed)."""
    results = []
    for module in LIBS:
        reset_root(module)
        results.append(outcome(scenario, module))
    return results[0], results[1]


def assert_same(scenario: Callable[[ModuleType], Any]) -> Any:
    """Runs both and asserts equal outcomes; returns the stdlib's."""
    expected, actual = run_both(scenario)
    assert actual == expected, first_difference(expected, actual)
    return expected


def first_difference(expected: Any, actual: Any, where: str = "result") -> str:
    """Where two unequal values first differ, for assertion messages."""
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            if left != right:
                return first_difference(left, right, f"{where}[{index}]")
        if len(expected) != len(actual):
            return f"{where}: lengths {len(expected)} (stdlib) != {len(actual)} (femtologging)"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key in actual and expected[key] != actual[key]:
                return first_difference(expected[key], actual[key], f"{where}[{key!r}]")
        if list(expected) != list(actual):
            return f"{where}: keys {list(expected)} (stdlib) != {list(actual)} (femtologging)"
    if isinstance(expected, str) and isinstance(actual, str):
        at = next(
            (i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
            min(len(expected), len(actual)),
        )
        start = max(0, at - 200)
        where = f"{where}, from character {start} (first difference at {at})"
        expected, actual = expected[start : at + 200], actual[start : at + 200]
    return f"\nat {where}:\nstdlib:       {expected!r}\nfemtologging: {actual!r}"


def reset_root(module: ModuleType) -> None:
    root = module.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(module.WARNING)


def run_python(code: str, cwd: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Runs a snippet in a fresh interpreter, in `cwd` (not the repository root,
    whose femtologging/ sources would shadow the installed package)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@contextlib.contextmanager
def captured_stderr() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        yield buffer


# --------------------------------------------------------------------------
# Records


def list_handler(module: ModuleType, level: int = 0) -> Any:
    """A `module.Handler` that keeps every record it emits in `.records`."""

    class ListHandler(module.Handler):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__(level)
            self.records: list[Any] = []

        def emit(self, record: Any) -> None:
            self.records.append(record)

    return ListHandler()


def stream_handler(module: ModuleType, fmt: str | None = None, **kwargs: Any) -> Any:
    """A StreamHandler on a new StringIO (`.stream.getvalue()` reads it)."""
    handler = module.StreamHandler(io.StringIO())
    if fmt is not None:
        handler.setFormatter(module.Formatter(fmt, **kwargs))
    return handler


def isolated_logger(module: ModuleType, name: str, *handlers: Any, level: int = 1) -> Any:
    """A logger with the given handlers that does not propagate."""
    logger = module.getLogger(name)
    logger.setLevel(level)
    logger.propagate = False
    for handler in handlers:
        logger.addHandler(handler)
    return logger


def exc_info_view(exc_info: Any) -> Any:
    if not isinstance(exc_info, tuple) or len(exc_info) != 3:
        return exc_info
    kind, value, tb = exc_info
    frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(tb)] if tb else None
    return (kind, type(value).__name__, str(value), frames)


def record_view(record: Any) -> list[tuple[str, Any]]:
    """A record's attributes in order, comparable across the two libraries:
    times replaced by their type, exc_info by its printed parts."""
    view = []
    for key, value in vars(record).items():
        if key in TIME_ATTRS:
            value = type(value).__name__
        elif key == "exc_info":
            value = exc_info_view(value)
        view.append((key, value))
    return view


def check_record_times(module: ModuleType, record: Any) -> None:
    """`created`/`msecs`/`relativeCreated` follow this Python's stdlib rules."""
    created, msecs, relative = record.created, record.msecs, record.relativeCreated
    assert type(created) is float and type(msecs) is float and type(relative) is float
    assert msecs == int(msecs) and 0 <= msecs < 1000
    start = module._startTime
    if sys.version_info >= (3, 13):
        assert type(start) is int
        assert abs((created - start / 1e9) * 1000 - relative) < 0.01
        assert abs((created % 1) * 1000 - msecs) <= 1 or msecs == 0
    else:
        assert type(start) is float
        assert msecs == int((created - int(created)) * 1000)
        assert relative == (created - start) * 1000


# --------------------------------------------------------------------------
# Text normalisation


_FRAME_LINE = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in .*$')


def is_library_path(path: str) -> bool:
    directory = os.path.dirname(os.path.normcase(os.path.abspath(path)))
    return directory in (STD_DIR, FEM_DIR, ENCODINGS_DIR)


def strip_library_frames(text: str) -> str:
    """Removes traceback/stack entries (the `File ...` line and its indented
    source and caret lines) that point into either library, or into the codec
    modules (the stdlib encodes inside C, femtologging's encoder is Python).
    Everything else, including the user's frames, is kept."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        match = _FRAME_LINE.match(line)
        if match:
            skipping = is_library_path(match.group("path"))
            if not skipping:
                out.append(line)
            continue
        if skipping and line.startswith("    "):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


_ASCTIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")


def mask_asctime(text: str) -> str:
    return _ASCTIME.sub("<asctime>", text)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def mask_addresses(text: str) -> str:
    """`<object at 0x7f...>` -> `<object at 0x?>`."""
    return _ADDRESS.sub(" at 0x?", text)


# --------------------------------------------------------------------------
# Isolation


def _is_pytest_handler(handler: Any) -> bool:
    return type(handler).__module__.startswith("_pytest")


@dataclass
class _LoggerState:
    logger: Any
    level: int
    handlers: list[Any]
    filters: list[Any]
    propagate: bool
    disabled: bool
    parent: Any


@dataclass
class _Snapshot:
    module: ModuleType
    logger_dict: dict[str, Any] = field(default_factory=dict)
    loggers: list[_LoggerState] = field(default_factory=list)
    manager_attrs: dict[str, Any] = field(default_factory=dict)
    logger_class: Any = None
    record_factory: Any = None
    level_to_name: dict[int, str] = field(default_factory=dict)
    name_to_level: dict[str, int] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    formatter_attrs: dict[str, Any] = field(default_factory=dict)
    stream_terminator: str = "\n"
    last_resort_level: int = 0
    handler_ids: set[int] = field(default_factory=set)

    @classmethod
    def take(cls, module: ModuleType) -> _Snapshot:
        manager = module.Logger.manager
        snap = cls(module)
        snap.logger_dict = dict(manager.loggerDict)
        for logger in [module.root, *manager.loggerDict.values()]:
            if isinstance(logger, module.Logger):
                snap.loggers.append(
                    _LoggerState(
                        logger,
                        logger.level,
                        [h for h in logger.handlers if not _is_pytest_handler(h)],
                        list(logger.filters),
                        logger.propagate,
                        logger.disabled,
                        logger.parent,
                    )
                )
        snap.manager_attrs = {
            "disable": manager.disable,
            "loggerClass": manager.loggerClass,
            "logRecordFactory": manager.logRecordFactory,
            "emittedNoHandlerWarning": manager.emittedNoHandlerWarning,
        }
        snap.logger_class = module.getLoggerClass()
        snap.record_factory = module.getLogRecordFactory()
        snap.level_to_name = dict(module._levelToName)
        snap.name_to_level = dict(module._nameToLevel)
        snap.flags = {name: getattr(module, name) for name in FLAGS if hasattr(module, name)}
        snap.formatter_attrs = {
            name: module.Formatter.__dict__[name]
            for name in FORMATTER_CLASS_ATTRS
            if name in module.Formatter.__dict__
        }
        snap.stream_terminator = module.StreamHandler.__dict__.get("terminator", "\n")
        snap.last_resort_level = module._defaultLastResort.level
        snap.handler_ids = {id(ref()) for ref in module._handlerList if ref() is not None}
        return snap

    def restore(self) -> None:
        module = self.module
        manager = module.Logger.manager
        module.captureWarnings(False)
        for name, value in self.flags.items():
            setattr(module, name, value)
        for name in ("logAsyncioTasks",):
            if name not in self.flags and name in vars(module):
                delattr(module, name)
        module.setLoggerClass(self.logger_class)
        module.setLogRecordFactory(self.record_factory)
        for name, value in self.manager_attrs.items():
            setattr(manager, name, value)
        module._levelToName.clear()
        module._levelToName.update(self.level_to_name)
        module._nameToLevel.clear()
        module._nameToLevel.update(self.name_to_level)
        for name in FORMATTER_CLASS_ATTRS:
            if name in self.formatter_attrs:
                setattr(module.Formatter, name, self.formatter_attrs[name])
            elif name in module.Formatter.__dict__:
                delattr(module.Formatter, name)
        module.StreamHandler.terminator = self.stream_terminator
        module._defaultLastResort.level = self.last_resort_level
        # The logger tree: forget loggers made by the test, restore the others.
        manager.loggerDict.clear()
        manager.loggerDict.update(self.logger_dict)
        for state in self.loggers:
            logger = state.logger
            keep = [h for h in logger.handlers if _is_pytest_handler(h)]
            logger.handlers[:] = state.handlers + keep
            logger.filters[:] = state.filters
            logger.level = state.level
            logger.propagate = state.propagate
            logger.disabled = state.disabled
            logger.parent = state.parent
        manager._clear_cache()
        # Close the handlers the test made (files, workers).
        for ref in list(module._handlerList):
            handler = ref()
            if handler is None or id(handler) in self.handler_ids:
                continue
            if _is_pytest_handler(handler):
                continue
            with contextlib.suppress(Exception):
                handler.close()


@pytest.fixture(autouse=True)
def isolate_logging() -> Iterator[None]:
    """Saves and restores the global state of both libraries around a test."""
    snapshots = [_Snapshot.take(module) for module in LIBS]
    showwarning = warnings.showwarning
    try:
        yield
    finally:
        for snap in snapshots:
            snap.restore()
        warnings.showwarning = showwarning
