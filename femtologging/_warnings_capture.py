"""`captureWarnings`: route `warnings.warn` output to the "py.warnings" logger."""

import sys
import warnings

from . import _globals
from ._handler import NullHandler
from ._logger import getLogger

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_LOG_TEXT_AS_MESSAGE = sys.version_info >= (3, 11)
_original_showwarning: "Any" = None


def _showwarning(
    message: "Any",
    category: "Any",
    filename: str,
    lineno: int,
    file: "Any" = None,
    line: "str | None" = None,
) -> None:
    if file is not None:
        if _original_showwarning is not None:
            _original_showwarning(message, category, filename, lineno, file, line)
        return
    text = warnings.formatwarning(message, category, filename, lineno, line)
    logger = getLogger("py.warnings")
    if not logger.handlers:
        logger.addHandler(NullHandler())
    if _LOG_TEXT_AS_MESSAGE:
        logger.warning(str(text))  # bpo-46557: the text is the message
    else:
        logger.warning("%s", text)


def captureWarnings(capture: bool) -> None:
    global _original_showwarning
    if capture:
        if _original_showwarning is None:
            _original_showwarning = warnings.showwarning
            warnings.showwarning = _showwarning
    elif _original_showwarning is not None:
        warnings.showwarning = _original_showwarning
        _original_showwarning = None
    # The stdlib's module attribute of the same name, which code reads.
    _globals.package()._warnings_showwarning = _original_showwarning
