"""`Filter` (logger-name prefix matching) and `Filterer`, the base of
loggers and handlers that owns a list of filters."""

import logging as _stdlib_logging
import sys

from . import _globals

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_FILTERS_RETURN_RECORDS = sys.version_info >= (3, 12)


class Filter:
    """Passes records from the named logger and its descendants."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.nlen = len(name)

    def filter(self, record: "Any") -> bool:
        if self.nlen == 0 or self.name == record.name:
            return True
        if not record.name.startswith(self.name):
            return False
        return record.name[self.nlen] == "."


class Filterer:
    """Holds filters; a record passes when every filter accepts it."""

    def __init__(self) -> None:
        self.filters: list[Any] = []

    def addFilter(self, filter: "Any") -> None:
        if filter not in self.filters:
            self.filters.append(filter)
            _globals.configuration_changed()

    def removeFilter(self, filter: "Any") -> None:
        if filter in self.filters:
            self.filters.remove(filter)
            _globals.configuration_changed()

    def filter(self, record: "Any") -> "Any":
        """False to drop the record; otherwise True, or (3.12+) the record a
        filter returned in its place."""
        for candidate in self.filters:
            if hasattr(candidate, "filter"):
                verdict = candidate.filter(record)
            else:
                verdict = candidate(record)
            if not verdict:
                return False
            if _FILTERS_RETURN_RECORDS and _is_record(verdict):
                record = verdict
        return record if _FILTERS_RETURN_RECORDS else True


def _is_record(value: "Any") -> bool:
    # The stdlib's class: femtologging's LogRecord derives from it, and
    # records from stdlib loggers reach femtologging's filters too.
    return isinstance(value, _stdlib_logging.LogRecord)
