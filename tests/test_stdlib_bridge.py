"""One logging world: femtologging and the stdlib's `logging` in one process.

Libraries keep `import logging`; the application switched to femtologging.
These tests check that records cross both ways exactly once, that levels set
through either module apply to both, and that pytest's caplog sees records
logged through femtologging.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

import femtologging

pytestmark = pytest.mark.stdlib_bridge


def capture(
    library: Any, name: str, fmt: str = "%(name)s:%(levelname)s:%(message)s"
) -> io.StringIO:
    stream = io.StringIO()
    handler = library.StreamHandler(stream)
    handler.setFormatter(library.Formatter(fmt))
    library.getLogger(name).addHandler(handler)
    return stream


def test_library_records_reach_femtologging_handlers_once(names: Any) -> None:
    app = names("app")
    femto_out = capture(femtologging, app)
    femtologging.getLogger(app).setLevel("DEBUG")
    library_logger = logging.getLogger(f"{app}.lib")  # a library's stdlib logger
    library_logger.debug("from the library %d", 1)
    library_logger.info("second")
    assert femto_out.getvalue() == (f"{app}.lib:DEBUG:from the library 1\n{app}.lib:INFO:second\n")


def test_femtologging_records_reach_stdlib_handlers_once(names: Any) -> None:
    app = names("app")
    stdlib_out = capture(logging, app)
    femto_logger = femtologging.getLogger(f"{app}.core")
    femto_logger.warning("from the app %s", "x")
    assert stdlib_out.getvalue() == f"{app}.core:WARNING:from the app x\n"


def test_no_loops_and_no_duplicates_with_handlers_on_both_sides(names: Any) -> None:
    app = names("app")
    femto_out = capture(femtologging, app)
    stdlib_out = capture(logging, app)
    logging.getLogger(app).warning("stdlib side")
    femtologging.getLogger(app).warning("femto side")
    expected = f"{app}:WARNING:stdlib side\n{app}:WARNING:femto side\n"
    assert femto_out.getvalue() == expected
    assert stdlib_out.getvalue() == expected


def test_levels_set_through_femtologging_apply_to_library_loggers(names: Any) -> None:
    app = names("app")
    femto_out = capture(femtologging, app)
    femtologging.getLogger(app).setLevel("ERROR")
    library_logger = logging.getLogger(app)
    assert library_logger.level == logging.ERROR
    library_logger.warning("silenced")
    library_logger.error("kept")
    femtologging.getLogger(app).setLevel("DEBUG")
    library_logger.debug("now enabled")
    assert femto_out.getvalue() == f"{app}:ERROR:kept\n{app}:DEBUG:now enabled\n"


def test_levels_set_through_the_stdlib_apply_to_femtologging(names: Any) -> None:
    app = names("app")
    stream = capture(femtologging, app)
    logger = femtologging.getLogger(app)
    logging.getLogger(app).setLevel(logging.DEBUG)
    logger.debug("enabled through logging.setLevel")
    logging.getLogger(app).setLevel(logging.CRITICAL)
    logger.error("disabled through logging.setLevel")
    assert stream.getvalue() == f"{app}:DEBUG:enabled through logging.setLevel\n"


def test_a_stdlib_handler_on_the_path_switches_to_the_python_path(names: Any) -> None:
    app = names("app")
    femto_stream = capture(femtologging, app)
    femtologging.getLogger(app).warning("one")
    stdlib_stream = capture(logging, app)  # attached after the plan was made
    femtologging.getLogger(app).warning("two")
    assert femto_stream.getvalue() == f"{app}:WARNING:one\n{app}:WARNING:two\n"
    assert stdlib_stream.getvalue() == f"{app}:WARNING:two\n"


def test_stdlib_handler_and_formatter_subclasses_work_on_femtologging_loggers(
    names: Any,
) -> None:
    app = names("app")
    seen: list[logging.LogRecord] = []

    class Collecting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    class Shouting(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return super().format(record).upper()

    handler = Collecting()
    handler.setFormatter(Shouting("%(levelname)s %(message)s"))
    logger = femtologging.getLogger(app)
    logger.propagate = False
    logger.addHandler(handler)
    logger.warning("hello %s", "there")
    assert len(seen) == 1
    assert isinstance(seen[0], logging.LogRecord)
    assert handler.format(seen[0]) == "WARNING HELLO THERE"


def test_caplog_sees_femtologging_records(caplog: pytest.LogCaptureFixture, names: Any) -> None:
    app = names("app")
    logger = femtologging.getLogger(app)
    caplog.set_level(logging.INFO)
    logger.info("captured %d", 1)
    logger.debug("below the level")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    assert caplog.record_tuples == [
        (app, logging.INFO, "captured 1"),
        (app, logging.ERROR, "failed"),
    ]
    assert caplog.messages == ["captured 1", "failed"]
    assert "captured 1" in caplog.text
    assert "ValueError: boom" in caplog.text
    assert all(isinstance(record, logging.LogRecord) for record in caplog.records)
    caplog.clear()
    assert caplog.records == []


def test_caplog_set_level_on_a_named_logger(caplog: pytest.LogCaptureFixture, names: Any) -> None:
    app = names("app")
    caplog.set_level(logging.DEBUG, logger=app)
    femtologging.getLogger(app).debug("debug through a named level")
    assert caplog.messages == ["debug through a named level"]


def test_caplog_at_level(caplog: pytest.LogCaptureFixture, names: Any) -> None:
    app = names("app")
    logger = femtologging.getLogger(app)
    with caplog.at_level(logging.DEBUG, logger=app):
        logger.debug("inside")
    logger.debug("outside")
    assert caplog.messages == ["inside"]


def test_the_bridge_can_be_switched_off(names: Any) -> None:
    app = names("app")
    femto_out = capture(femtologging, app)
    femtologging.bridge_stdlib(False)
    try:
        logging.getLogger(app).warning("not bridged")
    finally:
        femtologging.bridge_stdlib(True)
    logging.getLogger(app).warning("bridged")
    assert femto_out.getvalue() == f"{app}:WARNING:bridged\n"


def test_the_same_scenario_with_plain_logging_gives_the_same_output(names: Any) -> None:
    """An app whose library logs through the stdlib: with femtologging as the
    app's logging module, the app's handler shows what plain logging shows."""

    def scenario(app_logging: Any, app: str) -> str:
        stream = io.StringIO()
        handler = app_logging.StreamHandler(stream)
        handler.setFormatter(app_logging.Formatter("%(name)s %(levelname)s %(message)s"))
        app_logger = app_logging.getLogger(app)
        app_logger.addHandler(handler)
        app_logger.setLevel(app_logging.INFO)
        library = logging.getLogger(f"{app}.library")
        library.info("library info")
        library.debug("library debug")
        app_logger.getChild("views").warning("app warning")
        app_logger.removeHandler(handler)
        return stream.getvalue()

    assert scenario(femtologging, names("app")).replace("bridge.app0", "X") == scenario(
        logging, names("app")
    ).replace("bridge.app1", "X")
