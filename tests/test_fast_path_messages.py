"""`msg % args` rendered by the fast path, against the stdlib.

The fast path formats the message itself when every argument is an exact
str, int or float (core/format/message.rs) and leaves everything else to
Python. Random templates mixing literals, directives with flags, widths and
precisions, `%%`, mapping keys and bad conversions, with random arguments,
must give the stdlib's output, or the same logging error where the stdlib
reports one.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging as std_logging
from types import ModuleType
from typing import Any

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import femtologging

_names = itertools.count()

directives = st.builds(
    lambda flags, width, precision, length, conversion: (
        f"%{flags}{width}{precision}{length}{conversion}"
    ),
    st.text(alphabet="-+ #0", max_size=3),
    st.sampled_from(["", "1", "5", "12", "*"]),
    st.sampled_from(["", ".", ".0", ".3", ".12"]),
    st.sampled_from(["", "", "l", "h"]),
    st.sampled_from(list("sdiuxXofFeEgGra%cy") + ["(key)s", ""]),
)
literals = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
templates = st.lists(st.one_of(literals, directives), min_size=1, max_size=5).map("".join)
arguments = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


def logged(module: ModuleType, template: str, args: tuple[Any, ...]) -> tuple[str, bool]:
    stream = io.StringIO()
    handler = module.StreamHandler(stream)
    handler.setFormatter(module.Formatter("%(levelname)s %(message)s"))
    logger = module.getLogger(f"message-{next(_names)}")
    logger.propagate = False
    logger.setLevel(module.INFO)
    logger.addHandler(handler)
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        logger.info(template, *args)
    logger.removeHandler(handler)
    return stream.getvalue(), "--- Logging error ---" in errors.getvalue()


@settings(max_examples=300, deadline=None)
@given(template=templates, args=st.lists(arguments, min_size=1, max_size=4).map(tuple))
@example(template="msg %s", args=(42,))
@example(template="%-5s|%05d|%x|%.2f|100%%", args=("ab", -42, 255, 2.345))
@example(template="%s %s", args=(1,))
@example(template="no directive", args=(1,))
@example(template="%d", args=(2**64,))
@example(template="%s", args=(float("nan"),))
def test_messages_render_as_the_stdlib_renders_them(template: str, args: tuple[Any, ...]) -> None:
    # A `*` width takes an argument: an integer of a few billion asks both
    # libraries for a line of that many characters (and StringIO for four
    # bytes each), which ends the test run for lack of memory, not on a
    # difference. Huge widths have their own tests (test_fast_path.py).
    assume("*" not in template or all(abs(a) <= 10**4 for a in args if isinstance(a, int)))
    assert logged(femtologging, template, args) == logged(std_logging, template, args)
