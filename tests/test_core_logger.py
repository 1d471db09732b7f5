"""FemtoLogger: return values, filtering and handler wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

from femtologging import FemtoFileHandler, FemtoLevel, FemtoLogger


def test_log_returns_the_basic_format_line() -> None:
    logger = FemtoLogger("app.core")
    assert logger.log(FemtoLevel.INFO, "started") == "INFO:app.core:started"
    assert logger.log("WARNING", "careful") == "WARNING:app.core:careful"


def test_records_below_the_level_are_dropped() -> None:
    logger = FemtoLogger("quiet")
    logger.set_level("ERROR")
    assert logger.log("WARN", "hidden") is None
    assert logger.log("CRITICAL", "shown") == "CRITICAL:quiet:shown"


def test_non_string_messages_are_converted_with_str() -> None:
    assert FemtoLogger("obj").log(20, 42) == "INFO:obj:42"


def test_each_handler_receives_each_record(tmp_path: Path) -> None:
    logger = FemtoLogger("fan")
    first = FemtoFileHandler(tmp_path / "a.log")
    second = FemtoFileHandler(tmp_path / "b.log")
    logger.add_handler(first)
    logger.add_handler(second)
    logger.log("INFO", "both")
    assert logger.remove_handler(second) is True
    assert logger.remove_handler(second) is False
    logger.log("INFO", "first only")
    first.close()
    second.close()
    assert (tmp_path / "a.log").read_text() == "INFO:fan:both\nINFO:fan:first only\n"
    assert (tmp_path / "b.log").read_text() == "INFO:fan:both\n"


def test_adding_the_same_handler_twice_writes_once(tmp_path: Path) -> None:
    logger = FemtoLogger("dup")
    handler = FemtoFileHandler(tmp_path / "d.log")
    logger.add_handler(handler)
    logger.add_handler(handler)
    logger.log("INFO", "once")
    handler.close()
    assert (tmp_path / "d.log").read_text() == "INFO:dup:once\n"


def test_handler_levels_filter(tmp_path: Path) -> None:
    logger = FemtoLogger("lvl")
    handler = FemtoFileHandler(tmp_path / "l.log", level="WARNING")
    logger.add_handler(handler)
    logger.log("INFO", "no")
    logger.log("ERROR", "yes")
    handler.close()
    assert (tmp_path / "l.log").read_text() == "ERROR:lvl:yes\n"


@pytest.mark.parametrize("not_a_handler", [3, "file.log", object()])
def test_add_handler_rejects_other_objects(not_a_handler: object) -> None:
    with pytest.raises(TypeError, match=type(not_a_handler).__name__):
        FemtoLogger("t").add_handler(not_a_handler)  # type: ignore[arg-type]
