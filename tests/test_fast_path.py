"""The Rust fast path writes exactly what the stdlib writes.

Each scenario configures the stdlib's `logging` and `femtologging` the same
way (same logger names, same formats), logs the same calls from the same
source line, and compares the bytes written with time-dependent fields
masked. `_path_counts()` tells whether femtologging served the calls natively
or through its Python path, so both paths are covered deliberately.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import femtologging

TIME_PATTERNS = [
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"), "<asctime>"),
    (re.compile(r"\d\d:\d\d:\d\d"), "<hms>"),
    (re.compile(r"\bms=\d+\b"), "ms=<n>"),
    (re.compile(r"\brel=[\d.]+\b"), "rel=<n>"),
    (re.compile(r"\bcreated=[\d.]+\b"), "created=<n>"),
]


def mask(text: str) -> str:
    for pattern, replacement in TIME_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture
def fresh_names() -> Iterator[Callable[[], str]]:
    """Unique logger names, so scenarios never see each other's handlers."""
    counter = iter(range(10**6))
    created: list[str] = []

    def make() -> str:
        name = f"fastpath{next(counter)}.{threading.get_ident()}"
        created.append(name)
        return name

    yield make
    for library in (logging, femtologging):
        for name in created:
            logger = library.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()


def log_everything(logger: Any) -> None:
    """The calls every scenario makes; one source line per call."""
    logger.debug("hidden %s", 1)
    logger.info("plain message")
    logger.info("args %s and %d", "text", 42)
    logger.warning("mapping %(user)s/%(id)03d", {"user": "ann", "id": 7})
    logger.error("unicode ✓ é 中文 %s", "ü")
    logger.critical(12345)
    logger.log(25, "custom level %r", ("a", 1))
    logger.info("percent %% kept")


def run_file_scenario(
    library: ModuleType, name: str, path: Path, fmt: str, **formatter: Any
) -> str:
    if fmt.startswith("{") or fmt.startswith("$"):
        formatter.setdefault("style", fmt[0])
    handler = library.FileHandler(path, encoding="utf-8")
    handler.setFormatter(library.Formatter(fmt, **formatter))
    logger = library.getLogger(name)
    logger.propagate = False
    logger.setLevel(library.INFO)
    logger.addHandler(handler)
    log_everything(logger)
    handler.close()
    logger.removeHandler(handler)
    return path.read_text(encoding="utf-8")


FORMATS = [
    "%(message)s",
    "%(asctime)s %(levelname)s %(name)s %(message)s",
    "%(levelname)-8s|%(levelno)3d|%(name).5s|%(message)s",
    "%(filename)s:%(lineno)d %(funcName)s %(module)s %(pathname)s",
    "%(threadName)s %(thread)d %(process)d %(processName)s %(message)s",
    "ms=%(msecs)d rel=%(relativeCreated)d created=%(created)f %(message)s",
    "[%(asctime)s] ms=%(msecs)03d %(message)s",
    "{asctime} {levelname:<8} {name:>12.6} {levelno:03d} {message}",
    "{asctime:^30}|{lineno:+5d}|{funcName!s:*^20}|{{literal}}|{message}",
    "{process:,} {thread:_x} {processName:>12} {message}",
    "$asctime $levelname ${name}: $$ $message",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_handler_output_matches_the_stdlib(
    tmp_path: Path, fresh_names: Callable[[], str], fmt: str
) -> None:
    name = fresh_names()
    ours = run_file_scenario(femtologging, name, tmp_path / "femto.log", fmt)
    theirs = run_file_scenario(logging, name, tmp_path / "std.log", fmt)
    assert mask(ours) == mask(theirs)


@pytest.mark.parametrize(
    ("datefmt", "converter"),
    [("%H:%M:%S", None), ("%Y/%m/%d %Z", None), (None, "gmtime"), ("%d %b %Y", "gmtime")],
)
def test_time_settings_match_the_stdlib(
    tmp_path: Path, fresh_names: Callable[[], str], datefmt: str | None, converter: str | None
) -> None:
    import time

    outputs = []
    for library in (femtologging, logging):
        handler = library.FileHandler(tmp_path / f"{library.__name__}.log")
        formatter = library.Formatter("%(asctime)s %(message)s", datefmt=datefmt)
        if converter:
            formatter.converter = getattr(time, converter)
        handler.setFormatter(formatter)
        logger = library.getLogger(fresh_names())
        logger.propagate = False
        logger.addHandler(handler)
        logger.warning("at a time")
        handler.close()
        outputs.append((tmp_path / f"{library.__name__}.log").read_text())
    # Both lines were written within the same minute almost surely; compare
    # everything but the seconds-level digits.
    assert re.sub(r"\d", "0", outputs[0]) == re.sub(r"\d", "0", outputs[1])


def test_exceptions_and_stacks_match_the_stdlib(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    name = fresh_names()

    def scenario(library: ModuleType, path: Path) -> str:
        handler = library.FileHandler(path)
        handler.setFormatter(library.Formatter("%(levelname)s %(funcName)s %(message)s"))
        logger = library.getLogger(name)
        logger.propagate = False
        logger.setLevel(library.DEBUG)
        logger.addHandler(handler)
        try:
            {}["missing"]
        except KeyError as error:
            logger.exception("lookup failed")
            logger.error("with instance", exc_info=error)
            logger.error("with tuple", exc_info=sys.exc_info())
        logger.info("with stack", stack_info=True)
        handler.close()
        logger.removeHandler(handler)
        return path.read_text()

    # One call site for both, so the rendered stacks name the same lines.
    ours, theirs = (
        scenario(lib, tmp_path / f"{lib.__name__}.log") for lib in (femtologging, logging)
    )
    assert ours == theirs
    assert "Traceback (most recent call last):" in ours
    assert "Stack (most recent call last):" in ours


def test_extra_fields_match_and_reserved_keys_raise_alike(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    name = fresh_names()

    def scenario(library: ModuleType, path: Path) -> tuple[str, str]:
        handler = library.FileHandler(path)
        handler.setFormatter(library.Formatter("%(user)s|%(count)05d|%(ratio).2f|%(message)s"))
        logger = library.getLogger(name)
        logger.propagate = False
        logger.addHandler(handler)
        logger.info("hello", extra={"user": "ann", "count": 42, "ratio": 0.125})
        logger.info("objects", extra={"user": ["a"], "count": True, "ratio": 1})
        with pytest.raises(KeyError) as raised:
            logger.info("clash", extra={"message": "no", "user": "x", "count": 1, "ratio": 1.0})
        handler.close()
        logger.removeHandler(handler)
        return path.read_text(), str(raised.value)

    assert scenario(femtologging, tmp_path / "f.log") == scenario(logging, tmp_path / "s.log")


def test_extra_strings_and_messages_come_out_whole(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    """Extra strings are stored after the message in one buffer: each value
    must come back exactly, whatever its length or characters, and a value
    without a UTF-8 form (a lone surrogate) is written as the stdlib does."""
    name = fresh_names()

    def scenario(library: ModuleType, path: Path) -> str:
        handler = library.FileHandler(path, encoding="utf-8", errors="backslashreplace")
        handler.setFormatter(library.Formatter("%(user)s|%(request_id)s|%(tag)s|%(message)s"))
        logger = library.getLogger(name)
        logger.propagate = False
        logger.addHandler(handler)
        accented = {"user": "\u00fcn\u00ef", "request_id": "", "tag": None}
        logger.warning("msg %s \u00e9", 42, extra=accented)
        logger.warning("%(a)s", {"a": 1}, extra={"user": "x" * 5000, "request_id": "r", "tag": 1.5})
        logger.warning("", extra={"request_id": "\U0001f600", "user": "last", "tag": -(2**63)})
        logger.warning("surrogate", extra={"user": "\ud800", "request_id": "r", "tag": 0})
        logger.warning("surrogate message \udc80", extra={"user": "u", "request_id": "r", "tag": 0})
        handler.close()
        logger.removeHandler(handler)
        return path.read_text(encoding="utf-8")

    ours = scenario(femtologging, tmp_path / "f.log")
    assert ours == scenario(logging, tmp_path / "s.log")
    assert ours.count("\n") == 5


def test_stream_handlers_write_on_the_callers_thread(fresh_names: Callable[[], str]) -> None:
    name = fresh_names()
    outputs = []
    for library in (femtologging, logging):
        stream = io.StringIO()
        handler = library.StreamHandler(stream)
        handler.setFormatter(library.Formatter("%(levelname)s:%(name)s:%(message)s"))
        handler.terminator = " <end>\n"
        logger = library.getLogger(name)
        logger.propagate = False
        logger.setLevel(library.INFO)
        logger.addHandler(handler)
        log_everything(logger)
        # Written before the call returned: no flush or close needed.
        outputs.append(stream.getvalue())
    assert outputs[0] == outputs[1]
    assert outputs[0].count("<end>") == 7


def test_propagation_through_three_levels_reaches_each_handler_once(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    top = fresh_names()

    def scenario(library: ModuleType, suffix: str) -> list[str]:
        paths = [tmp_path / f"{suffix}{i}.log" for i in range(3)]
        names = [top, f"{top}.mid", f"{top}.mid.leaf"]
        handlers = []
        for logger_name, path in zip(names, paths, strict=True):
            handler = library.FileHandler(path)
            handler.setFormatter(library.Formatter("%(name)s %(levelname)s %(message)s"))
            library.getLogger(logger_name).addHandler(handler)
            handlers.append(handler)
        library.getLogger(top).propagate = False
        library.getLogger(f"{top}.mid").setLevel(library.WARNING)
        handlers[1].setLevel(library.ERROR)
        leaf = library.getLogger(f"{top}.mid.leaf")
        leaf.info("filtered by the effective level")
        leaf.warning("reaches leaf and top")
        leaf.error("reaches all three")
        for logger_name, handler in zip(names, handlers, strict=True):
            library.getLogger(logger_name).removeHandler(handler)
            handler.close()
        return [path.read_text() for path in paths]

    assert scenario(femtologging, "f") == scenario(logging, "s")


def test_ineligible_configurations_take_the_python_path_and_still_match(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    class Upper:
        """A formatter subclass with its own format(): only Python can run it."""

    def scenario(library: ModuleType, path: Path) -> str:
        class UpperFormatter(library.Formatter):
            def format(self, record: Any) -> str:
                return super().format(record).upper()

        handler = library.FileHandler(path)
        handler.setFormatter(UpperFormatter("%(levelname)s %(message)s"))
        logger = library.getLogger(name)
        logger.propagate = False
        logger.addHandler(handler)
        logger.warning("shouting %s", "now")
        handler.close()
        logger.removeHandler(handler)
        return path.read_text()

    name = fresh_names()
    ours = scenario(femtologging, tmp_path / "f.log")
    assert ours == scenario(logging, tmp_path / "s.log") == "WARNING SHOUTING NOW\n"
    assert Upper.__doc__


def test_in_place_handler_list_changes_are_seen(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    logger = femtologging.getLogger(fresh_names())
    logger.propagate = False
    first = femtologging.FileHandler(tmp_path / "a.log")
    second = femtologging.FileHandler(tmp_path / "b.log")
    logger.addHandler(first)
    logger.warning("one")
    logger.handlers.append(second)  # no setter sees this
    logger.warning("two")
    logger.handlers.clear()
    logger.addHandler(second)
    logger.warning("three")
    first.close()
    second.close()
    assert (tmp_path / "a.log").read_text() == "one\ntwo\n"
    assert (tmp_path / "b.log").read_text() == "two\nthree\n"


def test_level_changes_take_effect_at_once(fresh_names: Callable[[], str]) -> None:
    stream = io.StringIO()
    logger = femtologging.getLogger(fresh_names())
    logger.propagate = False
    logger.addHandler(femtologging.StreamHandler(stream))
    logger.setLevel("ERROR")
    logger.warning("hidden")
    logger.setLevel("WARNING")
    logger.warning("shown")
    logger.disabled = True
    logger.error("hidden too")
    logger.disabled = False
    femtologging.disable(femtologging.ERROR)
    try:
        logger.error("disabled globally")
        logger.critical("above the disable level")
    finally:
        femtologging.disable(femtologging.NOTSET)
    assert stream.getvalue() == "shown\nabove the disable level\n"


def test_class_attribute_changes_after_logging_take_effect(
    fresh_names: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = []
    for library in (femtologging, logging):
        stream = io.StringIO()
        handler = library.StreamHandler(stream)
        handler.setFormatter(library.Formatter("%(asctime)s %(message)s", "%H"))
        logger = library.getLogger(fresh_names())
        logger.propagate = False
        logger.addHandler(handler)
        logger.warning("local")
        # Class-level settings, changed after the logger has logged once.
        monkeypatch.setattr(library.StreamHandler, "terminator", "|\n")
        monkeypatch.setattr(library.Formatter, "converter", __import__("time").gmtime)
        logger.warning("utc")
        monkeypatch.undo()
        logger.warning("local again")
        outputs.append(stream.getvalue())
    assert outputs[0] == outputs[1]
    assert "utc|\n" in outputs[0]


PATHS_SCRIPT = """
import io, sys, tempfile, os, time
import femtologging as logging
import femtologging.handlers
from femtologging._femtologging_rs import _path_counts

def delta(action):
    before = _path_counts()
    action()
    after = _path_counts()
    return [after[0] - before[0], after[1] - before[1]]

directory = tempfile.mkdtemp()
results = {}
handler = logging.FileHandler(os.path.join(directory, "fast.log"))
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
fast = logging.getLogger("paths.fast")
fast.propagate = False
fast.setLevel(logging.DEBUG)
fast.addHandler(handler)
results["file"] = delta(lambda: [fast.info("m %s", i) for i in range(5)])
extra_handler = logging.FileHandler(os.path.join(directory, "extra.log"), errors="replace")
extra_handler.setFormatter(logging.Formatter("%(user)s %(n)s %(message)s"))
extras = logging.getLogger("paths.extra")
extras.propagate = False
extras.addHandler(extra_handler)
results["extra"] = delta(lambda: [
    extras.warning("m", extra={"user": "ann", "n": 1}),
    extras.warning("m", extra={"user": "\u00e9" * 100, "n": None}),
    extras.warning("m", extra={"user": "\\ud800", "n": 1}),
])

def exceptions():
    try:
        1 / 0
    except ZeroDivisionError:
        fast.exception("failed")
    fast.warning("stack", stack_info=True)
results["exception_and_stack"] = delta(exceptions)

class Upper(logging.Formatter):
    def format(self, record):
        return super().format(record).upper()
custom = logging.getLogger("paths.custom")
custom.propagate = False
custom_handler = logging.StreamHandler(io.StringIO())
custom_handler.setFormatter(Upper())
custom.addHandler(custom_handler)
results["custom_formatter"] = delta(lambda: custom.warning("x"))

import logging as stdlib
joined = logging.getLogger("paths.joined")
joined.addHandler(logging.StreamHandler(io.StringIO()))
results["joined_without_stdlib_handlers"] = delta(lambda: joined.warning("x"))
stdlib.getLogger("paths").addHandler(stdlib.NullHandler())
results["joined_with_a_stdlib_handler"] = delta(lambda: joined.warning("x"))
rotating = logging.getLogger("paths.rotating")
rotating.propagate = False
rotating.addHandler(
    logging.handlers.RotatingFileHandler(os.path.join(directory, "r.log"), maxBytes=10**6)
)
rotating.warning("first record of an empty file: Python decides")
results["size_rotated"] = delta(lambda: [rotating.warning("r %d", i) for i in range(5)])
small = logging.getLogger("paths.small")
small.propagate = False
small_handler = logging.handlers.RotatingFileHandler(
    os.path.join(directory, "s.log"), maxBytes=50, backupCount=2
)
small.addHandler(small_handler)
results["rolled_by_the_worker"] = delta(lambda: [small.warning("s %02d", i) for i in range(30)])
small_handler.namer = lambda name: name + ".named"
results["rolled_by_python_with_a_namer"] = delta(
    lambda: [small.warning("n %02d", i) for i in range(30)]
)
timed = logging.getLogger("paths.timed")
timed.propagate = False
timed_handler = logging.handlers.TimedRotatingFileHandler(os.path.join(directory, "t.log"))
timed.addHandler(timed_handler)
results["time_rotated"] = delta(lambda: [timed.warning("t %d", i) for i in range(5)])
timed_handler.rolloverAt = int(time.time())  # due now: the worker rolls over
results["time_rotated_due"] = delta(lambda: timed.warning("rolled"))
timed_handler.namer = lambda name: name + ".old"
timed_handler.rolloverAt = int(time.time())  # with a namer, Python rolls over
results["time_rotated_named_due"] = delta(lambda: timed.warning("rolled again"))
watched = logging.getLogger("paths.watched")
watched.propagate = False
watched_path = os.path.join(directory, "w.log")
watched.addHandler(logging.handlers.WatchedFileHandler(watched_path))
results["watched"] = delta(lambda: [watched.warning("w %d", i) for i in range(5)])
os.rename(watched_path, watched_path + ".1")
results["watched_moved"] = delta(lambda: [watched.warning("w %d", i) for i in range(5)])
print(results)
"""


def test_each_configuration_takes_the_expected_path(
    run_python: Callable[..., Any],
) -> None:
    """Which path serves a call, counted in a fresh interpreter (in this one,
    other tests' class patching can exhaust CPython's type version tags,
    which forces the Python path, correctly but on purpose)."""
    result = run_python(PATHS_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == {
        "file": [5, 0],
        "extra": [2, 1],
        "exception_and_stack": [2, 0],
        "custom_formatter": [0, 1],
        "joined_without_stdlib_handlers": [1, 0],
        "joined_with_a_stdlib_handler": [0, 1],
        "size_rotated": [5, 0],
        "rolled_by_the_worker": [30, 0],
        "rolled_by_python_with_a_namer": [21, 9],
        "time_rotated": [5, 0],
        "time_rotated_due": [1, 0],
        "time_rotated_named_due": [0, 1],
        "watched": [5, 0],
        "watched_moved": [4, 1],
    }


def test_size_rotation_on_the_fast_path_matches_the_stdlib(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    name = fresh_names()

    def scenario(library: ModuleType, handlers: ModuleType, directory: Path) -> dict[str, str]:
        directory.mkdir()
        handler = handlers.RotatingFileHandler(directory / "app.log", maxBytes=600, backupCount=3)
        handler.setFormatter(library.Formatter("%(levelname)s %(name)s %(message)s"))
        logger = library.getLogger(name)
        logger.propagate = False
        logger.addHandler(handler)
        for number in range(60):
            logger.warning("record %d of the rotation test é", number)
        handler.close()
        logger.removeHandler(handler)
        return {path.name: path.read_text() for path in sorted(directory.iterdir())}

    import logging.handlers

    import femtologging.handlers

    ours = scenario(femtologging, femtologging.handlers, tmp_path / "femto")
    theirs = scenario(logging, logging.handlers, tmp_path / "std")
    assert ours == theirs
    assert sorted(ours) == ["app.log", "app.log.1", "app.log.2", "app.log.3"]


@pytest.mark.parametrize(
    "fmt",
    [
        "%(message)20000s|%(levelname).12000s",
        "%(created).70000f %(message)s",
        "{message:>20000}|{levelname:.12000}",
        "{created:.70000f} {message}",
    ],
)
def test_huge_widths_and_precisions_match_the_stdlib(
    tmp_path: Path, fresh_names: Callable[[], str], fmt: str
) -> None:
    """Widths beyond what the native renderer takes are handed to Python,
    never a Rust panic."""
    name = fresh_names()
    ours = run_file_scenario(femtologging, name, tmp_path / "femto.log", fmt)
    theirs = run_file_scenario(logging, name, tmp_path / "std.log", fmt)
    digits = re.compile(r"\d{5,}\.\d+")
    assert digits.sub("<created>", ours) == digits.sub("<created>", theirs)
    assert len(ours) > 20000 * 7


@pytest.mark.parametrize("library", [logging, femtologging], ids=["stdlib", "femtologging"])
def test_an_impossible_width_is_reported_like_the_stdlib(
    library: ModuleType, fresh_names: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = library.StreamHandler(io.StringIO())
    handler.setFormatter(library.Formatter("{message:99999999999999}", style="{"))
    logger = library.getLogger(fresh_names())
    logger.propagate = False
    logger.addHandler(handler)
    logger.warning("too wide")
    handler.close()
    assert handler.stream.getvalue() == ""
    assert "MemoryError" in capsys.readouterr().err


LOGGING_LEVEL_NAME = """
import threading
import femtologging as logging

out = logging.getLogger("out")
out.propagate = False
out.setLevel(logging.INFO)
out.addHandler(logging.FileHandler({path!r}))
out.handlers[0].setFormatter(logging.Formatter("%(levelname)s %(message)s"))
logging.getLogger("side").warning("a plan is made before the table changes")
out.info("before")

class Chatty:
    inside = threading.local()

    def __str__(self):
        if getattr(self.inside, "busy", False):
            return "CHATTY"
        self.inside.busy = True
        try:
            out.info("from __str__")
        finally:
            self.inside.busy = False
        return "CHATTY"

logging._levelToName[logging.INFO] = Chatty()
out.info("after")
logging.shutdown()
print(open({path!r}).read(), end="")
"""


def test_a_level_name_whose_str_logs_does_not_deadlock(
    tmp_path: Path, run_python: Callable[..., Any]
) -> None:
    """`str()` of a level name object is Python code; it may log, and the
    same level's name is then needed again while the first is rendered."""
    path = str(tmp_path / "chatty.log")
    result = run_python(LOGGING_LEVEL_NAME.format(path=path), timeout=60)
    assert result.returncode == 0, result.stderr
    stdlib = run_python(
        LOGGING_LEVEL_NAME.format(path=path + ".std").replace(
            "import femtologging as logging", "import logging"
        ),
        timeout=60,
    )
    assert stdlib.returncode == 0, stdlib.stderr
    assert result.stdout == stdlib.stdout
    assert result.stdout.splitlines() == ["INFO before", "CHATTY from __str__", "CHATTY after"]


def thread_name_scenario(library: ModuleType, name: str, path: Path) -> str:
    """Thread names as `threading.current_thread().name` gives them: renamed
    threads, a class that replaces the `name` property, a thread started
    outside `threading` (a dummy Thread)."""
    import _thread

    handler = library.FileHandler(path, encoding="utf-8")
    handler.setFormatter(library.Formatter("%(threadName)s|%(message)s"))
    logger = library.getLogger(name)
    logger.propagate = False
    logger.addHandler(handler)
    logger.warning("main")

    class Named(threading.Thread):
        @property  # type: ignore[override]
        def name(self) -> str:
            return "from-property"

        @name.setter
        def name(self, value: str) -> None:
            pass

    def renamed() -> None:
        threading.current_thread().name = "renamed-worker"
        logger.warning("after rename")

    for thread in (threading.Thread(target=renamed, name="worker"), Named(target=renamed)):
        thread.start()
        thread.join()
    done = threading.Event()

    def raw() -> None:
        logger.warning("raw thread")
        done.set()

    _thread.start_new_thread(raw, ())
    done.wait(10)
    handler.close()
    logger.removeHandler(handler)
    return re.sub(r"Dummy-\d+", "Dummy-N", path.read_text(encoding="utf-8"))


def test_thread_names_match_the_stdlib(tmp_path: Path, fresh_names: Callable[[], str]) -> None:
    name = fresh_names()
    ours = thread_name_scenario(femtologging, name, tmp_path / "femto.log")
    theirs = thread_name_scenario(logging, name, tmp_path / "std.log")
    assert ours == theirs
    assert ours.splitlines()[:3] == [
        "MainThread|main",
        "renamed-worker|after rename",
        "from-property|after rename",
    ]


def test_line_numbers_stay_right_across_many_code_objects(
    tmp_path: Path, fresh_names: Callable[[], str]
) -> None:
    """More distinct code objects than the call-site cache keeps, each
    logging from its own line: every line number is the stdlib's."""
    outputs = []
    for library, path in ((femtologging, tmp_path / "f.log"), (logging, tmp_path / "s.log")):
        handler = library.FileHandler(path, encoding="utf-8")
        handler.setFormatter(library.Formatter("%(funcName)s:%(lineno)d %(message)s"))
        logger = library.getLogger(fresh_names())
        logger.propagate = False
        logger.addHandler(handler)
        for i in range(5000):
            source = "\n" * (i % 50) + f"def f{i}(logger):\n    logger.warning('x')\n"
            namespace: dict[str, Any] = {}
            exec(compile(source, f"<generated {i}>", "exec"), namespace)
            namespace[f"f{i}"](logger)
        handler.close()
        outputs.append(path.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert outputs[0].splitlines()[49] == "f49:51 x"
