"""fileConfig, differentially (see test_config_harness.py): ini files read
from a path, a file object or a ConfigParser, with `defaults`,
`disable_existing_loggers` and `encoding`, must write the same bytes and
leave the same logging state under femtologging as under the stdlib.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import test_config_harness as harness


def alembic_style(logging: Any, config: Any, tmp: str) -> Any:
    # alembic.ini's logging sections, read from a path (as alembic's env.py
    # does with `fileConfig(config.config_file_name)`).
    ini = """
[alembic]
script_location = migrations
sqlalchemy.url = driver://user:pass@localhost/dbname

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""
    path = tmp + "/alembic.ini"
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(ini)
    before = logging.getLogger("myapp.models")
    config.fileConfig(path)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("alembic.runtime.migration").debug("hidden")
    logging.getLogger("sqlalchemy.engine.Engine").info("hidden by WARN")
    logging.getLogger("sqlalchemy.engine.Engine").warning("shown")
    before.error("disabled: not shown")
    logging.getLogger("other").warning("root")
    return repr(before.disabled)


def test_alembic_style_ini_from_a_path(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(alembic_style, tmp_path)
    assert femto.stderr == (
        "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.\n"
        "WARNI [sqlalchemy.engine.Engine] shown\n"
        "WARNI [other] root\n"
    )
    assert femto.value == "True"
    assert femto.state["<root>"]["handlers"][0]["class"] == "logging.StreamHandler"


def handlers_and_defaults(logging: Any, config: Any, tmp: str) -> Any:
    import configparser
    import io

    ini = """
[loggers]
keys=root,app,quiet

[handlers]
keys=rotating,qualified,buffer,out

[formatters]
keys=plain,brace

[logger_root]
level=NOTSET
handlers=out

[logger_app]
level=DEBUG
handlers=rotating,qualified,buffer
propagate=0
qualname=app

[logger_quiet]
level=ERROR
handlers=
qualname=app.quiet

[handler_rotating]
class=handlers.RotatingFileHandler
level=INFO
formatter=plain
args=('%(logdir)s/app.log', 'a', 80, 2)
kwargs={'encoding': 'utf-8'}

[handler_qualified]
class=logging.handlers.RotatingFileHandler
formatter=brace
args=(os.path.join(r'%(logdir)s', 'q.log'),)
kwargs={'maxBytes': 0, 'backupCount': 0}

[handler_buffer]
class=handlers.MemoryHandler
args=(10, ERROR)
target=out

[handler_out]
class=StreamHandler
level=WARNING
formatter=plain
args=(sys.stdout,)

[formatter_plain]
format=%(levelname)s:%(name)s:%(message)s
datefmt=

[formatter_brace]
format={levelname}|{message}
style={
class=logging.Formatter
"""
    defaults = {"logdir": tmp}
    results = []
    # 1. From a file object, with defaults for the interpolation.
    config.fileConfig(io.StringIO(ini), defaults=defaults)
    log = logging.getLogger("app.module")
    for number in range(6):
        log.info("line %d of the log", number)
    log.debug("debug only in q.log")
    log.warning("warning goes to the buffer, flushed by an error")
    log.error("error")
    logging.getLogger("app.quiet").warning("quiet")
    results.append(type(logging.getLogger("app").handlers[2].target).__name__)
    # 2. From a ConfigParser, whose own defaults are used.
    parser = configparser.ConfigParser(defaults)
    parser.read_string(ini)
    config.fileConfig(parser, disable_existing_loggers=False)
    log.error("after the parser config")
    # 3. From a path, with an encoding.
    path = tmp + "/logging.ini"
    with open(path, "w", encoding="latin-1") as stream:
        stream.write(ini.replace("app.quiet", "app.quiét"))
    config.fileConfig(path, defaults=defaults, encoding="latin-1")
    results.append(sorted(name for name in logging.root.manager.loggerDict if "qui" in name))
    return results


def test_file_object_config_parser_path_and_defaults(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(handlers_and_defaults, tmp_path)
    assert femto.value[0] == "StreamHandler"
    assert "app.quiét" in femto.value[1]
    assert set(femto.files) >= {"app.log", "app.log.1", "q.log", "logging.ini"}
    assert femto.state["app"]["handlers"][0]["class"] == "logging.handlers.RotatingFileHandler"
    assert femto.state["app"]["handlers"][1]["class"] == "logging.handlers.RotatingFileHandler"
    assert "ERROR:app.module:error\n" in femto.stdout


def disabling(logging: Any, config: Any, tmp: str) -> Any:
    import io

    ini = """
[loggers]
keys=root,parser

[handlers]
keys=screen

[formatters]
keys=

[logger_root]
level=DEBUG
handlers=screen

[logger_parser]
level=INFO
handlers=
qualname=compiler.parser

[handler_screen]
class=StreamHandler
args=(sys.stdout,)
"""
    names = ["compiler", "compiler.parser.x", "compiler-hyphenated", "other"]
    loggers = {name: logging.getLogger(name) for name in names}
    logging.getLogger("compiler.parser.x").setLevel("ERROR")
    states = []
    for keep in (True, False):
        config.fileConfig(io.StringIO(ini), disable_existing_loggers=keep)
        states.append({name: repr(logger.disabled) for name, logger in loggers.items()})
        for name, logger in loggers.items():
            logger.info("%s after %s", name, keep)
    return states


def test_disable_existing_loggers(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(disabling, tmp_path)
    assert femto.value[0]["other"] == "True"
    assert femto.value[0]["compiler.parser.x"] == "False"
    assert femto.value[1]["other"] == "False"
    assert "compiler.parser.x after True\n" in femto.stdout


def formatter_options(logging: Any, config: Any, tmp: str) -> Any:
    import io
    import sys

    ini = """
[loggers]
keys=root

[handlers]
keys=h

[formatters]
keys=f

[logger_root]
level=INFO
handlers=h

[handler_h]
class=StreamHandler
formatter=f
kwargs={'stream': sys.stdout}

[formatter_f]
format=%(message)s ++ %(customfield)s
"""
    if sys.version_info >= (3, 12):
        ini += 'defaults={"customfield": "defaultvalue"}\n'
    else:
        ini = ini.replace(" ++ %(customfield)s", "")
    config.fileConfig(io.StringIO(ini))
    logging.info("message")
    return logging.root.handlers[0].name


def test_formatter_defaults_and_handler_names(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(formatter_options, tmp_path)
    expected = "message ++ defaultvalue\n" if sys.version_info >= (3, 12) else "message\n"
    assert femto.stdout == expected
    assert femto.value == "h"


def foreign_handler(logging: Any, config: Any, tmp: str) -> Any:
    import io

    ini = f"""
[loggers]
keys=root

[handlers]
keys=mail

[formatters]
keys=f

[logger_root]
level=INFO
handlers=mail

[handler_mail]
class=cfgkit.FileListHandler
level=WARNING
formatter=f
args=({tmp + "/mail.txt"!r},)

[formatter_f]
class=cfgkit.ColourFormatter
format=%(levelprefix)s%(message)s
"""
    config.fileConfig(io.StringIO(ini))
    logging.getLogger("a").info("no")
    logging.getLogger("a").error("yes")
    handler = logging.root.handlers[0]
    found = logging.getHandlerByName("mail") if hasattr(logging, "getHandlerByName") else handler
    return found is handler


def test_third_party_classes_in_ini_files(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(foreign_handler, tmp_path)
    assert femto.files["mail.txt"] == "[mail] ERROR:    yes\n"
    assert femto.value is True


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 does not check the file")
def test_missing_empty_and_invalid_files(tmp_path: Path) -> None:
    def scenario(logging: Any, config: Any, tmp: str) -> Any:
        import io

        import cfgkit

        empty = tmp + "/empty.ini"
        open(empty, "w").close()
        return [
            cfgkit.attempt(lambda: config.fileConfig(tmp + "/missing.ini")),
            cfgkit.attempt(lambda: config.fileConfig(empty)),
            cfgkit.attempt(lambda: config.fileConfig(io.StringIO("[loggers]\nkeys=root\nbad"))),
        ]

    stdlib, femto = harness.compare(scenario, tmp_path, same_value=False)
    assert [item["type"] for item in femto.value] == [
        "FileNotFoundError",
        "RuntimeError",
        "RuntimeError",
    ]
    # The stdlib's messages, to the letter (they name the file).
    assert [item["message"] for item in femto.value] == [item["message"] for item in stdlib.value]
