"""Bad configurations: femtologging raises the stdlib's exception type, keeps
the stdlib's message as the start of its own (dictConfig wraps every error
in "Unable to configure ..."), and says where the fault is and what was
expected there.

Every case runs under both libraries in one fresh interpreter each (see
test_config_harness.py); each test then compares one case.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
import test_config_harness as harness

PY311 = sys.version_info >= (3, 11)
PY312 = sys.version_info >= (3, 12)


def bad_dict_configs(logging: Any, config: Any, tmp: str) -> Any:
    import io
    import sys

    import cfgkit

    stream = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}

    def with_handler(**changes: Any) -> dict[str, Any]:
        handler = dict(stream)
        handler.update(changes)
        return {"version": 1, "handlers": {"h": handler}, "root": {"handlers": ["h"]}}

    cases: dict[str, Any] = {
        "no_version": {"handlers": {}},
        "version_2": {"version": 2},
        "handler_level": with_handler(level="NTOSET"),
        "logger_level": {"version": 1, "loggers": {"app.db": {"level": "DEBUGG"}}},
        "root_level": {"version": 1, "root": {"level": "WRANING"}},
        "ext_missing": with_handler(stream="ext://sys.stdbout"),
        "ext_module_missing": with_handler(stream="ext://nosuchmodule.stream"),
        "unknown_formatter": with_handler(formatter="misspelled_name"),
        "bad_identifier": with_handler(**{"9": "invalid parameter name"}),
        "missing_class": {"version": 1, "handlers": {"h": {"level": "INFO"}}},
        "unknown_class": with_handler(**{"class": "logging.NoSuchHandler"}),
        "unknown_module": with_handler(**{"class": "nosuchpackage.Handler"}),
        "unexpected_key": with_handler(strem="x"),
        "missing_argument": with_handler(**{"class": "logging.FileHandler"}),
        "max_bytes": {
            "version": 1,
            "handlers": {
                "file": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": tmp + "/r.log",
                    "maxBytes": "ten",
                }
            },
        },
        "unknown_handler": {
            "version": 1,
            "handlers": {"console": stream},
            "loggers": {"app": {"handlers": ["consol"]}},
        },
        "unknown_filter": with_handler(filters=["nofilter"]),
        "bad_format": {
            "version": 1,
            "formatters": {"f": {"format": "%(asctime)s %(message)s", "style": "$"}},
        },
        "bad_style": {"version": 1, "formatters": {"f": {"format": "%(message)s", "style": "x"}}},
        "factory_key": {
            "version": 1,
            "formatters": {
                "f": {"()": "cfgkit.make_prefix_filter", "prefix": "x", "validate": False}
            },
        },
        "cfg_missing": with_handler(stream="cfg://nosuch"),
        "cfg_missing_index": {
            "version": 1,
            "paths": {"main": "x"},
            "handlers": {"h": {"class": "logging.FileHandler", "filename": "cfg://paths[other]"}},
        },
        "handlers_list": {"version": 1, "handlers": ["h"]},
        "handlers_int": {"version": 1, "handlers": 5},
        "target_missing": {
            "version": 1,
            "handlers": {
                "buf": {"class": "logging.handlers.MemoryHandler", "capacity": 2, "target": "no"}
            },
        },
        "target_loop": {
            "version": 1,
            "handlers": {
                "a": {"class": "logging.handlers.MemoryHandler", "capacity": 2, "target": "b"},
                "b": {"class": "logging.handlers.MemoryHandler", "capacity": 2, "target": "a"},
            },
        },
        "property": with_handler(**{".": {"__class__": 5}}),
        "incremental_unknown": {
            "version": 1,
            "incremental": True,
            "handlers": {"nope": {"level": "INFO"}},
        },
        "handler_not_dict": {"version": 1, "handlers": {"h": "logging.StreamHandler"}},
        "logger_not_dict": {"version": 1, "loggers": {"app": "DEBUG"}},
        "not_a_handler": {"version": 1, "handlers": {"h": {"()": "builtins.dict"}}},
        "filter_not_dict": {"version": 1, "filters": {"f": ["x"]}},
    }
    if sys.version_info >= (3, 11):
        cases["filter_object"] = {"version": 1, "root": {"filters": [None]}}
    if sys.version_info >= (3, 12):
        queue_handler = {"class": "logging.handlers.QueueHandler", "handlers": ["h"]}
        for key, value in (("queue", 4), ("queue", ""), ("listener", int), ("listener", "x")):
            broken = dict(queue_handler, **{key: value})
            cases[f"queue_{key}_{value!r}"] = {
                "version": 1,
                "handlers": {"h": dict(stream), "q": broken},
            }
    else:
        cases["class_object"] = with_handler(**{"class": logging.StreamHandler})
    results = {}
    for name, bad in cases.items():
        sys.stdout = io.StringIO()  # a half-applied config may log nothing
        results[name] = cfgkit.attempt(lambda bad=bad: config.dictConfig(bad))
        sys.stdout = sys.__stdout__
    return results


@pytest.fixture(scope="module")
def dict_errors(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    stdlib = harness.run(bad_dict_configs, "stdlib", tmp_path_factory.mktemp("dict")).check()
    femto = harness.run(bad_dict_configs, "femtologging", tmp_path_factory.mktemp("dict"))
    return stdlib.value, femto.check().value


# case -> text the femtologging message must contain after the stdlib's.
DICT_DETAILS = {
    "no_version": "version: missing, expected 1",
    "version_2": "version: expected 1",
    "handler_level": "handlers.h.level: Unknown level: 'NTOSET' (expected a level name",
    "logger_level": "loggers['app.db'].level: Unknown level: 'DEBUGG'",
    "root_level": "root.level: Unknown level: 'WRANING'",
    "ext_missing": (
        "handlers.h.stream: Cannot resolve 'sys.stdbout': module 'sys' has no attribute 'stdbout'"
    ),
    "ext_module_missing": "handlers.h.stream: Cannot resolve 'nosuchmodule.stream'",
    "unknown_formatter": (
        "handlers.h.formatter: no formatter named 'misspelled_name': "
        "the configuration defines no formatters"
    ),
    "bad_identifier": "handlers.h['9']: not a valid keyword argument name",
    "missing_class": "handlers.h: missing key 'class' (or '()' for a factory)",
    "unknown_class": (
        "handlers.h.class: Cannot resolve 'logging.NoSuchHandler': module 'femtologging' has "
        "no attribute or submodule 'NoSuchHandler' (logging.* names are looked up in femtologging)"
    ),
    "unknown_module": "handlers.h.class: Cannot resolve 'nosuchpackage.Handler'",
    "unexpected_key": "handlers.h.strem: unexpected key; StreamHandler() accepts: stream",
    "missing_argument": "handlers.h: missing key 'filename', required by FileHandler()",
    "max_bytes": "handlers.file.maxBytes: expected an int, got 'ten'",
    "unknown_handler": "loggers.app.handlers[0]: no handler named 'consol' in 'handlers'",
    "unknown_filter": "handlers.h.filters[0]: no filter named 'nofilter'",
    "bad_format": "formatters.f.format:",
    "bad_style": "formatters.f.style: expected one of '%', '{', '$', got 'x'",
    "factory_key": "formatters.f.validate: unexpected key; make_prefix_filter() accepts: prefix",
    "cfg_missing": "handlers.h.stream: cfg://nosuch: the configuration has no key 'nosuch'",
    "cfg_missing_index": "handlers.h.filename: cfg://paths[other]: paths has no key 'other'",
    "handlers_list": "handlers: expected a dict mapping handler names",
    "handlers_int": "handlers: expected a dict mapping handler names",
    "target_missing": "handlers.buf.target: no handler named 'no'",
    "target_loop": "handlers.a.target: handler 'b' is not configured yet",
    "property": "handlers.h['.'].__class__: cannot set attribute",
    "incremental_unknown": "handlers.nope: an incremental configuration can only change",
    "handler_not_dict": "handlers.h: expected a dict with 'class'",
    "logger_not_dict": "loggers.app: expected a dict",
    "not_a_handler": "handlers.h: the configuration made {}, which is not a handler",
    "filter_not_dict": "filters.f: expected a dict with 'name' or '()', got ['x']",
    "filter_object": "root.filters[0]: expected the name of a filter in 'filters', a callable",
    "class_object": "handlers.h.class: expected a dotted class name",
}
DICT_CASES = sorted(
    case
    for case in DICT_DETAILS
    if (case != "filter_object" or PY311) and (case != "class_object" or not PY312)
)


@pytest.mark.parametrize("case", DICT_CASES)
def test_dict_config_error(dict_errors: tuple[Any, Any], case: str) -> None:
    stdlib, femto = dict_errors[0][case], dict_errors[1][case]
    assert stdlib["type"] is not None, "the stdlib accepts this configuration"
    assert femto["type"] == stdlib["type"]
    if case == "handlers_int":
        # The stdlib fails deep inside (iterating an int), with no message
        # of its own worth keeping.
        assert "not iterable" in stdlib["message"]
    else:
        assert femto["message"].startswith(stdlib["message"])
    assert DICT_DETAILS[case] in femto["message"]


@pytest.mark.skipif(not PY312, reason="QueueHandler keys are read from 3.12")
def test_queue_handler_errors_keep_the_exact_stdlib_message(
    dict_errors: tuple[Any, Any],
) -> None:
    # CPython's test_config_queue_handler compares the message exactly.
    cases = [case for case in dict_errors[1] if case.startswith("queue_")]
    assert len(cases) == 4
    for case in cases:
        assert dict_errors[1][case]["message"] == "Unable to configure handler 'q'"
        assert dict_errors[1][case]["type"] == dict_errors[0][case]["type"] == "ValueError"
        # The detail is still in the traceback, as a note.
        key = case.split("_")[1]
        assert dict_errors[1][case]["notes"][0].startswith(f"handlers.q.{key}: ")
    notes = {case: dict_errors[1][case]["notes"][0] for case in cases}
    assert notes["queue_queue_4"] == (
        "handlers.q.queue: expected a queue, the dotted name of a queue factory, "
        "or a dict with '()', got 4"
    )
    assert notes["queue_listener_'x'"].startswith("handlers.q.listener: Cannot resolve 'x'")


def bad_ini_files(logging: Any, config: Any, tmp: str) -> Any:
    import io
    import textwrap

    import cfgkit

    good = textwrap.dedent(
        """
        [loggers]
        keys=root,app

        [handlers]
        keys=h

        [formatters]
        keys=f

        [logger_root]
        level=WARNING
        handlers=h

        [logger_app]
        level=DEBUG
        handlers=h
        propagate=1
        qualname=app

        [handler_h]
        class=StreamHandler
        level=NOTSET
        formatter=f
        args=(sys.stdout,)

        [formatter_f]
        format=%(levelname)s ++ %(message)s
        """
    )
    cases = {
        "no_formatters": good.replace("[formatters]\nkeys=f", "[other]\nkeys=f"),
        "handler_level": good.replace("level=NOTSET", "level=NOSET"),
        "unknown_formatter": good.replace("formatter=f", "formatter=misspelled"),
        "args_syntax": good.replace("args=(sys.stdout,)", "args=(sys.stdout,"),
        "args_attribute": good.replace("sys.stdout", "sys.stbout"),
        "unknown_class": good.replace("class=StreamHandler", "class=NoSuchHandler"),
        "unknown_handlers_class": good.replace(
            "class=StreamHandler", "class=handlers.NoSuchHandler"
        ),
        "root_not_listed": good.replace("keys=root,app", "keys=app"),
        "missing_logger_section": good.replace("[logger_app]", "[logger_other]"),
        "missing_qualname": good.replace("qualname=app\n", ""),
        "unknown_handler": good.replace("handlers=h\npropagate", "handlers=x\npropagate"),
        "propagate": good.replace("propagate=1", "propagate=maybe"),
        "bad_format": good.replace("format=%(levelname)s ++ %(message)s", "format=x\nstyle={"),
        "constructor": good.replace(
            "class=StreamHandler", "class=handlers.RotatingFileHandler"
        ).replace("args=(sys.stdout,)", f"args=({tmp + '/r.log'!r}, 'a', 'ten')"),
        "missing_class": good.replace("class=StreamHandler\n", ""),
        "root_handlers_option": good.replace("level=WARNING\nhandlers=h\n", "level=WARNING\n"),
        "logger_level": good.replace("level=DEBUG", "level=LOUD"),
    }
    return {
        name: cfgkit.attempt(lambda text=text: config.fileConfig(io.StringIO(text)))
        for name, text in cases.items()
    }


@pytest.fixture(scope="module")
def ini_errors(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    stdlib = harness.run(bad_ini_files, "stdlib", tmp_path_factory.mktemp("ini")).check()
    femto = harness.run(bad_ini_files, "femtologging", tmp_path_factory.mktemp("ini"))
    return stdlib.value, femto.check().value


# case -> the text of femtologging's message (fileConfig lets the stdlib's
# errors through unwrapped; femtologging puts section.option first).
INI_DETAILS = {
    "no_formatters": "missing section [formatters]",
    "handler_level": "handler_h.level: Unknown level: 'NOSET' (expected one of",
    "unknown_formatter": "handler_h.formatter: no formatter 'misspelled' in [formatters] keys",
    "args_syntax": "handler_h.args: invalid Python expression '(sys.stdout,'",
    "args_attribute": "handler_h.args: module 'sys' has no attribute 'stbout'",
    "unknown_class": "handler_h.class: No module named 'NoSuchHandler'",
    "unknown_handlers_class": (
        "handler_h.class: module 'femtologging.handlers' has no attribute 'NoSuchHandler'"
    ),
    "root_not_listed": "loggers.keys: must include 'root'",
    "missing_logger_section": "loggers.keys: lists 'app' but there is no [logger_app] section",
    "missing_qualname": "logger_app.qualname: missing option",
    "unknown_handler": "logger_app.handlers: no handler 'x' in [handlers] keys (defined: 'h')",
    "propagate": "logger_app.propagate: invalid literal for int()",
    "bad_format": "formatter_f.format: ",
    "constructor": "handler_h: RotatingFileHandler() argument 'maxBytes': expected an int",
    "missing_class": "handler_h.class: missing option",
    "root_handlers_option": "logger_root.handlers: missing option",
    "logger_level": "logger_app.level: Unknown level: 'LOUD'",
}


@pytest.mark.parametrize("case", sorted(INI_DETAILS))
def test_file_config_error(ini_errors: tuple[Any, Any], case: str) -> None:
    stdlib, femto = ini_errors[0][case], ini_errors[1][case]
    assert stdlib["type"] is not None, "the stdlib accepts this file"
    assert femto["type"] == stdlib["type"]
    assert INI_DETAILS[case] in femto["message"]
