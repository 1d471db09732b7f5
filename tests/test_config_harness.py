"""Harness of the differential tests of `femtologging.config` (no tests here).

A scenario is a function `scenario(logging, config, tmp)` written in a test
file. `compare()` runs its source twice in fresh interpreters, once with the
stdlib's `logging`/`logging.config` and once with `femtologging`/
`femtologging.config`, and returns both runs for the test to compare: the
bytes written to stdout, stderr and every file under `tmp` (timestamps and
the temporary directory masked), a snapshot of every logger afterwards
(level, propagate, disabled, filters, handlers with their classes, levels,
formatters and main attributes), and the scenario's return value.

Running each side in its own interpreter keeps the two libraries' global
state apart, and keeps configurations (which close every handler) away
from the pytest process.

In the child, this file is imported as the module `cfgkit`, so scenarios'
configurations can name the helper classes below by dotted name
(`"()": "cfgkit.ColourFormatter"`). Those classes are built on the stdlib's
`logging`, as a third-party library's are.

Test files load this module by path (pytest runs with --import-mode=importlib),
with their `_load_harness()`.
"""

from __future__ import annotations

import inspect
import json
import logging as stdlib_logging
import re
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

TARGETS = ("stdlib", "femtologging")
CHILD_TIMEOUT = 120

# ---------------------------------------------------------------------------
# Classes a third-party library would provide: built on the stdlib.


class ColourFormatter(stdlib_logging.Formatter):
    """Like uvicorn's formatters: a `levelprefix` field, an extra keyword."""

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        style: str = "%",
        use_colors: bool | None = None,
    ) -> None:
        self.use_colors = bool(use_colors)
        super().__init__(fmt=fmt, datefmt=datefmt, style=style)

    def formatMessage(self, record: stdlib_logging.LogRecord) -> str:
        record.__dict__["levelprefix"] = (record.levelname + ":").ljust(10)
        return super().formatMessage(record)


class AccessFormatter(ColourFormatter):
    """Like uvicorn's access formatter: fields taken from the record's args."""

    def formatMessage(self, record: stdlib_logging.LogRecord) -> str:
        client, method, path, status = record.args  # type: ignore[misc]
        record.__dict__.update(
            client_addr=client, request_line=f"{method} {path}", status_code=status
        )
        return super().formatMessage(record)


class RequireFlag(stdlib_logging.Filter):
    """Like Django's RequireDebugFalse: a stdlib Filter subclass passing
    records while a flag holds."""

    def __init__(self, flag: bool = True) -> None:
        super().__init__()
        self.flag = flag

    def filter(self, record: stdlib_logging.LogRecord) -> bool:
        return self.flag


class FileListHandler(stdlib_logging.Handler):
    """Like Django's AdminEmailHandler: a stdlib Handler subclass from
    another library; it appends formatted records to a file."""

    def __init__(self, path: str, include_html: bool = False) -> None:
        super().__init__()
        self.path = path
        self.include_html = include_html

    def emit(self, record: stdlib_logging.LogRecord) -> None:
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write("[mail] " + self.format(record) + "\n")


def make_prefix_filter(prefix: str) -> Callable[[Any], bool]:
    """A `()` factory returning a plain callable filter."""

    def accept(record: Any) -> bool:
        return str(record.msg).startswith(prefix)

    accept.prefix = prefix  # type: ignore[attr-defined]
    return accept


def attempt(action: Callable[[], Any]) -> dict[str, Any]:
    """Runs `action`; what it raised (type, message, causes), or None."""
    try:
        action()
    except Exception as error:
        chain = []
        cause = error.__cause__
        while cause is not None and len(chain) < 8:
            chain.append(type(cause).__name__)
            cause = cause.__cause__
        return {
            "type": type(error).__name__,
            "bases": [klass.__name__ for klass in type(error).__mro__],
            "message": str(error),
            "causes": chain,
            "notes": list(getattr(error, "__notes__", [])),
        }
    return {"type": None}


# ---------------------------------------------------------------------------
# Snapshot of the logging state, with class names made comparable.


def _class_name(klass: type, library: ModuleType) -> str:
    """`logging.X` / `logging.handlers.X` for the library's own classes
    (whichever library it is), else `module.qualname`."""
    handlers = getattr(library, "handlers", None)
    for prefix, module in (("logging", library), ("logging.handlers", handlers)):
        if module is not None and getattr(module, klass.__name__, None) is klass:
            return f"{prefix}.{klass.__name__}"
    return f"{klass.__module__}.{klass.__qualname__}"


def _stream_name(stream: Any, tmp: str) -> Any:
    if stream is None:
        return None
    name = getattr(stream, "name", None)
    if isinstance(name, str):
        return name.replace(tmp, "<TMP>")
    return type(stream).__name__


def describe_formatter(formatter: Any, library: ModuleType) -> Any:
    if formatter is None:
        return None
    style = getattr(formatter, "_style", None)
    return {
        "class": _class_name(type(formatter), library),
        "fmt": getattr(formatter, "_fmt", None),
        "datefmt": getattr(formatter, "datefmt", None),
        "style": type(style).__name__ if style is not None else None,
        "defaults": getattr(style, "_defaults", None) if style is not None else None,
    }


def describe_filter(item: Any, library: ModuleType) -> Any:
    if isinstance(item, type(describe_filter)):
        return {"function": item.__qualname__.split(".<locals>.")[-1]}
    return {
        "class": _class_name(type(item), library),
        "name": getattr(item, "name", None),
        "flag": getattr(item, "flag", None),
    }


_HANDLER_ATTRIBUTES = (
    "terminator",
    "mode",
    "encoding",
    "delay",
    "maxBytes",
    "backupCount",
    "when",
    "interval",
    "utc",
    "capacity",
    "flushLevel",
    "flushOnClose",
    "include_html",
    "respect_handler_level",
    "foo",
)


def describe_handler(handler: Any, library: ModuleType, tmp: str, depth: int = 0) -> Any:
    described: dict[str, Any] = {
        "class": _class_name(type(handler), library),
        "name": getattr(handler, "name", None),
        "level": getattr(handler, "level", None),
        "formatter": describe_formatter(getattr(handler, "formatter", None), library),
        "filters": [describe_filter(item, library) for item in getattr(handler, "filters", [])],
    }
    for attribute in _HANDLER_ATTRIBUTES:
        if hasattr(handler, attribute):
            described[attribute] = repr(getattr(handler, attribute))
    if hasattr(handler, "stream"):
        described["stream"] = _stream_name(handler.stream, tmp)
    if hasattr(handler, "baseFilename"):
        described["baseFilename"] = handler.baseFilename.replace(tmp, "<TMP>")
    if depth < 2 and getattr(handler, "target", None) is not None:
        described["target"] = describe_handler(handler.target, library, tmp, depth + 1)
    listener = getattr(handler, "listener", None)
    if depth < 2 and listener is not None:
        described["listener"] = {
            "class": _class_name(type(listener), library),
            "handlers": [
                describe_handler(item, library, tmp, depth + 1) for item in listener.handlers
            ],
            "respect_handler_level": listener.respect_handler_level,
            "same_queue": listener.queue is getattr(handler, "queue", None),
        }
    return described


def describe_logger(logger: Any, library: ModuleType, tmp: str) -> Any:
    return {
        "level": logger.level,
        "propagate": repr(logger.propagate),
        "disabled": repr(logger.disabled),
        "filters": [describe_filter(item, library) for item in logger.filters],
        "handlers": [describe_handler(item, library, tmp) for item in logger.handlers],
    }


def snapshot(library: ModuleType, tmp: str) -> dict[str, Any]:
    manager = library.root.manager
    state = {"<root>": describe_logger(library.root, library, tmp)}
    for name in sorted(manager.loggerDict):
        node = manager.loggerDict[name]
        if isinstance(node, library.Logger):
            state[name] = describe_logger(node, library, tmp)
        else:
            state[name] = "placeholder"
    if library.__name__ == "femtologging":
        # Joined with the stdlib's tree: loggers that only libraries made
        # (through the stdlib) are part of the program's logging state too.
        import logging as stdlib

        for name, node in sorted(stdlib.Logger.manager.loggerDict.items()):
            if name not in state and isinstance(node, stdlib.Logger):
                state[name] = describe_logger(node, stdlib, tmp)
    return state


# ---------------------------------------------------------------------------
# The child interpreter.


def _child_main(target: str, tmp: str, result_path: str) -> None:
    sys.modules["cfgkit"] = sys.modules["__main__"]
    for helper in (ColourFormatter, AccessFormatter, RequireFlag, FileListHandler):
        helper.__module__ = "cfgkit"
    if target == "stdlib":
        import logging as library
        import logging.config as config
        import logging.handlers  # noqa: F401 - `library.handlers` for snapshots
    else:
        import femtologging as library
        import femtologging.config as config

        try:
            import femtologging.handlers  # noqa: F401
        except ImportError:
            pass  # scenarios that need it fail and say so
    source = sys.stdin.read()
    namespace: dict[str, Any] = {"__name__": "cfgscenario", "__builtins__": __builtins__}
    exec(compile(source, "<scenario>", "exec"), namespace)
    outcome: dict[str, Any] = {}
    try:
        value = namespace["scenario"](library, config, tmp)
        outcome["value"] = value
        outcome["state"] = snapshot(library, tmp)
    except Exception:
        outcome["crash"] = traceback.format_exc()
    with open(result_path, "w", encoding="utf-8") as stream:
        json.dump(outcome, stream, default=repr)


# ---------------------------------------------------------------------------
# The parent side.

_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(,\d{3})?"), "<ASCTIME>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "<TIME>"),
    (re.compile(r"\b0x[0-9a-f]{6,}\b"), "0x<ADDR>"),
)


def mask(text: str, tmp: str) -> str:
    text = text.replace(tmp, "<TMP>")
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class Run:
    """One side of a differential run."""

    target: str
    stdout: str
    stderr: str
    files: dict[str, str]
    value: Any
    state: Any
    crash: str | None

    def check(self) -> Run:
        """Fails the test if the scenario raised."""
        assert self.crash is None, f"{self.target} scenario raised:\n{self.crash}\n{self.stderr}"
        return self


def _source(scenario: Callable[..., Any]) -> str:
    source = textwrap.dedent(inspect.getsource(scenario))
    return source.replace(f"def {scenario.__name__}(", "def scenario(", 1)


def run(scenario: Callable[..., Any], target: str, workdir: Path) -> Run:
    tmp = workdir / f"{target}-out"
    tmp.mkdir(parents=True)
    result_path = workdir / f"{target}-result.json"
    completed = subprocess.run(
        [sys.executable, __file__, target, str(tmp), str(result_path)],
        input=_source(scenario),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        cwd=workdir,
    )
    tmp_text = str(tmp)
    outcome: dict[str, Any] = {}
    if result_path.exists():
        outcome = json.loads(result_path.read_text(encoding="utf-8"))
    else:
        outcome["crash"] = f"child exited with {completed.returncode}"
    files = {}
    for path in sorted(tmp.rglob("*")):
        if path.is_file():
            files[str(path.relative_to(tmp))] = mask(
                path.read_bytes().decode("utf-8", "backslashreplace"), tmp_text
            )
    value = outcome.get("value")
    if value is not None:
        value = json.loads(mask(json.dumps(value), tmp_text))
    return Run(
        target=target,
        stdout=mask(completed.stdout, tmp_text),
        stderr=mask(completed.stderr, tmp_text),
        files=files,
        value=value,
        state=json.loads(mask(json.dumps(outcome.get("state")), tmp_text)),
        crash=outcome.get("crash"),
    )


def compare(
    scenario: Callable[..., Any], workdir: Path, *, same_value: bool = True
) -> tuple[Run, Run]:
    """Runs `scenario` under both libraries and asserts that they wrote the
    same bytes and left the same state (and, unless `same_value` is false,
    returned the same value). Returns (stdlib run, femtologging run)."""
    stdlib = run(scenario, "stdlib", workdir).check()
    femto = run(scenario, "femtologging", workdir).check()
    assert femto.stdout == stdlib.stdout, "stdout differs"
    assert femto.stderr == stdlib.stderr, "stderr differs"
    assert femto.files == stdlib.files, "files differ"
    assert femto.state == stdlib.state, "logging state differs"
    if same_value:
        assert femto.value == stdlib.value, "scenario results differ"
    return stdlib, femto


if __name__ == "__main__":
    _child_main(*sys.argv[1:4])
