"""The `femtologging.config` module's surface, in process: the names the
stdlib's `logging.config` has, `valid_ident`, the converting containers,
`BaseConfigurator` (`cfg://`, `ext://`, name resolution, subclass hooks)
and `dictConfigClass`. Nothing here applies a configuration to the running
logging state (the differential tests do that in child interpreters).
"""

from __future__ import annotations

import collections
import importlib
import logging.config as stdlib_config
import sys
import types
from typing import Any

import pytest

import femtologging
import femtologging.config as config


def test_every_public_name_of_the_stdlib_module_exists() -> None:
    missing = []
    for name in dir(stdlib_config):
        value = getattr(stdlib_config, name)
        if name.startswith("__") or isinstance(value, types.ModuleType):
            continue
        if not hasattr(config, name):
            missing.append(name)
    assert missing == []


def test_constants_match() -> None:
    assert config.DEFAULT_LOGGING_CONFIG_PORT == stdlib_config.DEFAULT_LOGGING_CONFIG_PORT
    assert config.RESET_ERROR == stdlib_config.RESET_ERROR
    assert config.IDENTIFIER.pattern == stdlib_config.IDENTIFIER.pattern
    assert config.IDENTIFIER.flags == stdlib_config.IDENTIFIER.flags
    assert config.dictConfigClass is config.DictConfigurator
    assert config._listener is None


def test_the_module_is_reachable_from_the_package() -> None:
    assert femtologging.config is config
    assert config.DictConfigurator.__module__ == "femtologging.config"


@pytest.mark.parametrize("text", ["name", "_private", "CamelCase9", "9lives", "with space", ""])
def test_valid_ident_matches_the_stdlib(text: str) -> None:
    def outcome(function: Any) -> Any:
        try:
            return function(text)
        except ValueError as error:
            return ("ValueError", str(error))

    assert outcome(config.valid_ident) == outcome(stdlib_config.valid_ident)


BASE = {
    "atuple": (1, 2, 3),
    "alist": ["a", "b", "c"],
    "adict": {
        "d": "e",
        "f": 3,
        "alpha numeric 1 with spaces": 5,
        "": 10,
        "nest4": {
            "d": "e",
            "somelist": ("g", ("h", "i"), "j"),
            "somedict": {"a": 1, "a with 1 and space": 3},
        },
    },
    "nest1": ("g", ("h", "i"), "j"),
    "nest2": ["k", ["l", "m"], "n"],
    "nest3": ["o", "cfg://alist", "p"],
    "text": "abc",
    "digits": {"7": "seven"},
}

REFERENCES = [
    "cfg://atuple[1]",
    "cfg://alist[1]",
    "cfg://nest1[1][0]",
    "cfg://nest2[1][1]",
    "cfg://adict.d",
    "cfg://adict[f]",
    "cfg://adict.nest4.d",
    "cfg://adict[nest4].somedict.a",
    "cfg://adict.nest4.somelist[1][1]",
    "cfg://adict[nest4][somelist][2]",
    "cfg://adict[]",
    "cfg://adict[alpha numeric 1 with spaces]",
    "cfg://adict[nest4].somedict[a with 1 and space]",
    "cfg://text[1]",
    "cfg://digits[7]",
    "cfg://nosuch",
    "cfg://!",
    "cfg://adict[2]",
    "cfg://alist[7]",
    "cfg://alist.x",
    "cfg://adict.d.e",
    "cfg://adict[d",
    "ext://sys.stdout",
    "ext://collections.OrderedDict",
    "ext://no_such_module_anywhere.x",
    "ext://sys.no_such_attribute",
    "other://kept as is",
    "plain string",
]


@pytest.mark.parametrize("value", REFERENCES)
def test_conversions_match_the_stdlib(value: str) -> None:
    ours = config.BaseConfigurator(BASE)
    theirs = stdlib_config.BaseConfigurator(BASE)
    try:
        expected: Any = theirs.convert(value)
    except Exception as error:
        with pytest.raises(type(error)):
            ours.convert(value)
        return
    assert ours.convert(value) == expected


def test_converted_containers_know_their_parent_and_key() -> None:
    configurator = config.BaseConfigurator({"a": {"b": [1, {"c": 2}]}, "t": (1, 2)})
    top = configurator.config
    inner = top["a"]
    assert isinstance(inner, config.ConvertingDict)
    assert inner.parent is top and inner.key == "a"
    listed = inner["b"]
    assert isinstance(listed, config.ConvertingList)
    assert listed.parent is inner and listed.key == "b"
    assert listed[1].parent is listed and listed[1].key == 1
    assert isinstance(top["t"], config.ConvertingTuple)
    # get() stores the converted value; pop() returns it without storing.
    assert dict.__getitem__(top, "a") is inner
    popped = top.pop("t")
    assert isinstance(popped, config.ConvertingTuple) and "t" not in top
    assert top.pop("missing") is None
    assert isinstance(listed.pop(), config.ConvertingDict)


def test_namedtuples_are_values_not_containers() -> None:
    Point = collections.namedtuple("Point", "x y")
    configurator = config.BaseConfigurator({"p": Point(1, 2)})
    assert type(configurator.config["p"]) is Point


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("logging.StreamHandler", femtologging.StreamHandler),
        ("logging.Formatter", femtologging.Formatter),
        ("logging.DEBUG", femtologging.DEBUG),
        ("logging.config.dictConfig", config.dictConfig),
        ("logging", femtologging),
        ("collections.OrderedDict", collections.OrderedDict),
    ],
)
def test_stdlib_names_resolve_to_femtologging(name: str, expected: Any) -> None:
    assert config.BaseConfigurator({}).resolve(name) is expected
    assert config.BaseConfigurator({}).convert("ext://" + name) is expected


def test_logging_handlers_names_resolve_to_femtologging_handlers() -> None:
    handlers = importlib.import_module("femtologging.handlers")
    resolve = config.BaseConfigurator({}).resolve
    for name in ("RotatingFileHandler", "MemoryHandler", "QueueHandler", "SysLogHandler"):
        assert resolve("logging.handlers." + name) is getattr(handlers, name)


def test_unresolvable_names_raise_value_error_naming_the_attribute() -> None:
    with pytest.raises(ValueError, match=r"module 'sys' has no attribute 'stdbout'"):
        config.BaseConfigurator({}).resolve("sys.stdbout")
    with pytest.raises(ValueError, match=r"^Cannot resolve 'nosuchmodule_xyz.a': "):
        config.BaseConfigurator({}).resolve("nosuchmodule_xyz.a")


def test_a_custom_importer_is_used() -> None:
    calls = []

    def importer(name: str) -> Any:
        calls.append(name)
        return __import__(name)

    class Configurator(config.BaseConfigurator):
        pass

    Configurator.importer = staticmethod(importer)  # type: ignore[assignment]
    assert Configurator({}).resolve("logging.handlers.MemoryHandler").__name__ == "MemoryHandler"
    assert calls[0] == "femtologging"


def test_subclasses_can_add_value_converters() -> None:
    class Configurator(config.BaseConfigurator):
        value_converters = dict(config.BaseConfigurator.value_converters, env="env_convert")

        def env_convert(self, value: str) -> str:
            return f"<{value}>"

    configurator = Configurator({"a": "env://HOME", "b": ["env://X"]})
    assert configurator.config["a"] == "<HOME>"
    assert configurator.config["b"][0] == "<X>"


def test_configure_custom_calls_the_factory_and_sets_properties() -> None:
    configurator = config.BaseConfigurator(
        {"spec": {"()": "collections.OrderedDict", "a": "cfg://value", ".": {"note": "x"}}}
    )
    configurator.config["value"] = 1
    made = configurator.configure_custom(configurator.config["spec"])
    assert made == collections.OrderedDict(a=1)
    assert made.note == "x"  # type: ignore[attr-defined]


def test_dict_config_uses_the_replaceable_class(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    class Recorder:
        def __init__(self, settings: dict[str, Any]) -> None:
            seen.append(settings)

        def configure(self) -> None:
            seen.append("configured")

    monkeypatch.setattr(config, "dictConfigClass", Recorder)
    config.dictConfig({"version": 99})
    assert seen == [{"version": 99}, "configured"]


def test_version_is_checked_before_anything_changes() -> None:
    with pytest.raises(ValueError, match=r"^dictionary doesn't specify a version"):
        config.dictConfig({})
    with pytest.raises(ValueError, match=r"^Unsupported version: 2"):
        config.dictConfig({"version": 2})


@pytest.mark.skipif(sys.version_info < (3, 12), reason="queue checks are 3.12+")
def test_queue_like_objects() -> None:
    import queue

    class Protocol:
        def __init__(self) -> None:
            self.queue: queue.Queue[Any] = queue.Queue()

        def __getattr__(self, name: str) -> Any:
            return getattr(self.queue, name)

    assert config._is_queue_like_object(queue.Queue())
    assert config._is_queue_like_object(Protocol())
    assert not config._is_queue_like_object(object())
    assert not config._is_queue_like_object(4)
