"""One name, one logger across the joined trees: handler lists replaced or
cleared by either side (unittest's `assertLogs`, two `dictConfig`s, Django's
`LOGGING`), and the stdlib's `loggerDict` as frameworks read it (issue "One
world, part two", scenarios 4 and 5).

The scenarios run as an application would, in a fresh interpreter, once with
`import logging` (the reference) and once with `import femtologging as
logging`; the output must be the same.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

import pytest

import femtologging
from femtologging._femtologging_rs import _path_counts

pytestmark = pytest.mark.stdlib_bridge

LIBRARIES = ["logging", "femtologging"]

Run = Callable[..., Any]


def run_both(run_python: Run, source: str, *args: str) -> dict[str, Any]:
    """The scenario's result under each library; both must exit cleanly."""
    results = {}
    for library in LIBRARIES:
        code = source.replace("LIBRARY", library)
        result = run_python(f"import sys; sys.argv[1:] = {list(args)!r}\n{code}")
        assert result.returncode == 0, f"{library}:\n{result.stdout}\n{result.stderr}"
        results[library] = result
    return results


def test_a_femtologging_logger_has_a_stdlib_twin_holding_the_same_lists(names: Any) -> None:
    name = names("twin")
    femto = femtologging.getLogger(name)
    twin = logging.root.manager.loggerDict[name]
    assert isinstance(twin, logging.Logger)
    assert twin.handlers is femto.handlers
    assert twin.filters is femto.filters
    replacement: list[Any] = []
    twin.handlers = replacement
    assert femto.handlers is replacement
    femto.handlers = [femtologging.NullHandler()]
    assert twin.handlers is femto.handlers


def test_a_library_logger_made_first_keeps_its_handlers(names: Any) -> None:
    name = names("library")
    null = logging.NullHandler()
    logging.getLogger(name).addHandler(null)
    femto = femtologging.getLogger(name)
    assert femto.handlers == [null]
    assert femto.handlers is logging.getLogger(name).handlers


def test_each_handler_of_a_shared_list_sees_each_record_once(names: Any) -> None:
    name = names("once")
    femto_stream, stdlib_stream = io.StringIO(), io.StringIO()
    femtologging.getLogger(name).addHandler(femtologging.StreamHandler(femto_stream))
    logging.getLogger(name).addHandler(logging.StreamHandler(stdlib_stream))
    logging.getLogger(name).propagate = False
    logging.getLogger(name).warning("from the library")
    femtologging.getLogger(name).warning("from the app")
    expected = "from the library\nfrom the app\n"
    assert femto_stream.getvalue() == stdlib_stream.getvalue() == expected


def test_a_filter_added_on_either_side_applies_to_both_trees(names: Any) -> None:
    name = names("filtered")
    stream = io.StringIO()
    femto = femtologging.getLogger(name)
    femto.addHandler(femtologging.StreamHandler(stream))
    femto.propagate = False
    logging.getLogger(name).addFilter(lambda record: "secret" not in record.getMessage())
    femto.warning("secret one")
    logging.getLogger(name).warning("secret two")
    femto.warning("public")
    assert stream.getvalue() == "public\n"


def test_native_handlers_on_a_shared_list_stay_on_the_fast_path(names: Any, tmp_path: Any) -> None:
    name = names("fast")
    femto = femtologging.getLogger(name)
    femto.propagate = False
    handler = femtologging.FileHandler(tmp_path / "fast.log")
    femto.addHandler(handler)
    assert logging.getLogger(name).handlers == [handler]
    femto.warning("warm up")
    native_before, python_before = _path_counts()
    for index in range(10):
        femto.warning("native %d", index)
    native_after, python_after = _path_counts()
    handler.close()
    assert (native_after - native_before, python_after - python_before) == (10, 0)
    assert len((tmp_path / "fast.log").read_text().splitlines()) == 11


def test_switching_the_bridge_off_gives_each_side_its_own_handlers(names: Any) -> None:
    name = names("split")
    femto_handler = femtologging.NullHandler()
    stdlib_handler = logging.NullHandler()
    femtologging.getLogger(name).addHandler(femto_handler)
    logging.getLogger(name).addHandler(stdlib_handler)
    femtologging.bridge_stdlib(False)
    try:
        assert femtologging.getLogger(name).handlers == [femto_handler]
        assert logging.getLogger(name).handlers == [stdlib_handler]
    finally:
        femtologging.bridge_stdlib(True)
    assert femtologging.getLogger(name).handlers == [stdlib_handler, femto_handler]


ASSERT_LOGS = """
import sys
import unittest

import LIBRARY as logging
import LIBRARY.config

logging.config.dictConfig({
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "console: %(name)s %(levelname)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "LIBRARY.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "loggers": {"app.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": "WARNING"},
})
server = logging.getLogger("app.server")


def report(*values):
    print("result:", *values, file=sys.stderr)


class ServerTests(unittest.TestCase):
    def test_captured_not_printed(self):
        with self.assertLogs("app.server", "INFO") as captured:
            server.info('"GET / HTTP/1.1" 200')
            server.debug("below the level")
        report(captured.output)

    def test_debug_captured(self):
        with self.assertLogs("app.server", "DEBUG") as captured:
            server.debug("debug captured")
            logging.getLogger("app.server.child").info("from a child")
        report(captured.output, [record.name for record in captured.records])

    def test_no_logs(self):
        with self.assertNoLogs("app.server", "WARNING"):
            server.info("info is below WARNING")

    def test_missing_record_fails(self):
        with self.assertRaises(AssertionError) as failure:
            with self.assertLogs("app.server", "ERROR"):
                server.info("not an error")
        report(str(failure.exception))

    def test_root(self):
        with self.assertLogs() as captured:
            logging.getLogger("app.other").warning("to the root")
        report(captured.output)


server.info("printed before")
program = unittest.main(module=__name__, argv=["app"], exit=False, verbosity=0)
server.info("printed after")
logging.getLogger("app.other").warning("the root prints again")
report("ok" if program.result.wasSuccessful() else "failed")
"""


def test_assert_logs_captures_instead_of_printing(run_python: Run) -> None:
    """unittest's assertLogs replaces the stdlib logger's handler list and
    clears its propagate: the console handler femtologging's config put on
    the same name must stay quiet in the block, and print again after it."""
    results = run_both(run_python, ASSERT_LOGS)
    reference, femto = results["logging"], results["femtologging"]
    assert femto.stdout == reference.stdout
    assert reference.stdout == (
        "console: app.server INFO printed before\n"
        "console: app.server INFO printed after\n"
        "console: app.other WARNING the root prints again\n"
    )

    def results_of(stderr: str) -> list[str]:
        return [line for line in stderr.splitlines() if line.startswith("result:")]

    assert results_of(femto.stderr) == results_of(reference.stderr)
    assert results_of(reference.stderr)[-1] == "result: ok"


DJANGO_TWO_CONFIGS = """
import sys

import django
from django.conf import settings

import LIBRARY as logging
import LIBRARY.config

order = sys.argv[1]
views = logging.getLogger("site.views")  # made at import, before any configuration

MAIL = {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"}
CONSOLE = {
    "class": "LIBRARY.StreamHandler",
    "stream": "ext://sys.stdout",
    "formatter": "plain",
}
settings.configure(
    DEBUG=False,
    SECRET_KEY="not-secret-in-tests",
    ADMINS=[("Ops", "ops@example.com")],
    SERVER_EMAIL="app@example.com",
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    LOGGING={
        "version": 1,
        "disable_existing_loggers": order == "disable-existing",
        "formatters": {"plain": {"format": "django: %(name)s %(message)s"}},
        "handlers": {
            "mail_admins": MAIL,
            "console": dict(CONSOLE, **{"class": "logging.StreamHandler"}),
        },
        "loggers": {
            "django.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": False},
            "app": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["console"], "level": "INFO"},
    },
)
APP_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "app: %(name)s %(message)s"}},
    "handlers": {"mail_admins": MAIL, "console": CONSOLE},
    "loggers": {
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": False},
        "app": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}
if order == "app-first":
    logging.config.dictConfig(APP_LOGGING)
    django.setup()
elif order == "django-first":
    django.setup()
    logging.config.dictConfig(APP_LOGGING)
else:
    django.setup()

import logging as stdlib_logging

from django.core import mail

stdlib_logging.getLogger("django.request").error("Internal Server Error: /from-django")
logging.getLogger("django.request").error("Internal Server Error: /from-the-app")
views.info("a view logs")
logging.getLogger("app.models").info("a model logs")
print("mails:", [message.subject for message in getattr(mail, "outbox", [])])
"""


@pytest.mark.parametrize("order", ["django-first", "app-first", "disable-existing"])
def test_django_logging_and_the_apps_dict_config_make_one_configuration(
    run_python: Run, order: str
) -> None:
    """Django applies settings.LOGGING with the stdlib's dictConfig; the app
    also configures through its own module. As in a program with one
    module, the configuration applied last replaces the first's handlers:
    one mail per error, one line per record; `disable_existing_loggers`
    disables the logger made before it that it does not name."""
    pytest.importorskip("django")
    results = run_both(run_python, DJANGO_TWO_CONFIGS, order)
    reference, femto = results["logging"], results["femtologging"]
    assert femto.stdout == reference.stdout
    mails = [line for line in reference.stdout.splitlines() if line.startswith("mails:")]
    assert mails == [
        "mails: ['[Django] ERROR: Internal Server Error: /from-django', "
        "'[Django] ERROR: Internal Server Error: /from-the-app']"
    ]
    if order == "disable-existing":
        assert "a view logs" not in reference.stdout
    else:
        assert "a view logs" in reference.stdout


FILE_CONFIG_AFTER_DICT_CONFIG = """
import logging as stdlib_logging
import logging.config as stdlib_config
import sys
import tempfile

import LIBRARY as logging
import LIBRARY.config

logging.config.dictConfig({
    "version": 1,
    "formatters": {"first": {"format": "first: %(name)s %(message)s"}},
    "handlers": {
        "out": {
            "class": "LIBRARY.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "first",
        },
    },
    "loggers": {"app": {"handlers": ["out"], "level": "INFO", "propagate": False}},
})
logging.getLogger("app").info("before the ini file")
with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as ini:
    ini.write('''
[loggers]
keys=root,app
[handlers]
keys=out
[formatters]
keys=second
[logger_root]
handlers=
[logger_app]
handlers=out
qualname=app
level=INFO
propagate=0
[handler_out]
class=StreamHandler
args=(sys.stdout,)
formatter=second
[formatter_second]
format=second: %(name)s %(message)s
''')
stdlib_config.fileConfig(ini.name, disable_existing_loggers=False)
logging.getLogger("app").info("from the app")
stdlib_logging.getLogger("app.lib").info("from a library")
"""


def test_the_stdlibs_file_config_replaces_the_handlers_of_femtologgings_dict_config(
    run_python: Run,
) -> None:
    results = run_both(run_python, FILE_CONFIG_AFTER_DICT_CONFIG)
    assert (
        results["femtologging"].stdout
        == results["logging"].stdout
        == (
            "first: app before the ini file\n"
            "second: app from the app\n"
            "second: app.lib from a library\n"
        )
    )


def test_loggers_made_from_both_modules_in_several_threads_are_one_logger_each(
    names: Any,
) -> None:
    """Threads make the same names through either module while logging: no
    deadlock between the two modules' locks, one shared list per name, each
    record delivered once."""
    import threading

    stem = names("threads")
    stream = io.StringIO()
    top = femtologging.getLogger(stem)
    top.addHandler(femtologging.StreamHandler(stream))
    top.propagate = False
    per_thread, threads = 50, 4
    start = threading.Barrier(threads)

    def work(index: int) -> None:
        start.wait()
        for step in range(per_thread):
            name = f"{stem}.n{step % 10}"
            if (index + step) % 2:
                femtologging.getLogger(name).warning("t%d s%d", index, step)
            else:
                logging.getLogger(name).warning("t%d s%d", index, step)

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers)
    for step in range(10):
        name = f"{stem}.n{step}"
        assert logging.getLogger(name).handlers is femtologging.getLogger(name).handlers
    lines = stream.getvalue().splitlines()
    assert sorted(lines) == sorted(
        f"t{index} s{step}" for index in range(threads) for step in range(per_thread)
    )
