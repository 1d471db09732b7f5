"""`basicConfig`: one call that gives the root logger a handler and format."""

from __future__ import annotations

import io

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
