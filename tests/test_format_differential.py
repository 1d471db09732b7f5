"""Format strings and arguments through a `FileHandler` (the fast path and
its worker) against the stdlib: `%`-style conversions with every flag,
width, precision and conversion character on text, integer and float record
fields, `$`-style templates, and `msg % args` with the same specs.

The file's bytes and the errors `handleError` reports (the last line of
each traceback, and the message and arguments it names) must be equal; a
failing conversion is reported when the call is made, the stdlib's way,
and nothing is written for it. Hypothesis runs a bounded number of
examples, so the test fits in CI.
"""

from __future__ import annotations

import io
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import femtologging
from femtologging import _femtologging_rs

NS_CLOCK = sys.version_info >= (3, 13)
FIXED_CLOCK: float | int = 1_700_000_000_250_000_000 if NS_CLOCK else 1_700_000_000.25

FIELDS = {
    "text": ["name", "levelname", "message", "funcName", "module", "asctime"],
    "int": ["levelno", "lineno"],
    "float": ["msecs", "created"],
}
CONVERSIONS = list("sdiouxXeEfFgGcra")


@st.composite
def printf_specs(draw: st.DrawFn) -> str:
    """Flags, width, precision and conversion after a `%` (or `%(key)`)."""
    flags = "".join(draw(st.lists(st.sampled_from("-+ #0"), max_size=3, unique=True)))
    width = draw(st.sampled_from(["", "", "1", "5", "12"]))
    precision = draw(st.sampled_from(["", "", ".0", ".3", ".12"]))
    return flags + width + precision + draw(st.sampled_from(CONVERSIONS))


FIELD_NAMES = st.sampled_from([name for names in FIELDS.values() for name in names])
ARGUMENTS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)


def run_once(module: Any, fmt: str, style: str, msg: str, args: tuple[Any, ...]) -> Any:
    """The file's text and the errors reported, for one call."""
    report = io.StringIO()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "out.log"
        handler = module.FileHandler(path, encoding="utf-8")
        handler.setFormatter(module.Formatter(fmt, style=style, validate=False))
        logger = module.getLogger("differential.format")
        logger.propagate = False
        logger.handlers = [handler]
        logger.setLevel(1)
        target = "time.time_ns" if NS_CLOCK else "time.time"
        before = _femtologging_rs._path_counts()
        with mock.patch(target, return_value=FIXED_CLOCK), mock.patch("sys.stderr", report):
            logger.warning(msg, *args)
            handler.close()
        native = _femtologging_rs._path_counts()[0] - before[0]
        logger.handlers = []
        text = path.read_text(encoding="utf-8")
    lines = report.getvalue().splitlines()
    errors = [
        line
        for index, line in enumerate(lines)
        if index + 1 < len(lines)
        and lines[index + 1].startswith("Call stack:")
        or line.startswith(("Message:", "Arguments:"))
    ]
    return text, errors, native


def compare(fmt: str, style: str, msg: str = "a message", args: tuple[Any, ...] = ()) -> None:
    expected_text, expected_errors, _ = run_once(logging, fmt, style, msg, args)
    text, errors, native = run_once(femtologging, fmt, style, msg, args)
    assert (text, errors) == (expected_text, expected_errors), (fmt, msg, args)
    if style == "%" and fmt == "%(message)s" and not expected_errors:
        assert native == 1, f"{msg!r} % {args!r} was not served natively"


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(field=FIELD_NAMES, spec=printf_specs(), other=printf_specs())
def test_percent_style_fields(field: str, spec: str, other: str) -> None:
    compare(f"%({field}){spec}|%(levelno){other} %(message)s", "%")


@SETTINGS
@given(field=FIELD_NAMES, literal=st.sampled_from(["", "$$", "x", "é "]), braced=st.booleans())
def test_dollar_style_fields(field: str, literal: str, braced: bool) -> None:
    reference = "${" + field + "}" if braced else "$" + field
    compare(f"{literal}{reference}|$message", "$")


@SETTINGS
@given(spec=printf_specs(), argument=ARGUMENTS)
def test_message_arguments(spec: str, argument: Any) -> None:
    compare("%(message)s", "%", f"v=%{spec};", (argument,))


def test_a_conversion_a_field_cannot_take_is_reported_when_logged() -> None:
    """Found by fuzzing: the stdlib's TypeError from `handleError`, with the
    call's message and arguments, nothing written, `close()` quiet."""
    expected = run_once(logging, "%(asctime)#+1.10g %(message)s", "%", "x %s", ("arg",))
    actual = run_once(femtologging, "%(asctime)#+1.10g %(message)s", "%", "x %s", ("arg",))
    assert actual[:2] == expected[:2]
    assert expected[:2] == (
        "",
        ["TypeError: must be real number, not str", "Message: 'x %s'", "Arguments: ('arg',)"],
    )


def test_a_sign_on_a_text_field_is_reported_as_the_stdlib_does() -> None:
    expected = run_once(logging, "{name:-} {message}", "{", "x", ())
    actual = run_once(femtologging, "{name:-} {message}", "{", "x", ())
    assert actual[:2] == expected[:2]
    assert expected[1][0] == "ValueError: Sign not allowed in string format specifier"
