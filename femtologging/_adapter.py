"""`LoggerAdapter`: a logger wrapper that adds context to every call."""

import sys
import warnings
from types import GenericAlias

from ._femtologging_rs import LoggerAdapter as AdapterBase
from ._femtologging_rs import _install_adapter_methods
from ._globals import ERROR, getLevelName

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_MERGE_EXTRA = sys.version_info >= (3, 13)


class LoggerAdapter(AdapterBase):
    """Passes calls to `logger` after `process` has added `extra`.

    `debug` ... `critical` come from the Rust base: they do what
    `self.log(level, ...)` does (directly, while this class's `log`,
    `isEnabledFor` and `process` are in use), or call `self.log`.
    """

    if _MERGE_EXTRA:

        def __init__(self, logger: "Any", extra: "Any" = None, merge_extra: bool = False) -> None:
            self.logger = logger
            self.extra = extra
            self.merge_extra = merge_extra

    else:

        def __init__(self, logger: "Any", extra: "Any" = None) -> None:
            self.logger = logger
            self.extra = extra

    def process(self, msg: "Any", kwargs: "Any") -> "tuple[Any, Any]":
        if _MERGE_EXTRA and self.merge_extra and "extra" in kwargs:  # type: ignore[attr-defined]
            kwargs["extra"] = {**self.extra, **kwargs["extra"]}
        else:
            kwargs["extra"] = self.extra
        return msg, kwargs

    def warn(self, msg: "Any", *args: "Any", **kwargs: "Any") -> None:
        warnings.warn(
            "The 'warn' method is deprecated, use 'warning' instead",
            DeprecationWarning,
            2,
        )
        self.warning(msg, *args, **kwargs)

    def exception(self, msg: "Any", *args: "Any", exc_info: "Any" = True, **kwargs: "Any") -> None:
        self.log(ERROR, msg, *args, exc_info=exc_info, **kwargs)

    def log(self, level: int, msg: "Any", *args: "Any", **kwargs: "Any") -> None:
        if self.isEnabledFor(level):
            msg, kwargs = self.process(msg, kwargs)
            self.logger.log(level, msg, *args, **kwargs)

    def isEnabledFor(self, level: int) -> bool:
        return self.logger.isEnabledFor(level)

    def setLevel(self, level: "int | str") -> None:
        self.logger.setLevel(level)

    def getEffectiveLevel(self) -> int:
        return self.logger.getEffectiveLevel()

    def hasHandlers(self) -> bool:
        return self.logger.hasHandlers()

    def _log(self, level: int, msg: "Any", args: "Any", **kwargs: "Any") -> "Any":
        return self.logger._log(level, msg, args, **kwargs)

    @property
    def manager(self) -> "Any":
        return self.logger.manager

    @manager.setter
    def manager(self, value: "Any") -> None:
        self.logger.manager = value

    @property
    def name(self) -> str:
        return self.logger.name

    def __repr__(self) -> str:
        level = getLevelName(self.logger.getEffectiveLevel())
        return f"<{type(self).__name__} {self.logger.name} ({level})>"

    __class_getitem__ = classmethod(GenericAlias)


def _call_log_in_python(
    adapter: "Any", level: int, msg: "Any", *args: "Any", **kwargs: "Any"
) -> None:
    """What the stdlib's `info()` and friends do, in a Python frame: 3.10's
    `stacklevel` counts that frame."""
    adapter.log(level, msg, *args, **kwargs)


_install_adapter_methods(
    LoggerAdapter.log, LoggerAdapter.isEnabledFor, LoggerAdapter.process, _call_log_in_python
)
