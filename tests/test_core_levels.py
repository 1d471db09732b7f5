"""FemtoLevel and every accepted form of a level, against the stdlib's numbers."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from femtologging import FemtoLevel, FemtoLogger

STANDARD = {
    "TRACE": 5,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}


@pytest.mark.parametrize(("name", "number"), STANDARD.items())
def test_levels_are_valued_as_the_stdlib(name: str, number: int) -> None:
    level = getattr(FemtoLevel, name)
    assert int(level) == number
    assert level == number
    assert level.value == number


def test_warning_is_an_alias_of_warn() -> None:
    assert FemtoLevel.WARNING == FemtoLevel.WARN
    assert FemtoLevel.WARN.levelname == "WARNING"


@pytest.mark.parametrize(
    "form",
    [FemtoLevel.WARN, "WARN", "WARNING", 30, logging.WARNING],
)
def test_set_level_accepts_each_form(form: object) -> None:
    logger = FemtoLogger("forms")
    logger.set_level(form)
    assert logger.level == 30


def test_custom_integer_levels_are_kept() -> None:
    logger = FemtoLogger("custom")
    logger.set_level(25)
    assert logger.level == 25
    assert logger.log(24, "below") is None
    assert logger.log(25, "at") == "Level 25:custom:at"


@pytest.mark.parametrize("bad", ["warn", "Warning", "LOUD", ""])
def test_unknown_names_raise_value_error_like_the_stdlib(bad: str) -> None:
    logger = FemtoLogger("bad")
    with pytest.raises(ValueError) as ours:
        logger.set_level(bad)
    with pytest.raises(ValueError) as stdlib:
        logging.getLogger("femtologging-test-bad").setLevel(bad)
    assert str(ours.value) == str(stdlib.value)


@pytest.mark.parametrize("bad", [1.5, None, b"INFO", [20]])
def test_wrong_types_raise_type_error_like_the_stdlib(bad: object) -> None:
    logger = FemtoLogger("bad")
    with pytest.raises(TypeError) as ours:
        logger.set_level(bad)
    with pytest.raises(TypeError) as stdlib:
        logging.getLogger("femtologging-test-bad").setLevel(bad)  # type: ignore[arg-type]
    assert str(ours.value) == str(stdlib.value)


def test_out_of_range_integers_name_the_value() -> None:
    with pytest.raises(ValueError, match=str(2**40)):
        FemtoLogger("big").set_level(2**40)


LEVEL_NUMBERS = st.sampled_from(sorted(STANDARD.values())) | st.integers(-100, 100)


def level_forms(number: int) -> st.SearchStrategy[object]:
    forms: list[object] = [number]
    for name, value in STANDARD.items():
        if value == number:
            forms += [name, getattr(FemtoLevel, name)]
    return st.sampled_from(forms)


@given(
    logger_level=LEVEL_NUMBERS.flatmap(lambda n: st.tuples(st.just(n), level_forms(n))),
    record_level=LEVEL_NUMBERS.flatmap(lambda n: st.tuples(st.just(n), level_forms(n))),
)
def test_a_record_is_emitted_exactly_when_its_level_reaches_the_loggers(
    logger_level: tuple[int, object], record_level: tuple[int, object]
) -> None:
    logger = FemtoLogger("prop")
    logger.set_level(logger_level[1])
    result = logger.log(record_level[1], "m")
    assert (result is not None) == (record_level[0] >= logger_level[0])
