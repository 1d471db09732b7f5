"""The module-level functions that work on the root logger: `basicConfig()`,
which gives it a handler and format, and the logging calls (`logging.info(...)`
and friends), which log on it after calling `basicConfig()` if it has no
handler, as the stdlib's do."""

from __future__ import annotations

import io
import warnings

from . import _globals
from ._formatter import _STYLES, Formatter
from ._handler import FileHandler, StreamHandler
from ._logger import root

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any


def basicConfig(**kwargs: Any) -> None:
    """Configures the root logger, unless it already has handlers (or `force`)."""
    with _globals.lock:
        force = kwargs.pop("force", False)
        encoding = kwargs.pop("encoding", None)
        errors = kwargs.pop("errors", "backslashreplace")
        if force:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
                handler.close()
        if root.handlers:
            return
        handlers = kwargs.pop("handlers", None)
        if handlers is None:
            if "stream" in kwargs and "filename" in kwargs:
                raise ValueError("'stream' and 'filename' should not be specified together")
        elif "stream" in kwargs or "filename" in kwargs:
            raise ValueError(
                "'stream' or 'filename' should not be specified together with 'handlers'"
            )
        if handlers is None:
            filename = kwargs.pop("filename", None)
            mode = kwargs.pop("filemode", "a")
            if filename:
                if "b" in mode:
                    errors = None
                else:
                    encoding = io.text_encoding(encoding)
                handler: Any = FileHandler(filename, mode, encoding=encoding, errors=errors)
            else:
                handler = StreamHandler(kwargs.pop("stream", None))
            handlers = [handler]
        datefmt = kwargs.pop("datefmt", None)
        style = kwargs.pop("style", "%")
        if style not in _STYLES:
            raise ValueError("Style must be one of: " + ",".join(_STYLES))
        formatter = Formatter(kwargs.pop("format", _STYLES[style][1]), datefmt, style)
        for handler in handlers:
            if handler.formatter is None:
                handler.setFormatter(formatter)
            root.addHandler(handler)
        level = kwargs.pop("level", None)
        if level is not None:
            root.setLevel(level)
        if kwargs:
            raise ValueError("Unrecognised argument(s): " + ", ".join(kwargs))


def _ensure_configured() -> None:
    # Looked up on the package at call time, as the stdlib's functions use
    # their module global: replacing `logging.basicConfig` must take effect.
    if not root.handlers:
        _globals.flag("basicConfig")()


def critical(msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.critical(msg, *args, **kwargs)


fatal = critical


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.error(msg, *args, **kwargs)


def exception(msg: Any, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
    error(msg, *args, exc_info=exc_info, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.warning(msg, *args, **kwargs)


def warn(msg: Any, *args: Any, **kwargs: Any) -> None:
    warnings.warn(
        "The 'warn' function is deprecated, use 'warning' instead",
        DeprecationWarning,
        2,
    )
    warning(msg, *args, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.info(msg, *args, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.debug(msg, *args, **kwargs)


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    _ensure_configured()
    root.log(level, msg, *args, **kwargs)
