"""The shape of `femtologging.handlers` against `logging.handlers` on the
running Python: module constants, classes, their bases, public members and
call signatures (names, kinds and defaults of every parameter)."""

from __future__ import annotations

import inspect
import logging as std_logging
import logging.handlers as std_handlers
from typing import Any

import pytest

import femtologging
import femtologging.handlers as femto_handlers

STD_CLASSES = sorted(
    name
    for name, value in vars(std_handlers).items()
    if isinstance(value, type) and value.__module__ == std_handlers.__name__
)


def test_module_constants_match_the_stdlib() -> None:
    for name in (
        "DEFAULT_TCP_LOGGING_PORT",
        "DEFAULT_UDP_LOGGING_PORT",
        "DEFAULT_HTTP_LOGGING_PORT",
        "DEFAULT_SOAP_LOGGING_PORT",
        "SYSLOG_UDP_PORT",
        "SYSLOG_TCP_PORT",
        "_MIDNIGHT",
    ):
        assert getattr(femto_handlers, name) == getattr(std_handlers, name), name
    for name in ("ST_DEV", "ST_INO", "ST_MTIME"):
        # Exposed by the stdlib's module before 3.13 only.
        assert getattr(femto_handlers, name, None) == getattr(std_handlers, name, None), name


def test_the_same_classes_are_defined() -> None:
    femto_classes = sorted(
        name
        for name, value in vars(femto_handlers).items()
        if isinstance(value, type) and value.__module__ == femto_handlers.__name__
    )
    assert femto_classes == STD_CLASSES


@pytest.mark.parametrize("name", STD_CLASSES)
def test_class_hierarchy_mirrors_the_stdlib(name: str) -> None:
    def lineage(cls: type, package: Any) -> list[str]:
        # The stdlib's logging.FileHandler is femtologging.FileHandler here.
        return [
            klass.__name__
            for klass in cls.__mro__
            if klass.__module__ in (package.__name__, package.__name__ + ".handlers")
            or klass.__module__.startswith(package.__name__ + "._")
        ]

    assert lineage(getattr(femto_handlers, name), femtologging) == lineage(
        getattr(std_handlers, name), std_logging
    )


#: Instance attributes in the stdlib that femtologging keeps behind a
#: property, because a worker thread updates them.
SHARED_WITH_THE_WORKER = {"TimedRotatingFileHandler": {"rolloverAt"}}


def public_members(cls: type, base: type) -> set[str]:
    """Members a class adds on top of the package's Handler (or object)."""
    own = {member for member in dir(cls) if not member.startswith("__")} | {"__init__"}
    return {member for member in own if not member.startswith("_") or member == "__init__"} - (
        set(dir(base)) - {"__init__"}
    ) | {member for member in ("_sentinel", "_MIDNIGHT") if hasattr(cls, member)}


def parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize("name", STD_CLASSES)
def test_public_members_and_signatures_match_the_stdlib(name: str) -> None:
    std_class = getattr(std_handlers, name)
    femto_class = getattr(femto_handlers, name)
    std_base = std_logging.Handler if issubclass(std_class, std_logging.Handler) else object
    femto_base = femtologging.Handler if issubclass(femto_class, femtologging.Handler) else object
    std_members = public_members(std_class, std_base)
    shared = SHARED_WITH_THE_WORKER.get(name, set())
    for member in shared:
        assert isinstance(vars(femto_class)[member], property), member
    assert public_members(femto_class, femto_base) - shared == std_members
    for member in sorted(std_members):
        std_value = getattr(std_class, member)
        femto_value = getattr(femto_class, member)
        if callable(std_value) and not isinstance(std_value, type):
            assert parameters(femto_value) == parameters(std_value), member
        else:
            assert femto_value == std_value, member
