"""`{`-style format specs: femtologging's native formatter against Python's
own `format()`, through the stdlib's `logging.Formatter` as reference.

Hypothesis builds specs from every part of the mini-language (fill, align
incl. `=`, sign, `z`, `#`, `0`, width, grouping, precision, type) for a
text, an integer and a float record field. The same record is formatted by
both modules; the lines (or the error `handleError` reports) must be equal,
and femtologging must have served the call on its fast path whenever Python
formats it without error.
"""

from __future__ import annotations

import io
import logging
import sys
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import femtologging
from femtologging import _femtologging_rs

NS_CLOCK = sys.version_info >= (3, 13)
# What the replaced clock returns for the text and integer cases.
FIXED_CLOCK: float | int = 1_700_000_000 * 10**9 if NS_CLOCK else 1_700_000_000.0

FILLS = ["", "", "x", "*", "0", " ", "=", ":", "é"]
TYPES = {
    "text": ["", "", "s", "d", "c", "f", "n"],
    "int": ["", "", "d", "b", "o", "x", "X", "c", "e", "E", "f", "F", "g", "G", "%", "n", "s"],
    "float": ["", "", "e", "E", "f", "F", "g", "G", "%", "n", "d", "s"],
}


@st.composite
def specs(draw: st.DrawFn, kind: str) -> str:
    fill = draw(st.sampled_from(FILLS))
    align = draw(st.sampled_from(["", "<", ">", "^", "="]))
    if fill and not align:
        align = "<"
    parts = [
        fill + align,
        draw(st.sampled_from(["", "", "+", "-", " "])),
        draw(st.sampled_from(["", "", "", "z"])),
        draw(st.sampled_from(["", "", "#"])),
        draw(st.sampled_from(["", "", "0"])),
        draw(st.sampled_from(["", "1", "5", "8", "12", "20"])),
        draw(st.sampled_from(["", "", "", ",", "_"])),
        draw(st.sampled_from(["", "", ".0", ".1", ".3", ".6", ".12"])),
        draw(st.sampled_from(TYPES[kind])),
    ]
    return "".join(parts)


class Recorder:
    """A stream handler's output and the errors its `handleError` printed
    (the last line of each traceback)."""

    def __init__(self, module: Any, fmt: str) -> None:
        self.stream = io.StringIO()
        self.report = io.StringIO()
        self.handler = module.StreamHandler(self.stream)
        # validate=False: the stdlib's spec check predates the `z` option.
        self.handler.setFormatter(module.Formatter(fmt, style="{", validate=False))

    @property
    def errors(self) -> list[str]:
        lines = self.report.getvalue().splitlines()
        return [
            line
            for line, following in zip(lines, lines[1:], strict=False)
            if following.startswith("Call stack:")
        ]


def log_once(module: Any, name: str, fmt: str, level: int, clock: float | int) -> Recorder:
    recorder = Recorder(module, fmt)
    logger = module.getLogger(name)
    logger.propagate = False
    logger.handlers = []
    logger.addHandler(recorder.handler)
    logger.setLevel(1)
    target = "time.time_ns" if NS_CLOCK else "time.time"
    with mock.patch(target, return_value=clock), mock.patch("sys.stderr", recorder.report):
        logger.log(level, "message")
    logger.removeHandler(recorder.handler)
    return recorder


def compare(field: str, spec: str, name: str, level: int, clock: float | int) -> None:
    fmt = "{" + field + ":" + spec + "}|{message}"
    expected = log_once(logging, name, fmt, level, clock)
    before = _femtologging_rs._path_counts()
    actual = log_once(femtologging, name, fmt, level, clock)
    fast = _femtologging_rs._path_counts()[0] - before[0]
    assert actual.stream.getvalue() == expected.stream.getvalue(), (fmt, expected.errors)
    assert actual.errors == expected.errors, fmt
    if not expected.errors and not spec.endswith("n"):
        assert fast == 1, f"{fmt!r} was not served natively"


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

NAMES = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="."),
    min_size=1,
    max_size=6,
)


@SETTINGS
@given(spec=specs("text"), name=NAMES)
def test_text_fields(spec: str, name: str) -> None:
    compare("name", spec, "spec." + name, 20, FIXED_CLOCK)


@SETTINGS
@given(spec=specs("int"), level=st.integers(min_value=1, max_value=2**31 - 1))
def test_integer_fields(spec: str, level: int) -> None:
    compare("levelno", spec, "spec.int", level, FIXED_CLOCK)


# What `time.time_ns()` (3.13) or `time.time()` (before) returns: the core
# holds any int of 64 bits or any finite float exactly.
CLOCKS = (
    st.integers(min_value=-(10**17), max_value=2 * 10**18)
    if NS_CLOCK
    else st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
    | st.sampled_from([0.0, -0.0, 5e-56, 0.25, 1_700_000_000.25, 1_700_000_000.123_456])
)


@SETTINGS
@given(spec=specs("float"), clock=CLOCKS)
def test_float_fields(spec: str, clock: float | int) -> None:
    compare("created", spec, "spec.float", 20, clock)


def test_a_clock_reading_the_core_cannot_hold_is_left_to_python() -> None:
    """A float from `time_ns()` (3.13) is formatted by Python's LogRecord;
    an infinite `time()` (before) makes both raise from the log call."""
    fmt = "{created:.3f}|{message}"
    if NS_CLOCK:
        expected = log_once(logging, "spec.odd", fmt, 20, 12345.0)
        actual = log_once(femtologging, "spec.odd", fmt, 20, 12345.0)
        assert actual.stream.getvalue() == expected.stream.getvalue() != ""
        return
    raised = []
    for module in (logging, femtologging):
        try:
            log_once(module, "spec.odd", fmt, 20, float("inf"))
        except OverflowError as error:
            raised.append(str(error))
    assert len(raised) == 2 and raised[0] == raised[1]
