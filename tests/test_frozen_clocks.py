"""Frozen clocks: a test that replaces `time.time`/`time.time_ns` (plain
`unittest.mock.patch`, freezegun, time-machine) sees the same timestamps in
femtologging's records as in the stdlib's, on every path and handler.

Each scenario runs in a fresh interpreter under both modules with a fixed
time zone, and the lines are compared byte for byte (`relativeCreated`
counts from each module's own import time, so it is checked against that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCENARIO = """
import io, json, os, sys, tempfile, time
from unittest import mock
if sys.argv[1] == "femtologging":
    import femtologging as logging
    from femtologging import handlers
else:
    import logging
    from logging import handlers
import freezegun

directory = tempfile.mkdtemp()
FORMAT = "%(asctime)s|%(created)f|%(msecs)d|%(relativeCreated)f|%(message)s"
stream = io.StringIO()
to_stream = logging.StreamHandler(stream)
to_file = logging.FileHandler(os.path.join(directory, "plain.log"))
rotating = handlers.RotatingFileHandler(os.path.join(directory, "r.log"), maxBytes=1 << 20)
timed = handlers.TimedRotatingFileHandler(os.path.join(directory, "t.log"), when="D")
dated = logging.FileHandler(os.path.join(directory, "dated.log"))
dated.setFormatter(logging.Formatter("%(asctime)s %(msecs)03d %(message)s", "%Y-%m-%d %H:%M:%S"))
braces = logging.FileHandler(os.path.join(directory, "braces.log"))
braces.setFormatter(logging.Formatter("{asctime} {created:.3f} {message}", style="{"))
for handler in (to_stream, to_file, rotating, timed):
    handler.setFormatter(logging.Formatter(FORMAT))
fast = logging.getLogger("fast")
for handler in (to_stream, to_file, rotating, dated, braces):
    fast.addHandler(handler)
fast.setLevel("INFO")
# Under a replaced clock a timed rollover is Python's to decide.
timed_logger = logging.getLogger("timed")
timed_logger.addHandler(timed)
timed_logger.setLevel("INFO")
# A logger filter keeps every call on the Python path.
slow = logging.getLogger("slow")
slow.addHandler(to_file)
slow.addFilter(lambda record: True)
slow.setLevel("INFO")

if sys.argv[1] == "femtologging":
    from femtologging._femtologging_rs import _path_counts
else:
    def _path_counts():
        return (0, 0)
native = []  # per call of the "fast" logger: served natively?

def log(label):
    before = _path_counts()[0]
    fast.info(label)
    native.append(_path_counts()[0] - before)
    slow.info(label + " (Python path)")
    timed_logger.info(label + " (timed)")

with mock.patch("time.time", return_value=0.0), mock.patch("time.time_ns", return_value=0):
    log("mock zero")
with mock.patch("time.time", return_value=1234567.891), \\
        mock.patch("time.time_ns", return_value=1234567891000000):
    log("mock value")
with mock.patch("time.time", return_value=1_700_000_000.25), \\
        mock.patch("time.time_ns", return_value=1_700_000_000_250_000_000):
    log("mock recent")
# Within one millisecond, the next one, later in the second, and back: a
# line's asctime is kept while the millisecond does not change.
for ns in (
    1_700_000_000_250_400_000,
    1_700_000_000_250_900_000,
    1_700_000_000_251_000_000,
    1_700_000_000_999_999_999,
    1_700_000_000_250_000_000,
):
    with mock.patch("time.time", return_value=ns / 1e9), \\
            mock.patch("time.time_ns", return_value=ns):
        log(f"mock ns {ns}")
for moment in ("2012-01-14 03:21:34.123456", "2020-02-29 23:59:59.999", "1999-12-31 12:00:00"):
    with freezegun.freeze_time(moment):
        log("freezegun " + moment)
try:
    import time_machine
except ImportError:
    time_machine = None
if time_machine is not None:
    with time_machine.travel(1_500_000_000.5, tick=False):
        log("time-machine")
real_before = time.time()
log("real clock")
for handler in (to_stream, to_file, rotating, timed, dated, braces):
    handler.close()
files = {}
for name in ("plain.log", "r.log", "t.log", "dated.log", "braces.log"):
    with open(os.path.join(directory, name)) as file:
        files[name] = file.read()
print(json.dumps({
    "stream": stream.getvalue(),
    "files": files,
    "start": logging._startTime,
    "real_before": real_before,
    "time_machine": time_machine is not None,
    "native": native,
}))
"""


def run(module: str, tmp_path: Path) -> dict:
    script = tmp_path / "frozen.py"
    script.write_text(textwrap.dedent(SCENARIO))
    result = subprocess.run(
        [sys.executable, str(script), module],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TZ": "Europe/Paris"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def frozen_lines(text: str) -> list[str]:
    """The lines logged under a replaced clock (the last ones are real)."""
    lines = text.splitlines()
    assert "real clock" in lines[-1]
    return [line for line in lines if "real clock" not in line]


def without_relative(text: str) -> list[str]:
    return [
        "|".join(fields[:3] + fields[4:])
        for fields in (line.split("|") for line in frozen_lines(text))
    ]


def check_relative(text: str, start: float | int) -> None:
    """relativeCreated counts from the module's own `_startTime`."""
    start_seconds = start / 1e9 if isinstance(start, int) else start
    for line in text.splitlines():
        fields = line.split("|")
        created, relative = float(fields[1]), float(fields[3])
        assert abs(relative - (created - start_seconds) * 1000) < 1.0, line


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    tmp_path = tmp_path_factory.mktemp("frozen")
    return run("logging", tmp_path), run("femtologging", tmp_path)


def test_the_stream_handler_sees_the_frozen_times(both: tuple[dict, dict]) -> None:
    stdlib, femto = both
    assert without_relative(femto["stream"]) == without_relative(stdlib["stream"])
    assert "1970-01-01 01:00:00,000|0.000000|0|" in femto["stream"]
    check_relative(femto["stream"], femto["start"])


@pytest.mark.parametrize("name", ["plain.log", "r.log", "t.log"])
def test_file_handlers_see_the_frozen_times(both: tuple[dict, dict], name: str) -> None:
    stdlib, femto = both
    assert without_relative(femto["files"][name]) == without_relative(stdlib["files"][name])
    check_relative(femto["files"][name], femto["start"])


@pytest.mark.parametrize("name", ["dated.log", "braces.log"])
def test_datefmt_and_brace_style_see_the_frozen_times(both: tuple[dict, dict], name: str) -> None:
    stdlib, femto = both
    assert frozen_lines(femto["files"][name]) == frozen_lines(stdlib["files"][name])


def test_frozen_records_stay_on_the_fast_path(both: tuple[dict, dict]) -> None:
    _, femto = both
    # Every call of the logger whose handlers all run natively stayed native,
    # under each replaced clock and the real one.
    assert femto["native"] == [1] * (12 + femto["time_machine"])


def test_the_real_clock_is_back_after_the_patch(both: tuple[dict, dict]) -> None:
    _, femto = both
    last = femto["stream"].splitlines()[-1]
    assert last.endswith("|real clock")
    assert float(last.split("|")[1]) >= femto["real_before"] - 1e-3
