"""Frame walkers: code that finds "the caller" by skipping logging's own
frames (issue "One world, part two", scenario 6), with the real loguru and
structlog.

Each scenario runs in a fresh interpreter, once with `import logging` (the
reference) and once with `import femtologging as logging` in the
application's modules; the caller each walker reports must be the same.
Libraries' records need no change to the walkers (no femtologging frame is
on their way to a handler). Records of the application's own femtologging
loggers pass femtologging's Python frames; docs/frameworks.md gives the
one-line change each recipe needs for them, tested here as written there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.stdlib_bridge

LIBRARIES = ["logging", "femtologging"]

Run = Callable[..., Any]


def line_of(source: str, text: str) -> int:
    """The line number of the first line of `source` containing `text`."""
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def run_both(run_python: Run, source: str) -> dict[str, str]:
    """Standard output of the scenario under each library."""
    outputs = {}
    for library in LIBRARIES:
        result = run_python(source.replace("LIBRARY", library))
        assert result.returncode == 0, f"{library}:\n{result.stdout}\n{result.stderr}"
        outputs[library] = result.stdout
    return outputs


#: loguru's documented InterceptHandler (its README, 0.7), in the module that
#: sets logging up (which imports the stdlib's `logging`).
LOGURU_SETUP = """
import inspect
import logging
import sys

from loguru import logger

import LIBRARY as app_logging

logger.remove()
logger.add(sys.stdout, format="{level} {function}:{line} {message}", colorize=False)


class InterceptHandler(logging.Handler):
    def emit(self, record):
        level = logger.level(record.levelname).name
        frame, depth = inspect.currentframe(), 0
        while frame:
            filename = frame.f_code.co_filename
            is_logging = filename == logging.__file__SKIP_FEMTOLOGGING
            is_frozen = "importlib" in filename and "_bootstrap" in filename
            if depth > 0 and not (is_logging or is_frozen):
                break
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def library_call():
    logging.getLogger("somelib.client").warning("from a library")


def app_call():
    app_logging.getLogger("app.views").warning("from the app")


logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
library_call()
APP_CALL
"""

#: The one-line change for femtologging's frames (docs/frameworks.md).
SKIP_FEMTOLOGGING = ' or frame.f_globals.get("__name__", "").startswith("femtologging.")'


def loguru_source(*, changed_recipe: bool, app_records: bool) -> str:
    return LOGURU_SETUP.replace(
        "SKIP_FEMTOLOGGING", SKIP_FEMTOLOGGING if changed_recipe else ""
    ).replace("APP_CALL", "app_call()" if app_records else "pass")


def test_loguru_intercept_recipe_finds_the_library_caller_unchanged(run_python: Run) -> None:
    pytest.importorskip("loguru")
    source = loguru_source(changed_recipe=False, app_records=False)
    outputs = run_both(run_python, source)
    assert outputs["femtologging"] == outputs["logging"]
    library = line_of(source, '"from a library"')
    assert outputs["logging"].splitlines() == [f"WARNING library_call:{library} from a library"]


def test_loguru_intercept_recipe_with_the_documented_change_finds_the_app_caller(
    run_python: Run,
) -> None:
    pytest.importorskip("loguru")
    source = loguru_source(changed_recipe=True, app_records=True)
    outputs = run_both(run_python, source)
    assert outputs["femtologging"] == outputs["logging"]
    library, app = line_of(source, '"from a library"'), line_of(source, '"from the app"')
    assert outputs["logging"].splitlines() == [
        f"WARNING library_call:{library} from a library",
        f"WARNING app_call:{app} from the app",
    ]


def test_loguru_intercept_recipe_unchanged_stops_in_femtologging_for_app_records(
    run_python: Run,
) -> None:
    """Why the change is needed: the stock recipe compares each frame's file
    with the stdlib's `logging/__init__.py`, and the Python path of a
    femtologging logger runs in femtologging's own files."""
    pytest.importorskip("loguru")
    source = loguru_source(changed_recipe=False, app_records=True)
    result = run_python(source.replace("LIBRARY", "femtologging"))
    assert result.returncode == 0, result.stderr
    app_lines = [line for line in result.stdout.splitlines() if "from the app" in line]
    assert len(app_lines) == 1
    assert not app_lines[0].startswith("WARNING app_call:")


#: structlog wired to the stdlib as its documentation shows, with the
#: application's handler and root from its own logging module.
STRUCTLOG_SETUP = """
import logging
import sys

import structlog

import LIBRARY as app_logging

callsite = structlog.processors.CallsiteParameterAdder(
    [
        structlog.processors.CallsiteParameter.FUNC_NAME,
        structlog.processors.CallsiteParameter.LINENO,
    ]ADDITIONAL_IGNORES
)
shared = [structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name]
structlog.configure(
    processors=[*shared, callsite, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
renderer = structlog.processors.KeyValueRenderer(
    key_order=["level", "logger", "func_name", "lineno", "event"], drop_missing=True
)
structured = app_logging.StreamHandler(sys.stdout)
structured.setFormatter(
    structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[*shared, callsite],
    )
)
plain = app_logging.StreamHandler(sys.stdout)
plain.setFormatter(app_logging.Formatter("plain %(name)s %(funcName)s:%(lineno)d %(message)s"))
app_logging.getLogger("plain").addHandler(plain)
app_logging.getLogger("plain").propagate = False
root = app_logging.getLogger()
root.addHandler(structured)
root.setLevel(app_logging.INFO)


def structlog_call():
    structlog.get_logger("app.events").info("from structlog")


def structlog_plain_call():
    structlog.get_logger("plain").info("through findCaller")


def library_call():
    logging.getLogger("somelib").warning("from a library")


def app_call():
    app_logging.getLogger("app.views").warning("from the app")


structlog_call()
structlog_plain_call()
library_call()
app_call()
FORMAT_TIME
"""

#: A CallsiteParameterAdder run by the formatter, when the record is
#: written: it walks from inside the handler.
AT_FORMAT_TIME = """
late = structlog.processors.CallsiteParameterAdder(
    [structlog.processors.CallsiteParameter.FUNC_NAME]ADDITIONAL_IGNORES
)
late_handler = app_logging.StreamHandler(sys.stdout)
late_handler.setFormatter(
    structlog.stdlib.ProcessorFormatter(
        processors=[late, structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
)
app_logging.getLogger("late").addHandler(late_handler)
app_logging.getLogger("late").propagate = False


def late_call():
    structlog.get_logger("late").info("walked when written")


late_call()
"""


def structlog_source(*, format_time: bool, changed_recipe: bool) -> str:
    ignores = ', additional_ignores=["femtologging"]' if changed_recipe else ""
    source = STRUCTLOG_SETUP.replace("FORMAT_TIME", AT_FORMAT_TIME if format_time else "")
    return source.replace("ADDITIONAL_IGNORES", ignores)


def test_structlog_callsites_match_the_stdlib(run_python: Run) -> None:
    """structlog's own events (callsite found when they are logged), its
    `findCaller` through a femtologging handler's `%(funcName)s`, and
    foreign records from a library and from the app (callsite taken from
    the record)."""
    pytest.importorskip("structlog")
    source = structlog_source(format_time=False, changed_recipe=False)
    outputs = run_both(run_python, source)
    assert outputs["femtologging"] == outputs["logging"]
    texts = ('"from structlog"', '"through findCaller"', '"from a library"', '"from the app"')
    lines = [line_of(source, text) for text in texts]
    assert outputs["logging"].splitlines() == [
        f"level='info' logger='app.events' func_name='structlog_call' lineno={lines[0]}"
        " event='from structlog'",
        f"plain plain structlog_plain_call:{lines[1]} {{'event': 'through findCaller',"
        " 'level': 'info', 'logger': 'plain', 'func_name': 'structlog_plain_call',"
        f" 'lineno': {lines[1]}}}",
        f"level='warning' logger='somelib' func_name='library_call' lineno={lines[2]}"
        " event='from a library'",
        f"level='warning' logger='app.views' func_name='app_call' lineno={lines[3]}"
        " event='from the app'",
    ]


def test_structlog_callsite_at_format_time_with_the_documented_change(run_python: Run) -> None:
    """A CallsiteParameterAdder the formatter runs walks from inside the
    handler: a femtologging handler's frames are skipped with
    `additional_ignores=["femtologging"]`."""
    pytest.importorskip("structlog")
    source = structlog_source(format_time=True, changed_recipe=True)
    outputs = run_both(run_python, source)
    assert outputs["femtologging"] == outputs["logging"]
    line = line_of(source, '"walked when written"')
    assert outputs["logging"].splitlines()[-1] == (
        f"level='info' logger='late' func_name='late_call' lineno={line}"
        " event='walked when written'"
    )
