"""Levels: the numbers, the name tables and the conversions between them.

`_levelToName` and `_nameToLevel` are the live tables (code in the wild reads
them); `addLevelName` updates both.
"""

from . import _globals
from ._femtologging_rs import FemtoLevel

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

CRITICAL = 50
FATAL = CRITICAL
ERROR = 40
WARNING = 30
WARN = WARNING
INFO = 20
DEBUG = 10
TRACE = 5
NOTSET = 0

_levelToName: "dict[int, str]" = {
    CRITICAL: "CRITICAL",
    ERROR: "ERROR",
    WARNING: "WARNING",
    INFO: "INFO",
    DEBUG: "DEBUG",
    TRACE: "TRACE",
    NOTSET: "NOTSET",
}
_nameToLevel: "dict[str, int]" = {
    "CRITICAL": CRITICAL,
    "FATAL": FATAL,
    "ERROR": ERROR,
    "WARN": WARNING,
    "WARNING": WARNING,
    "INFO": INFO,
    "DEBUG": DEBUG,
    "TRACE": TRACE,
    "NOTSET": NOTSET,
}


def getLevelNamesMapping() -> "dict[str, int]":
    return dict(_nameToLevel)


def getLevelName(level: "Any") -> "Any":
    """The name of a level number, the number of a level name, else 'Level %s'."""
    name = _levelToName.get(level)
    if name is not None:
        return name
    number = _nameToLevel.get(level)
    if number is not None:
        return number
    return "Level %s" % level  # noqa: UP031 - a tuple level raises, as in the stdlib


def addLevelName(level: int, levelName: str) -> None:
    with _globals.lock:
        _levelToName[level] = levelName
        _nameToLevel[levelName] = level


def _checkLevel(level: "Any") -> int:
    """A level number from an int, a registered name or a FemtoLevel."""
    if isinstance(level, FemtoLevel):
        return int(level)
    if isinstance(level, int):
        return level
    if isinstance(level, str) and str(level) == level:
        try:
            return _nameToLevel[level]
        except KeyError:
            raise ValueError(f"Unknown level: {level!r}") from None
    raise TypeError(f"Level not an integer or a valid string: {level!r}")
