"""One logging world, as an application sees it: an app configured through
`basicConfig`, `dictConfig` or `fileConfig`, using a library module that
keeps `import logging` and stdlib Handler/Formatter subclasses named in its
configuration.

Each scenario runs twice in a fresh interpreter, once with the app on the
stdlib's `logging` and once with `import femtologging as logging`, and the
two outputs must be equal: the switch must change nothing the app can see.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A third-party library: it knows nothing of femtologging.
VENDOR_LIBRARY = """
import logging

log = logging.getLogger("vendorlib")
pool = logging.getLogger("vendorlib.pool")


def work():
    log.debug("vendor debug %d", 1)
    log.info("vendor info")
    pool.warning("pool warning %s", "x")
    pool.error("pool error")
    try:
        {}["missing"]
    except KeyError:
        log.exception("vendor failed")
"""

# Handler and Formatter classes shipped by a library, written against the
# stdlib (as uvicorn's and Sentry's are).
VENDOR_CLASSES = """
import logging


class CountingHandler(logging.Handler):
    counts = {}

    def emit(self, record):
        assert isinstance(record, logging.LogRecord)
        key = (record.name, record.levelname)
        CountingHandler.counts[key] = CountingHandler.counts.get(key, 0) + 1


class TaggedFormatter(logging.Formatter):
    def __init__(self, fmt=None, datefmt=None, style="%", tag="?"):
        super().__init__(fmt, datefmt, style)
        self.tag = tag

    def format(self, record):
        return f"[{self.tag}] " + super().format(record)
"""

# The application; {setup} configures it.
APP = """
import sys

if sys.argv[1] == "femtologging":
    import femtologging as logging
    from femtologging import config as logging_config
else:
    import logging
    import logging.config as logging_config

import vendorlib
from vendorclasses import CountingHandler

{setup}

app = logging.getLogger("app")
app.debug("app debug")
app.info("app info %s", 42)
vendorlib.work()
app.warning("app warning")
logging.shutdown()
for key, count in sorted(CountingHandler.counts.items()):
    print("count", *key, count)
"""

FORMAT = "%(name)s|%(levelname)s|%(message)s"

BASIC_CONFIG = f"""
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format={FORMAT!r})
"""

# Library loggers' levels set through the app's config, as the issue's example.
DICT_CONFIG = f"""
logging_config.dictConfig({{
    "version": 1,
    "formatters": {{
        "tagged": {{"()": "vendorclasses.TaggedFormatter", "fmt": {FORMAT!r}, "tag": "T"}},
    }},
    "handlers": {{
        "out": {{"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                 "formatter": "tagged"}},
        "count": {{"class": "vendorclasses.CountingHandler"}},
    }},
    "loggers": {{
        "vendorlib": {{"level": "ERROR"}},
        "vendorlib.pool": {{"level": "WARNING", "handlers": ["count"]}},
    }},
    "root": {{"level": "DEBUG", "handlers": ["out", "count"]}},
}})
"""

FILE_CONFIG = """
import io
logging_config.fileConfig(io.StringIO('''
[loggers]
keys=root,vendorlib

[handlers]
keys=out,count

[formatters]
keys=tagged

[logger_root]
level=INFO
handlers=out,count

[logger_vendorlib]
level=WARNING
handlers=
qualname=vendorlib

[handler_out]
class=StreamHandler
args=(sys.stdout,)
formatter=tagged

[handler_count]
class=vendorclasses.CountingHandler
args=()

[formatter_tagged]
format=%(name)s|%(levelname)s|%(message)s
class=vendorclasses.TaggedFormatter
'''))
"""

# Handlers on both sides: the stdlib root (as caplog or Sentry attach them)
# and femtologging's root, each must see each record once.
HANDLERS_ON_BOTH_SIDES = f"""
import logging as stdlib_logging
stdlib_side = stdlib_logging.StreamHandler(sys.stdout)
stdlib_side.setFormatter(stdlib_logging.Formatter("stdlib " + {FORMAT!r}))
stdlib_logging.getLogger().addHandler(stdlib_side)
stdlib_logging.getLogger().addHandler(CountingHandler())
app_side = logging.StreamHandler(sys.stdout)
app_side.setFormatter(logging.Formatter("app " + {FORMAT!r}))
logging.getLogger().addHandler(app_side)
logging.getLogger().setLevel(logging.INFO)
"""

SCENARIOS = {
    "basicConfig": BASIC_CONFIG,
    "dictConfig": DICT_CONFIG,
    "fileConfig": FILE_CONFIG,
    "handlers_on_both_sides": HANDLERS_ON_BOTH_SIDES,
}


def run_app(workdir: Path, module: str) -> str:
    result = subprocess.run(
        [sys.executable, "app.py", module],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def by_handler(output: str) -> dict[str, list[str]]:
    """The output's lines grouped by their first word (the handler's tag)."""
    lines: dict[str, list[str]] = {}
    for line in output.splitlines():
        lines.setdefault(line.split(" ", 1)[0], []).append(line)
    return lines


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_app_sees_the_same_records_after_switching(scenario: str, tmp_path: Path) -> None:
    (tmp_path / "vendorlib.py").write_text(VENDOR_LIBRARY)
    (tmp_path / "vendorclasses.py").write_text(VENDOR_CLASSES)
    setup = textwrap.dedent(SCENARIOS[scenario])
    (tmp_path / "app.py").write_text(APP.format(setup=setup))
    expected = run_app(tmp_path, "logging")
    actual = run_app(tmp_path, "femtologging")
    # The scenario must have exercised the library: its records are there.
    assert "vendorlib.pool|ERROR|pool error" in expected
    if scenario == "handlers_on_both_sides":
        # Two roots after the switch: the order between a femtologging
        # handler and a stdlib one is not kept, each handler's own sequence is.
        expected, actual = by_handler(expected), by_handler(actual)
    assert actual == expected


def test_library_levels_from_dict_config_silence_and_enable(tmp_path: Path) -> None:
    """The issue's example: dictConfig's level for a library logger applies
    to the library's stdlib logger; basicConfig(DEBUG) lets its debug through."""
    (tmp_path / "vendorlib.py").write_text(VENDOR_LIBRARY)
    (tmp_path / "vendorclasses.py").write_text(VENDOR_CLASSES)
    (tmp_path / "app.py").write_text(APP.format(setup=textwrap.dedent(DICT_CONFIG)))
    silenced = run_app(tmp_path, "femtologging")
    assert "vendor info" not in silenced and "pool warning" in silenced
    assert "count vendorlib.pool ERROR 2" in silenced  # its own handler and root's
    (tmp_path / "app.py").write_text(APP.format(setup=textwrap.dedent(BASIC_CONFIG)))
    enabled = run_app(tmp_path, "femtologging")
    assert "vendorlib|DEBUG|vendor debug 1" in enabled
