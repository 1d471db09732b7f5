"""FemtoFileHandler: flush/close semantics, formats and concurrency."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import pytest

from femtologging import FemtoFileHandler, FemtoLogger


def logger_with(handler: FemtoFileHandler, name: str = "f") -> FemtoLogger:
    logger = FemtoLogger(name)
    logger.add_handler(handler)
    return logger


def test_flush_returns_after_every_earlier_record_is_written(tmp_path: Path) -> None:
    path = tmp_path / "flush.log"
    handler = FemtoFileHandler(path)
    logger = logger_with(handler)
    for i in range(20_000):
        logger.log("INFO", f"record {i}")
    handler.flush()
    lines = path.read_text().splitlines()
    assert lines == [f"INFO:f:record {i}" for i in range(20_000)]
    handler.close()


def test_close_is_idempotent_and_later_records_are_counted_drops(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "close.log"
    handler = FemtoFileHandler(path)
    logger = logger_with(handler)
    logger.log("INFO", "kept")
    handler.close()
    handler.close()
    handler.flush()
    assert handler.closed
    logger.log("INFO", "too late")
    logger.log("INFO", "also too late")
    assert handler.dropped == 2
    assert path.read_text() == "INFO:f:kept\n"
    # One report for the first drop, not one per record.
    assert capfd.readouterr().err.count("--- Logging error ---") == 1


def test_mode_w_truncates_and_mode_a_appends(tmp_path: Path) -> None:
    path = tmp_path / "mode.log"
    path.write_text("old\n")
    handler = FemtoFileHandler(path, "a")
    logger_with(handler).log("INFO", "appended")
    handler.close()
    assert path.read_text() == "old\nINFO:f:appended\n"
    handler = FemtoFileHandler(str(path), "w")
    logger_with(handler).log("INFO", "fresh")
    handler.close()
    assert path.read_text() == "INFO:f:fresh\n"


def test_bad_mode_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'r'"):
        FemtoFileHandler(tmp_path / "x.log", "r")


def test_a_missing_directory_raises_file_not_found_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "x.log"
    with pytest.raises(FileNotFoundError) as raised:
        FemtoFileHandler(missing)
    with pytest.raises(FileNotFoundError) as stdlib:
        open(missing, "a")  # noqa: SIM115 - the stdlib's own error, for comparison
    assert str(raised.value) == str(stdlib.value)
    assert raised.value.filename == str(missing)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("capacity", 0, "capacity"),
        ("overflow", "spill", "spill"),
        ("flush_level", "LOUD", "LOUD"),
        ("format", "%(message)q", "unsupported format character"),
    ],
)
def test_bad_options_raise_value_errors_naming_them(
    tmp_path: Path, option: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FemtoFileHandler(tmp_path / "x.log", **{option: value})  # type: ignore[arg-type]


def test_records_at_the_flush_level_are_on_disk_when_log_returns(tmp_path: Path) -> None:
    path = tmp_path / "durable.log"
    handler = FemtoFileHandler(path, flush_level="WARNING")
    logger = logger_with(handler)
    logger.log("WARNING", "on disk now")
    assert path.read_text() == "WARNING:f:on disk now\n"
    assert handler.flush_level == 30
    handler.close()


def test_formats_fill_time_thread_and_call_site(tmp_path: Path) -> None:
    path = tmp_path / "fmt.log"
    handler = FemtoFileHandler(
        path,
        format="%(asctime)s|%(levelname)-8s|%(name)s|%(threadName)s|"
        "%(filename)s:%(lineno)d|%(funcName)s|%(message)s",
    )
    logger = logger_with(handler, "fmt")
    line_no = sys._getframe().f_lineno + 1
    logger.log("INFO", "where")
    handler.close()
    line = path.read_text()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\|INFO    \|fmt\|MainThread\|"
        rf"test_core_file_handler\.py:{line_no}\|"
        r"test_formats_fill_time_thread_and_call_site\|where\n",
        line,
    ), line


def test_set_format_applies_to_later_records(tmp_path: Path) -> None:
    path = tmp_path / "setfmt.log"
    handler = FemtoFileHandler(path, format="%(message)s")
    logger = logger_with(handler)
    logger.log("INFO", "a")
    handler.set_format("%(levelname)s %(message)s")
    logger.log("INFO", "b")
    handler.close()
    assert path.read_text() == "a\nINFO b\n"


def test_four_threads_lose_and_interleave_nothing(tmp_path: Path) -> None:
    path = tmp_path / "threads.log"
    handler = FemtoFileHandler(path, format="%(threadName)s %(message)s")
    logger = logger_with(handler)
    per_thread = 25_000

    def work() -> None:
        for i in range(per_thread):
            logger.log("INFO", f"{i} " + "x" * (i % 50))

    threads = [threading.Thread(target=work, name=f"w{t}") for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.close()
    lines = path.read_text().split("\n")
    assert lines.pop() == ""
    assert len(lines) == 4 * per_thread
    seen: dict[str, list[int]] = {f"w{t}": [] for t in range(4)}
    for line in lines:
        match = re.fullmatch(r"(w\d) (\d+) (x*)", line)
        assert match, f"interleaved or corrupt line: {line!r}"
        number = int(match.group(2))
        assert len(match.group(3)) == number % 50
        seen[match.group(1)].append(number)
    for numbers in seen.values():
        assert numbers == list(range(per_thread))


def test_unknown_options_are_type_errors_naming_them(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'colour'"):
        FemtoFileHandler(tmp_path / "x.log", colour="red")  # type: ignore[call-arg]
