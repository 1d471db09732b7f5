"""dictConfig, differentially: each scenario runs under the stdlib's
`logging.config` and under `femtologging.config` (in fresh interpreters, see
test_config_harness.py), and must write the same bytes and leave the same
loggers, handlers, formatters and filters behind.

Scenarios are self-contained functions `(logging, config, tmp)`: their
source is what runs in the child. `cfgkit` there is the harness module, with
classes built on the stdlib's `logging` as a third-party library's are.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import test_config_harness as harness

PY312 = sys.version_info >= (3, 12)


def django_style(logging: Any, config: Any, tmp: str) -> Any:
    # Shaped like a Django project's LOGGING setting.
    early = logging.getLogger("django.db.backends")
    early.setLevel("DEBUG")
    logging.getLogger("thirdparty.module")
    settings = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "verbose": {
                "format": "{levelname} {asctime} {name} {module} {message}",
                "style": "{",
            },
            "simple": {"format": "{levelname} {message}", "style": "{"},
            "server": {"format": "[{asctime}] {message}", "style": "{", "datefmt": "%H:%M:%S"},
        },
        "filters": {
            "require_debug_false": {"()": "cfgkit.RequireFlag", "flag": False},
            "require_debug_true": {"()": "cfgkit.RequireFlag"},
        },
        "handlers": {
            "console": {
                "level": "INFO",
                "filters": ["require_debug_true"],
                "class": "logging.StreamHandler",
                "formatter": "simple",
                "stream": "ext://sys.stdout",
            },
            "server": {
                "level": "INFO",
                "class": "logging.StreamHandler",
                "formatter": "server",
            },
            "file": {
                "level": "DEBUG",
                "class": "logging.FileHandler",
                "filename": tmp + "/debug.log",
                "formatter": "verbose",
                "encoding": "utf-8",
            },
            "mail_admins": {
                "level": "ERROR",
                "class": "cfgkit.FileListHandler",
                "path": tmp + "/mail.txt",
                "include_html": True,
                "formatter": "verbose",
            },
            "null": {"class": "logging.NullHandler"},
        },
        "loggers": {
            "django": {"handlers": ["console", "mail_admins"], "level": "INFO"},
            "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
            "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
            "myproject": {
                "handlers": ["console", "file", "mail_admins"],
                "level": "DEBUG",
                "propagate": False,
            },
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
    }
    config.dictConfig(settings)
    logging.getLogger("django").info("django info")
    logging.getLogger("django.request").error("Internal Server Error: %s", "/boom")
    logging.getLogger("django.server").info('"GET / HTTP/1.1" 200 %d', 512)
    logging.getLogger("django.security.DisallowedHost").error("hidden")
    logging.getLogger("django.db.backends").debug("(0.001) SELECT 1; args=()")
    project = logging.getLogger("myproject.views")
    project.debug("debug détail")
    project.info("info")
    project.error("error with %s", "args")
    logging.getLogger("thirdparty.module").warning("still enabled")
    logging.getLogger("elsewhere").info("below root level")
    logging.getLogger("elsewhere").warning("root console")
    return settings == settings  # the dict itself is left as it was given


def test_django_style_logging_setting(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(django_style, tmp_path)
    assert "INFO django info\n" in femto.stdout
    assert femto.files["mail.txt"].count("[mail] ") == 2
    assert femto.state["myproject"]["handlers"][2]["class"] == "cfgkit.FileListHandler"


def uvicorn_style(logging: Any, config: Any, tmp: str) -> Any:
    # Shaped like uvicorn's LOGGING_CONFIG: formatters built through "()".
    settings = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {
                "()": "cfgkit.ColourFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "cfgkit.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
            # `format` given to a Formatter-like class: retried as `fmt`.
            "plain": {"()": "cfgkit.ColourFormatter", "format": "%(levelprefix)s| %(message)s"},
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
            "plain": {
                "formatter": "plain",
                "class": "logging.FileHandler",
                "filename": tmp + "/plain.log",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default", "plain"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
    config.dictConfig(settings)
    logging.getLogger("uvicorn.error").info("Started server process [%s]", "pid")
    logging.getLogger("uvicorn.error").debug("not shown")
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s" %d', "127.0.0.1:5000", "GET", "/", 200)
    logging.getLogger("uvicorn").warning("shutting down")
    return None


def test_uvicorn_style_formatter_factories(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(uvicorn_style, tmp_path)
    assert femto.stdout == 'INFO:      127.0.0.1:5000 - "GET /" 200\n'
    assert femto.state["uvicorn"]["handlers"][0]["formatter"]["class"] == "cfgkit.ColourFormatter"


def references(logging: Any, config: Any, tmp: str) -> Any:
    import cfgkit

    settings = {
        "version": 1,
        "shared": {
            "formats": {"line": {"format": "%(name)s|%(levelname)s|%(message)s"}},
            "levels": ["DEBUG", "WARNING"],
            "files": {"main": tmp + "/main.log", "other": tmp + "/other.log"},
            "prefix": "keep",
        },
        "handler_configs": {
            "main": {
                "class": "logging.FileHandler",
                "filename": "cfg://shared.files[main]",
                "formatter": "line",
                "level": "cfg://shared.levels[1]",
            },
        },
        "formatters": "cfg://shared.formats",
        "filters": {
            "by_prefix": {"()": "ext://cfgkit.make_prefix_filter", "prefix": "cfg://shared.prefix"},
        },
        "handlers": {
            "main": "cfg://handler_configs[main]",
            "out": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "level": "ext://logging.INFO",
                "formatter": "line",
                "filters": ["by_prefix"],
            },
        },
        "root": {"level": "cfg://shared.levels[0]", "handlers": ["main", "out"]},
    }
    config.dictConfig(settings)
    log = logging.getLogger("refs")
    log.debug("keep debug")
    log.info("keep info")
    log.info("drop info")
    log.warning("keep warning")
    log.error("drop error")
    # The referenced objects are the ones imported by `ext://`.
    out = logging.getHandlerByName("out") if hasattr(logging, "getHandlerByName") else None
    return [cfgkit.__name__, out is None or out.level == logging.INFO]


def test_cfg_and_ext_references(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(references, tmp_path)
    assert femto.files["main.log"] == "refs|WARNING|keep warning\nrefs|ERROR|drop error\n"
    assert femto.stdout == ("refs|INFO|keep info\nrefs|WARNING|keep warning\n")


def incremental(logging: Any, config: Any, tmp: str) -> Any:
    import cfgkit

    base = {
        "version": 1,
        "formatters": {"f": {"format": "%(levelname)s ++ %(message)s"}},
        "handlers": {
            "h1": {
                "class": "logging.StreamHandler",
                "formatter": "f",
                "level": "WARNING",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {"compiler.parser": {"level": "WARNING", "handlers": ["h1"]}},
        "root": {"level": "NOTSET"},
    }
    config.dictConfig(base)
    parser = logging.getLogger("compiler.parser")
    parser.info("1 hidden by both")
    config.dictConfig(
        {
            "version": 1,
            "incremental": True,
            "handlers": {"h1": {"level": "WARNING"}},
            "loggers": {"compiler.parser": {"level": "INFO", "handlers": ["ignored"]}},
        }
    )
    parser.info("2 hidden by the handler")
    config.dictConfig(
        {
            "version": 1,
            "incremental": True,
            "handlers": {"h1": {"level": "INFO"}},
            "loggers": {"compiler.parser": {"level": "INFO", "propagate": False}},
            "root": {"level": "ERROR"},
        }
    )
    parser.info("3 shown")
    missing = cfgkit.attempt(
        lambda: config.dictConfig(
            {"version": 1, "incremental": True, "handlers": {"nope": {"level": "INFO"}}}
        )
    )
    return missing["type"]


def test_incremental_configs(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(incremental, tmp_path)
    assert femto.stdout == "INFO ++ 3 shown\n"
    assert femto.value == "ValueError"
    assert femto.state["compiler.parser"]["propagate"] == "False"


def disabling(logging: Any, config: Any, tmp: str) -> Any:
    names = ["compiler", "compiler.parser", "compiler.parser.codegen", "compiler-hyphenated"]
    names += ["other", "other.child", "zeta"]
    loggers = {name: logging.getLogger(name) for name in names}
    loggers["compiler.parser"].setLevel("ERROR")
    loggers["compiler.parser"].propagate = False
    logging.getLogger("compiler.parser.codegen").addHandler(logging.NullHandler())
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    config.dictConfig(
        {
            "version": 1,
            "handlers": {"out": handler},
            "loggers": {"compiler": {"level": "DEBUG", "handlers": ["out"]}},
        }
    )
    seen = {name: repr(logger.disabled) for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.critical("after default: %s", name)
    config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"out": handler},
            "loggers": {"other": {"level": "INFO", "handlers": ["out"], "propagate": "yes"}},
        }
    )
    for name, logger in loggers.items():
        logger.critical("after keep: %s", name)
    # Loggers named again are enabled again (gh-90195).
    config.dictConfig({"version": 1})
    config.dictConfig({"version": 1, "loggers": {"zeta": {}}})
    return seen


def test_disable_existing_loggers(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(disabling, tmp_path)
    assert femto.value["compiler.parser"] == "False"
    assert femto.value["other"] == "True"
    assert "after default: compiler.parser.codegen\n" in femto.stdout
    assert "after default: compiler-hyphenated" not in femto.stdout
    assert femto.state["zeta"]["disabled"] == "False"
    assert femto.state["other.child"]["disabled"] == "True"


def handler_details(logging: Any, config: Any, tmp: str) -> Any:
    import logging as stdlib
    import sys

    filter_object = logging.Filter("app")
    settings = {
        "version": 1,
        "formatters": {
            "percent": {"format": "%(levelname)-8s %(name)s: %(message)s"},
            "brace": {"format": "{levelname}|{name}|{message!r}", "style": "{"},
            "dollar": {"format": "${levelname} ${message}", "style": "$"},
            "dated": {
                "class": "logging.Formatter",
                "format": "%(asctime)s %(message)s",
                "datefmt": "%Y-%m-%d %H:%M:%S",
            },
            "loose": {"format": "plain text", "validate": False},
            # A stdlib class object given as is.
            "object": {"()": stdlib.Formatter, "fmt": "obj %(message)s"},
        },
        "filters": {
            "app": {"name": "app"},
            "prefixed": {"()": "cfgkit.make_prefix_filter", "prefix": "ok"},
        },
        "handlers": {
            "percent": {
                "class": "logging.StreamHandler",
                "formatter": "percent",
                "stream": "ext://sys.stdout",
                "filters": ["app"],
                ".": {"terminator": " <END>\n", "foo": "bar"},
            },
            "brace": {
                "class": "logging.FileHandler",
                "formatter": "brace",
                "filename": tmp + "/brace.log",
                "mode": "w",
                "delay": True,
                "filters": ["prefixed"],
            },
            "dollar": {
                "class": "logging.StreamHandler",
                "formatter": "dollar",
                "stream": "ext://sys.stderr",
                "level": 30,
            },
            "dated": {
                "class": "logging.FileHandler",
                "formatter": "dated",
                "filename": tmp + "/dated.log",
            },
            "loose": {"class": "logging.FileHandler", "formatter": "loose", "filename": tmp + "/l"},
            "object": {
                "class": "logging.FileHandler",
                "formatter": "object",
                "filename": tmp + "/o",
            },
        },
        "loggers": {
            "app": {
                "level": "DEBUG",
                "handlers": ["percent", "brace", "dollar", "dated", "loose", "object"],
            },
            "app.quiet": {"level": 40},
        },
    }
    if sys.version_info >= (3, 11):
        settings["loggers"]["app"]["filters"] = [filter_object]
    config.dictConfig(settings)
    log = logging.getLogger("app.module")
    log.debug("ok debug")
    log.info("dropped by the prefix filter")
    log.warning("ok warning with %s", "args")
    logging.getLogger("app.quiet").warning("not shown")
    logging.getLogger("app.quiet").error("ok shown")
    return None


def test_formatters_filters_and_properties(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(handler_details, tmp_path)
    assert "DEBUG    app.module: ok debug <END>\n" in femto.stdout
    assert femto.files["brace.log"].startswith("DEBUG|app.module|'ok debug'\n")
    handlers = femto.state["app"]["handlers"]
    assert handlers[0]["foo"] == "'bar'"
    assert handlers[5]["formatter"]["class"] == "logging.Formatter"


def formatter_defaults(logging: Any, config: Any, tmp: str) -> Any:
    config.dictConfig(
        {
            "version": 1,
            "formatters": {
                "f": {
                    "format": "%(message)s ++ %(customfield)s",
                    "defaults": {"customfield": "defaultvalue"},
                }
            },
            "handlers": {
                "h": {
                    "class": "logging.StreamHandler",
                    "formatter": "f",
                    "stream": "ext://sys.stdout",
                }
            },
            "root": {"level": "INFO", "handlers": ["h"]},
        }
    )
    logging.info("plain")
    logging.info("extra", extra={"customfield": "given"})


@pytest.mark.skipif(not PY312, reason="the stdlib passes `defaults` from 3.12")
def test_formatter_defaults(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(formatter_defaults, tmp_path)
    assert femto.stdout == "plain ++ defaultvalue\nextra ++ given\n"


def memory_and_network(logging: Any, config: Any, tmp: str) -> Any:
    import sys

    # 3.12.0-3.12.3 pass the name through unconverted (fixed by gh-117975).
    flush_level = "ERROR" if sys.version_info >= (3, 13) else 40
    config.dictConfig(
        {
            "version": 1,
            "formatters": {"f": {"format": "%(levelname)s %(message)s"}},
            "handlers": {
                # Named before its target: configured after it (deferred).
                "buffer": {
                    "class": "logging.handlers.MemoryHandler",
                    "capacity": 3,
                    "flushLevel": flush_level,
                    "target": "console",
                    "formatter": "f",
                },
                "console": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",
                    "formatter": "f",
                },
                "rotating": {
                    "class": "logging.handlers.RotatingFileHandler",
                    "filename": tmp + "/rot.log",
                    "maxBytes": 60,
                    "backupCount": 2,
                    "formatter": "f",
                    "encoding": "utf-8",
                },
                "syslog": {
                    "class": "logging.handlers.SysLogHandler",
                    "address": ["127.0.0.1", 9],
                    "level": "CRITICAL",
                },
                "smtp": {
                    "class": "logging.handlers.SMTPHandler",
                    "mailhost": ["127.0.0.1", 9],
                    "fromaddr": "app@example.com",
                    "toaddrs": ["ops@example.com"],
                    "subject": "alert",
                    "level": "CRITICAL",
                },
            },
            "loggers": {"buffered": {"level": "DEBUG", "handlers": ["buffer"]}},
            "root": {"level": "INFO", "handlers": ["rotating", "syslog", "smtp"]},
        }
    )
    buffered = logging.getLogger("buffered")
    buffered.debug("one")
    buffered.info("two")
    print("-- nothing flushed yet")
    buffered.info("three fills the buffer")
    buffered.debug("four")
    buffered.error("five flushes")
    for number in range(8):
        logging.getLogger("rot").info("rotating line %d", number)
    syslog = logging.getHandlerByName("syslog") if hasattr(logging, "getHandlerByName") else None
    smtp = logging.root.handlers[2]
    found = (syslog or logging.root.handlers[1]).address
    return [list(found), [smtp.mailhost, smtp.mailport]]


def test_memory_rotating_syslog_and_smtp_handlers(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(memory_and_network, tmp_path)
    assert femto.stdout.startswith("-- nothing flushed yet\nDEBUG one\nINFO two\n")
    assert femto.value == [["127.0.0.1", 9], ["127.0.0.1", 9]]
    assert set(femto.files) == {"rot.log", "rot.log.1", "rot.log.2"}
    assert femto.state["buffered"]["handlers"][0]["class"] == "logging.handlers.MemoryHandler"


def queue_handler(logging: Any, config: Any, tmp: str) -> Any:
    import queue

    config.dictConfig(
        {
            "version": 1,
            "formatters": {"f": {"format": "%(name)s %(levelname)s %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": tmp + "/queued.log",
                    "formatter": "f",
                },
                "console": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",
                    "formatter": "f",
                    "level": "WARNING",
                },
                "queued": {
                    "class": "logging.handlers.QueueHandler",
                    "handlers": ["file", "console"],
                    "respect_handler_level": True,
                    "queue": {"()": "queue.Queue", "maxsize": 100},
                },
            },
            "root": {"level": "DEBUG", "handlers": ["queued"]},
        }
    )
    handler = logging.root.handlers[0]
    handler.listener.start()
    logging.getLogger("q").debug("debug")
    logging.getLogger("q").warning("warning")
    handler.listener.stop()
    return [type(handler.queue) is queue.Queue, handler.queue.maxsize]


@pytest.mark.skipif(not PY312, reason="dictConfig builds QueueListeners from 3.12")
def test_queue_handler_with_listener(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(queue_handler, tmp_path)
    assert femto.files["queued.log"] == "q DEBUG debug\nq WARNING warning\n"
    assert femto.stdout == "q WARNING warning\n"
    assert femto.value == [True, 100]
    listener = femto.state["<root>"]["handlers"][0]["listener"]
    assert listener["class"] == "logging.handlers.QueueListener"
    assert listener["same_queue"] is True


def foreign_classes(logging: Any, config: Any, tmp: str) -> Any:
    # Classes of other libraries, built on the stdlib, mixed with the
    # configuration's own: they are used as given, and the configuration
    # names, finds and closes them like its own.
    settings = {
        "version": 1,
        "formatters": {"f": {"()": "cfgkit.ColourFormatter", "fmt": "%(levelprefix)s%(message)s"}},
        "filters": {"on": {"()": "cfgkit.RequireFlag"}},
        "handlers": {
            "mail": {
                "()": "cfgkit.FileListHandler",
                "path": tmp + "/mail.txt",
                "formatter": "f",
                "filters": ["on"],
                "level": "WARNING",
            },
        },
        "root": {"level": "DEBUG", "handlers": ["mail"]},
    }
    config.dictConfig(settings)
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").warning("sent")
    first = logging.root.handlers[0]
    found = logging.getHandlerByName("mail") if hasattr(logging, "getHandlerByName") else first
    config.dictConfig({"version": 1})
    return [found is first, first.name]


def test_third_party_stdlib_classes(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(foreign_classes, tmp_path)
    assert femto.files["mail.txt"] == "[mail] WARNING:  sent\n"
    assert femto.value == [True, "mail"]


def stdlib_names_resolve_to_femtologging(logging: Any, config: Any, tmp: str) -> Any:
    # Under femtologging, every `logging.*` class name in a configuration
    # is femtologging's class (the snapshot compares class names relative
    # to the library, so this checks identity directly).
    config.dictConfig(
        {
            "version": 1,
            "formatters": {
                "a": {"class": "logging.Formatter"},
                "b": {"()": "logging.Formatter", "fmt": "%(message)s"},
            },
            "filters": {"c": {"()": "logging.Filter", "name": "c"}},
            "handlers": {
                "s": {"class": "logging.StreamHandler", "formatter": "a", "filters": ["c"]},
                "n": {"()": "logging.NullHandler", "formatter": "b"},
                "w": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": tmp + "/w.log",
                },
            },
            "root": {"handlers": ["s", "n", "w"]},
        }
    )
    handlers = logging.root.handlers
    return [
        type(handlers[0]) is logging.StreamHandler,
        type(handlers[0].formatter) is logging.Formatter,
        type(handlers[0].filters[0]) is logging.Filter,
        type(handlers[1]) is logging.NullHandler,
        type(handlers[1].formatter) is logging.Formatter,
        type(handlers[2]) is logging.handlers.WatchedFileHandler,
    ]


def test_stdlib_class_names_are_femtologging_classes(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(stdlib_names_resolve_to_femtologging, tmp_path)
    assert femto.value == [True] * 6


def reconfiguring(logging: Any, config: Any, tmp: str) -> Any:
    settings = {
        "version": 1,
        "handlers": {
            "file": {"class": "logging.FileHandler", "filename": tmp + "/r.log", "mode": "a"},
        },
        "root": {"level": "INFO", "handlers": ["file"]},
    }
    config.dictConfig(settings)
    first = logging.root.handlers[0]
    logging.info("first")
    config.dictConfig(settings)
    logging.info("second")
    stream = first.stream
    return [stream is None or getattr(stream, "closed", True), first is logging.root.handlers[0]]


def test_reconfiguring_closes_the_previous_handlers(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(reconfiguring, tmp_path)
    assert femto.files["r.log"] == "first\nsecond\n"
    assert femto.value == [True, False]


def memory_flush_level(logging: Any, config: Any, tmp: str) -> Any:
    config.dictConfig(
        {
            "version": 1,
            "handlers": {
                "buffer": {
                    "class": "logging.handlers.MemoryHandler",
                    "capacity": 5,
                    "flushLevel": "ERROR",
                    "target": "console",
                },
                "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            },
            "root": {"level": "DEBUG", "handlers": ["buffer"]},
        }
    )
    logging.info("buffered")
    logging.error("flushes both")
    return logging.root.handlers[0].flushLevel


@pytest.mark.skipif(not PY312, reason="level names for flushLevel are converted from 3.12")
def test_memory_handler_flush_level_names_are_converted(tmp_path: Path) -> None:
    # Python 3.12.0-3.12.3 left the name as is (and failed when logging);
    # femtologging follows the later 3.12 releases and 3.13 (gh-117975).
    femto = harness.run(memory_flush_level, "femtologging", tmp_path).check()
    assert femto.value == 40
    assert femto.stdout == "buffered\nflushes both\n"


def root_aliases_and_timed_handlers(logging: Any, config: Any, tmp: str) -> Any:
    import sys

    out = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    handlers: dict[str, Any] = {
        "out": out,
        "timed": {
            "class": "logging.handlers.TimedRotatingFileHandler",
            "filename": tmp + "/timed.log",
            "when": "midnight",
            "backupCount": 3,
            "encoding": "utf-8",
            "utc": True,
        },
        "watched": {"()": "logging.handlers.WatchedFileHandler", "filename": tmp + "/w.log"},
    }
    if sys.version_info >= (3, 12):
        handlers["object"] = {"class": logging.StreamHandler, "stream": "ext://sys.stdout"}
    config.dictConfig(
        {
            "version": 1,
            "handlers": handlers,
            # "" and "root" both name the root logger.
            "loggers": {
                "": {"level": "INFO", "handlers": ["out", "timed"]},
                "root": {"handlers": ["out", "watched"], "propagate": 0},
            },
        }
    )
    logging.getLogger("a").info("one")
    logging.getLogger("a").debug("hidden")
    return [logging.root.level, logging.root.propagate, len(logging.root.handlers)]


def test_root_aliases_and_file_handlers(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(root_aliases_and_timed_handlers, tmp_path)
    assert femto.value == [20, 0, 2]
    assert femto.files == {"timed.log": "", "w.log": "one\n"}


def libraries_on_the_stdlib(logging: Any, config: Any, tmp: str) -> Any:
    # Libraries keep `import logging`: their loggers live in the stdlib's
    # tree. The configuration applies to them as it does in a program that
    # uses only the stdlib (femtologging joins the two trees).
    import logging as stdlib

    chatty = stdlib.getLogger("chatty.client")  # made before the configuration
    wanted = stdlib.getLogger("wanted")
    below = stdlib.getLogger("wanted.sub")
    below.setLevel("ERROR")
    out = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    config.dictConfig(
        {
            "version": 1,
            "formatters": {"f": {"format": "%(name)s %(levelname)s %(message)s"}},
            "handlers": {"out": dict(out, formatter="f")},
            "loggers": {"wanted": {"level": "INFO", "handlers": ["out"]}},
        }
    )
    chatty.warning("disabled with the other loggers that existed")
    wanted.info("configured")
    below.info("reset to inherit from the configured logger")
    stdlib.getLogger("chatty.new").warning("made after: no handler, last resort")
    states = [chatty.disabled, wanted.disabled, below.level]
    # Naming a disabled logger again enables it.
    config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"out": out},
            "loggers": {"chatty.client": {"level": "DEBUG", "handlers": ["out"]}},
        }
    )
    chatty.debug("enabled again")
    return states + [chatty.disabled]


def test_loggers_of_libraries_using_the_stdlib(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(libraries_on_the_stdlib, tmp_path)
    assert femto.stdout == (
        "wanted INFO configured\n"
        "wanted.sub INFO reset to inherit from the configured logger\n"
        "enabled again\n"
    )
    assert femto.value == [True, False, 0, False]
