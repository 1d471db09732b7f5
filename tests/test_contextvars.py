"""Bound context (`femtologging.contextvars`) against what apps do with the stdlib.

With the stdlib, request-scoped values reach every record through a Filter
that copies them from a `ContextVar` onto the record when the record has no
such attribute (an `extra` key wins). Each scenario here runs that under
`logging` and `bind_contextvars` under `femtologging`, and compares the bytes
written; `_path_counts()` shows the bound records stay on the fast path.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import pytest

import femtologging
import femtologging.json
from femtologging._femtologging_rs import _path_counts
from femtologging.contextvars import (
    bind_contextvars,
    bound_contextvars,
    clear_contextvars,
    get_contextvars,
    reset_contextvars,
    unbind_contextvars,
)

#: The stdlib app's own context: what it binds, its Filter copies onto records.
STDLIB_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "stdlib_app_context", default=MappingProxyType({})
)


class ContextFilter(logging.Filter):
    """The usual hand-written stdlib recipe."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in STDLIB_CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def bind(library: ModuleType, **values: Any) -> None:
    if library is logging:
        STDLIB_CONTEXT.set({**STDLIB_CONTEXT.get(), **values})
    else:
        bind_contextvars(**values)


@pytest.fixture(autouse=True)
def empty_context() -> Iterator[None]:
    """Each test starts and ends with nothing bound, in both libraries."""
    clear_contextvars()
    STDLIB_CONTEXT.set({})
    yield
    clear_contextvars()
    STDLIB_CONTEXT.set({})


def file_logger(library: ModuleType, name: str, path: Path, formatter: Any) -> Any:
    handler = library.FileHandler(path, encoding="utf-8")
    handler.setFormatter(formatter)
    logger = library.getLogger(name)
    logger.propagate = False
    logger.setLevel(library.DEBUG)
    logger.addHandler(handler)
    if library is logging:
        logger.addFilter(ContextFilter())
    return logger


def log_with_context(library: ModuleType, logger: Any) -> None:
    bind(library, request_id="r-41", user=7)
    logger.info("served %s", "/home")
    logger.warning("extra wins", extra={"user": "explicit", "route": "/a"})
    bind(library, user=None, ratio=0.5, tags=["a", "b"])
    logger.error("rebound")
    logger.debug("unicode ✓ %d", 3)


def run_scenario(library: ModuleType, name: str, path: Path, formatter: Any) -> str:
    logger = file_logger(library, name, path, formatter)
    log_with_context(library, logger)
    for handler in logger.handlers:
        handler.close()
    return path.read_text(encoding="utf-8")


TEXT_FORMATS = [
    "%(levelname)s %(request_id)s %(user)s %(message)s",
    "{levelname} {request_id} {user!s:>10} {message}",
    "$levelname $request_id $user: $message",
]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_bound_values_reach_text_records_as_a_filter_puts_them(
    tmp_path: Path, names: Callable[[str], str], fmt: str
) -> None:
    name = names("text")
    style = fmt[0] if fmt[0] in "{$" else "%"
    expected = run_scenario(
        logging, name, tmp_path / "std.log", logging.Formatter(fmt, style=style)
    )
    before = _path_counts()
    actual = run_scenario(
        femtologging, name, tmp_path / "femto.log", femtologging.Formatter(fmt, style=style)
    )
    after = _path_counts()
    assert actual == expected
    assert "explicit" in actual.splitlines()[1] and "r-41" in actual.splitlines()[1]
    assert (after[0] - before[0], after[1] - before[1]) == (4, 0)


def test_bound_values_reach_json_lines_as_with_python_json_logger(
    tmp_path: Path, names: Callable[[str], str]
) -> None:
    pjl = pytest.importorskip("pythonjsonlogger.json")
    name = names("json")
    fmt = "%(levelname)s %(name)s %(message)s"
    expected = run_scenario(logging, name, tmp_path / "std.log", pjl.JsonFormatter(fmt))
    before = _path_counts()
    actual = run_scenario(
        femtologging, name, tmp_path / "femto.log", femtologging.json.JsonFormatter(fmt)
    )
    after = _path_counts()
    assert actual == expected
    lines = [json.loads(line) for line in actual.splitlines()]
    assert lines[1]["user"] == "explicit" and lines[1]["request_id"] == "r-41"
    assert lines[2]["tags"] == ["a", "b"] and lines[2]["user"] is None
    assert (after[0] - before[0], after[1] - before[1]) == (4, 0)


def test_bound_values_on_the_python_path_match_too(
    tmp_path: Path, names: Callable[[str], str]
) -> None:
    """A Formatter subclass keeps records on the Python path; they carry the
    bound values the same way."""

    def subclass(library: ModuleType) -> Any:
        class Tagged(library.Formatter):  # type: ignore[name-defined,misc]
            def format(self, record: Any) -> str:
                return "tagged " + super().format(record)

        return Tagged("%(request_id)s %(user)s %(message)s")

    name = names("python")
    expected = run_scenario(logging, name, tmp_path / "std.log", subclass(logging))
    actual = run_scenario(femtologging, name, tmp_path / "femto.log", subclass(femtologging))
    assert actual == expected
    assert actual.startswith("tagged r-41 7 served /home\n")


@pytest.mark.stdlib_bridge
def test_stdlib_library_records_carry_the_bound_values(
    names: Callable[[str], str],
) -> None:
    """A library that keeps `import logging` logs into the app's femtologging
    handlers; its records carry the app's bound values too."""
    app = names("app")
    buffer = io.StringIO()
    stream = femtologging.StreamHandler(buffer)
    stream.setFormatter(femtologging.Formatter("%(name)s %(request_id)s %(message)s"))
    femtologging.getLogger(app).addHandler(stream)
    femtologging.getLogger(app).setLevel("INFO")
    with bound_contextvars(request_id="lib-9"):
        logging.getLogger(f"{app}.library").info("from a library")
        femtologging.getLogger(app).info("from the app")
    assert buffer.getvalue() == (f"{app}.library lib-9 from a library\n{app} lib-9 from the app\n")


@pytest.mark.stdlib_bridge
def test_femtologging_records_reaching_stdlib_handlers_carry_the_bound_values(
    names: Callable[[str], str],
) -> None:
    app = names("tostd")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logging.getLogger(app).addHandler(Keep())
    logging.getLogger(app).setLevel("INFO")
    bind_contextvars(request_id="x-1")
    femtologging.getLogger(app).info("hello", extra={"request_id": "mine"})
    femtologging.getLogger(app).info("again")
    assert [(r.getMessage(), r.request_id) for r in records] == [  # type: ignore[attr-defined]
        ("hello", "mine"),
        ("again", "x-1"),
    ]


@pytest.mark.parametrize("key", ["message", "asctime", "levelname", "msg", "args", "exc_info"])
def test_binding_a_record_attribute_raises_the_stdlib_extra_error(key: str) -> None:
    record_factory = logging.getLogger("ctx.reserved")
    with pytest.raises(KeyError) as stdlib_error:
        record_factory.makeRecord("n", logging.INFO, "f", 1, "m", (), None, extra={key: 1})
    with pytest.raises(KeyError) as ours:
        bind_contextvars(fine=1, **{key: 1})
    assert str(ours.value) == str(stdlib_error.value)
    assert get_contextvars() == {}


def test_bind_reset_unbind_clear_and_the_block_form() -> None:
    tokens = bind_contextvars(a=1, b=2)
    inner = bind_contextvars(b=3, c=4)
    assert get_contextvars() == {"a": 1, "b": 3, "c": 4}
    reset_contextvars(**inner)
    assert get_contextvars() == {"a": 1, "b": 2}
    with bound_contextvars(a="block", d=5):
        assert get_contextvars() == {"a": "block", "b": 2, "d": 5}
        with bound_contextvars(d=6):
            assert get_contextvars()["d"] == 6
        assert get_contextvars()["d"] == 5
    assert get_contextvars() == {"a": 1, "b": 2}
    unbind_contextvars("a", "missing")
    assert get_contextvars() == {"b": 2}
    copy = get_contextvars()
    copy["z"] = 1
    assert get_contextvars() == {"b": 2}
    reset_contextvars(**tokens)
    assert get_contextvars() == {}
    bind_contextvars(q=1)
    clear_contextvars()
    assert get_contextvars() == {}


def test_the_block_form_restores_after_an_exception() -> None:
    bind_contextvars(request_id="outer")
    with pytest.raises(RuntimeError), bound_contextvars(request_id="inner"):
        raise RuntimeError("boom")
    assert get_contextvars() == {"request_id": "outer"}


def test_each_asyncio_task_sees_its_own_values(tmp_path: Path, names: Callable[[str], str]) -> None:
    """Interleaved requests in one event loop: each record carries its own
    task's request id; the loop's own context is untouched."""
    name = names("tasks")
    logger = file_logger(
        femtologging,
        name,
        tmp_path / "tasks.log",
        femtologging.Formatter("%(request_id)s %(message)s"),
    )
    bind_contextvars(request_id="loop")

    async def request(number: int) -> None:
        bind_contextvars(request_id=f"req-{number}")
        for step in range(20):
            logger.info("%d step %d", number, step)
            await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(request(n) for n in range(10)))
        logger.info("after")

    asyncio.run(main())
    logger.handlers[0].close()
    lines = (tmp_path / "tasks.log").read_text().splitlines()
    assert len(lines) == 201
    for line in lines[:-1]:
        request_id, number, _ = line.split(" ", 2)
        assert request_id == f"req-{number}"
    assert lines[-1] == "loop after"
    assert get_contextvars() == {"request_id": "loop"}


def test_each_thread_sees_its_own_values(tmp_path: Path, names: Callable[[str], str]) -> None:
    name = names("threads")
    logger = file_logger(
        femtologging,
        name,
        tmp_path / "threads.log",
        femtologging.Formatter("%(worker)s %(message)s"),
    )
    start = threading.Barrier(4)

    def work(number: int) -> None:
        bind_contextvars(worker=f"w{number}")
        start.wait()
        for i in range(500):
            logger.info("w%d %d", number, i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logger.handlers[0].close()
    lines = (tmp_path / "threads.log").read_text().splitlines()
    assert len(lines) == 2000
    assert all(line.split(" ")[0] == line.split(" ")[1] for line in lines)
    assert get_contextvars() == {}


def test_a_value_the_fast_path_cannot_write_falls_back_with_the_same_output(
    tmp_path: Path, names: Callable[[str], str]
) -> None:
    """A bound object with its own __str__ is rendered by Python, as the
    stdlib renders it."""

    class Account:
        def __str__(self) -> str:
            return "account#12"

    def scenario(library: ModuleType, path: Path) -> str:
        logger = file_logger(
            library, name, path, library.Formatter("%(account)s %(request_id)s %(message)s")
        )
        bind(library, account=Account(), request_id="r")
        logger.info("charged")
        logger.handlers[0].close()
        return path.read_text()

    name = names("objects")
    assert scenario(femtologging, tmp_path / "f.log") == scenario(logging, tmp_path / "s.log")
    assert (tmp_path / "f.log").read_text() == "account#12 r charged\n"
