"""The module-level logging calls (`logging.info(...)` and friends): they log
on the root logger, configuring it with `basicConfig()` first if it has no
handler, as the stdlib does."""

from __future__ import annotations

import warnings

from . import _globals
from ._logger import root

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any


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
