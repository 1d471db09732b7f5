"""Differential tests: Handler and its subclasses (emit/handle/filter/format,
locks, handleError), StreamHandler, FileHandler and NullHandler; stdlib
`logging` vs femtologging."""

from __future__ import annotations

import codecs
import io
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

FMT = "%(levelname)s:%(name)s:%(message)s"


# --------------------------------------------------------------------------
# Handler


def test_handler_subclass_emit_handle_filter_format() -> None:
    def scenario(m: ModuleType) -> Any:
        emitted: list[str] = []

        class Collecting(m.Handler):  # type: ignore[name-defined,misc]
            def emit(self, record: Any) -> None:
                emitted.append(self.format(record))

        handler = Collecting(m.INFO)
        handler.setFormatter(m.Formatter("<%(levelname)s %(message)s>"))
        logger = support.isolated_logger(m, "hdl.sub", handler)
        logger.debug("below the handler level")
        logger.info("info")
        handler.setLevel("ERROR")
        logger.warning("below again")
        logger.error("error")
        handler.addFilter(lambda record: record.levelno > 40)
        logger.error("filtered")
        logger.critical("critical")
        verdicts = [
            handler.handle(m.makeLogRecord({"msg": "direct", "levelno": 50})),
            handler.handle(m.makeLogRecord({"msg": "rejected", "levelno": 10})),
        ]
        return emitted, [type(v).__name__ for v in verdicts], handler.level

    emitted, _, level = assert_same(scenario)
    assert emitted[:2] == ["<INFO info>", "<ERROR error>"] and level == 40


def test_handler_defaults_and_name() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.Handler()
        state = [handler.level, handler.formatter, handler.filters, handler.name, handler._closed]
        handler.name = "hdl-named"
        state += [handler.get_name(), m._handlers.get("hdl-named") is handler]
        handler.set_name(None)
        state += [handler.name, "hdl-named" in m._handlers, repr(handler)]
        handler.setLevel(25)
        state.append(repr(handler))
        handler.close()
        state.append(handler._closed)
        state.append(support.outcome(lambda _: handler.emit(m.makeLogRecord({})), m))
        state.append(support.outcome(lambda _: handler.handle(m.makeLogRecord({})), m))
        handler.flush()
        return state

    assert_same(scenario)


def test_handler_lock() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.Handler()
        handler.acquire()
        owned = handler.lock._is_owned()
        handler.acquire()
        handler.release()
        handler.release()
        handler.createLock()
        return type(handler.lock).__name__, owned, handler.lock._is_owned()

    assert assert_same(scenario)[1] is True


def test_acquire_and_release_are_the_lock_hooks() -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[str] = []

        class Hooked(m.StreamHandler):  # type: ignore[name-defined,misc]
            def acquire(self) -> None:
                calls.append("acquire")
                super().acquire()

            def release(self) -> None:
                calls.append("release")
                super().release()

        handler = Hooked(io.StringIO())
        logger = support.isolated_logger(m, "hdl.hooks", handler)
        logger.warning("one")
        handled = list(calls)
        handler.setStream(io.StringIO())
        return handled, calls

    assert_same(scenario)


def test_handler_without_a_lock() -> None:
    def scenario(m: ModuleType) -> Any:
        emitted: list[str] = []

        class Lockless(m.Handler):  # type: ignore[name-defined,misc]
            def createLock(self) -> None:
                self.lock = None

            def emit(self, record: Any) -> None:
                emitted.append(record.getMessage())

        handler = Lockless()
        logger = support.isolated_logger(m, "hdl.lockless", handler)
        result = support.outcome(lambda _: logger.warning("no lock"), m)
        handler.acquire()
        handler.release()
        return result, emitted

    assert_same(scenario)


def _failing_handler(m: ModuleType) -> Any:
    class Failing(m.Handler):  # type: ignore[name-defined,misc]
        def emit(self, record: Any) -> None:
            try:
                raise RuntimeError("emit failed")
            except RuntimeError:
                self.handleError(record)

    return Failing()


@pytest.mark.parametrize("case", ["emit raises", "bad arguments", "bad message object"])
@pytest.mark.parametrize("raise_exceptions", [True, False])
def test_handle_error_output(case: str, raise_exceptions: bool) -> None:
    def scenario(m: ModuleType) -> Any:
        m.raiseExceptions = raise_exceptions
        if case == "emit raises":
            handler = _failing_handler(m)
        else:
            handler = support.stream_handler(m, FMT)
        logger = support.isolated_logger(m, "hdl.error", handler)

        class Unprintable:
            def __str__(self) -> str:
                raise ValueError("no str")

            def __repr__(self) -> str:
                raise ValueError("no repr")

        with support.captured_stderr() as err:
            if case == "bad message object":
                logger.warning(Unprintable(), Unprintable())
            else:
                logger.warning("%d items", "not a number")
            logger.warning("afterwards")
        written = handler.stream.getvalue() if hasattr(handler, "stream") else None
        return support.strip_library_frames(err.getvalue()), written

    stderr, _ = assert_same(scenario)
    assert ("--- Logging error ---" in stderr) is raise_exceptions
    if raise_exceptions:
        assert "Call stack:" in stderr and "Message: " in stderr or "Unable to print" in stderr


def test_handle_error_message_and_arguments_lines() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT)
        logger = support.isolated_logger(m, "hdl.msgargs", handler)
        with support.captured_stderr() as err:
            logger.warning("%s %s", "only one")
            logger.warning("%(a)s %(b)s", {"a": 1})
        lines = err.getvalue().splitlines()
        return [line for line in lines if line.startswith(("Message:", "Arguments:"))]

    assert assert_same(scenario) == [
        "Message: '%s %s'",
        "Arguments: ('only one',)",
        "Message: '%(a)s %(b)s'",
        "Arguments: {'a': 1}",
    ]


def test_handle_error_without_stderr() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT)
        logger = support.isolated_logger(m, "hdl.nostderr", handler)
        saved = sys.stderr
        sys.stderr = None  # type: ignore[assignment]
        try:
            result = support.outcome(lambda _: logger.warning("%d", "x"), m)
        finally:
            sys.stderr = saved
        return result, handler.stream.getvalue()

    assert_same(scenario)


def test_handle_error_outside_an_exception() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.Handler()
        record = m.makeLogRecord({"msg": "m", "lineno": 3, "pathname": "/x/y.py"})
        with support.captured_stderr() as err:
            result = support.outcome(lambda _: handler.handleError(record), m)
        return result, err.getvalue()

    assert_same(scenario)


# --------------------------------------------------------------------------
# StreamHandler


def test_stream_handler_defaults_to_stderr_at_construction() -> None:
    def scenario(m: ModuleType) -> Any:
        with support.captured_stderr() as first:
            handler = m.StreamHandler()
        handler.setFormatter(m.Formatter(FMT))
        logger = support.isolated_logger(m, "hdl.stderr", handler)
        with support.captured_stderr() as second:
            logger.warning("goes to the first")
        return first.getvalue(), second.getvalue(), handler.stream is first, handler.terminator

    assert assert_same(scenario)[:3] == ("WARNING:hdl.stderr:goes to the first\n", "", True)


def test_stream_handler_on_any_file_like() -> None:
    def scenario(m: ModuleType) -> Any:
        class WriteOnly:
            def __init__(self) -> None:
                self.parts: list[str] = []

            def write(self, text: str) -> None:
                self.parts.append(text)

        class Flushing(WriteOnly):
            def __init__(self) -> None:
                super().__init__()
                self.flushes = 0

            def flush(self) -> None:
                self.flushes += 1

        plain, flushing = WriteOnly(), Flushing()
        logger = support.isolated_logger(
            m, "hdl.filelike", m.StreamHandler(plain), m.StreamHandler(flushing)
        )
        logger.warning("one")
        logger.error("two %s", 2)
        return plain.parts, flushing.parts, flushing.flushes

    assert assert_same(scenario)[0] == ["one\n", "two 2\n"]


def test_stream_whose_flush_raises_attribute_error() -> None:
    """An AttributeError from inside `flush` is the stream's failure, one
    from looking `flush` up means there is none to call."""

    def scenario(m: ModuleType) -> Any:
        class BrokenFlush:
            def __init__(self) -> None:
                self.parts: list[str] = []

            def write(self, text: str) -> None:
                self.parts.append(text)

            def flush(self) -> None:
                raise AttributeError("flush lost its buffer")

        class LooksUpNothing(BrokenFlush):
            def __getattribute__(self, name: str) -> Any:
                if name == "flush":
                    raise AttributeError(name)
                return super().__getattribute__(name)

        broken, nothing = BrokenFlush(), LooksUpNothing()
        logger = support.isolated_logger(
            m, "hdl.flushes", m.StreamHandler(broken), m.StreamHandler(nothing)
        )
        with support.captured_stderr() as err:
            logger.warning("one")
            logger.error("two %s", 2)
        errors = support.strip_library_frames(err.getvalue()).split("--- Logging error ---\n")
        return broken.parts, nothing.parts, errors[1:]

    broken, nothing, errors = assert_same(scenario)
    assert broken == nothing == ["one\n", "two 2\n"]
    assert len(errors) == 2 and "flush lost its buffer" in errors[0]


def test_stream_that_fails() -> None:
    """A stream whose writes fail with an OS error fails for every record:
    the stdlib prints a traceback for each; femtologging prints the first
    one as the stdlib does, and the count of the others at close."""

    def scenario(m: ModuleType) -> list[str]:
        class Broken:
            def write(self, text: str) -> None:
                raise OSError(28, "No space left on device")

        handler = m.StreamHandler(Broken())
        logger = support.isolated_logger(m, "hdl.broken", handler)
        with support.captured_stderr() as err:
            for _ in range(3):
                logger.warning("lost")
            handler.close()
        return support.strip_library_frames(err.getvalue()).split("--- Logging error ---\n")[1:]

    stdlib, femto = support.run_both(scenario)
    assert len(stdlib) == 3
    assert femto[0] == stdlib[0]
    assert len(femto) == 2
    assert femto[1].endswith(": 2 more failed write(s) after the one(s) reported above\n")


@pytest.mark.parametrize("terminator", ["", "\r\n", "|", "\n\n"], ids=repr)
def test_terminator(terminator: str) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT)
        handler.terminator = terminator
        logger = support.isolated_logger(m, "hdl.term", handler)
        logger.warning("a")
        logger.warning("b")
        return handler.stream.getvalue()

    assert_same(scenario)


def test_set_stream() -> None:
    def scenario(m: ModuleType) -> Any:
        first, second = io.StringIO(), io.StringIO()
        handler = m.StreamHandler(first)
        logger = support.isolated_logger(m, "hdl.setstream", handler)
        logger.warning("first")
        old = handler.setStream(second)
        same = handler.setStream(second)
        logger.warning("second")
        return old is first, same, first.getvalue(), second.getvalue()

    assert assert_same(scenario) == (True, None, "first\n", "second\n")


def test_stream_handler_repr(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        class Named(io.StringIO):
            name = 3

        reprs = [repr(m.StreamHandler(io.StringIO())), repr(m.StreamHandler(Named()))]
        handler = m.StreamHandler(sys.__stderr__)
        handler.setLevel(m.ERROR)
        reprs.append(repr(handler))
        with open(tmp_path / "named.txt", "w") as stream:
            reprs.append(repr(m.StreamHandler(stream)).replace(str(tmp_path), "<tmp>"))
        reprs.append(repr(m.NullHandler()))
        reprs.append(repr(m.lastResort))
        return reprs

    assert assert_same(scenario)[0] == "<StreamHandler (NOTSET)>"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="StreamHandler[...] is 3.11+")
def test_stream_handler_is_generic() -> None:
    assert_same(lambda m: repr(m.StreamHandler[io.StringIO]).replace(m.__name__, "<module>"))


# --------------------------------------------------------------------------
# FileHandler


def _write_through(
    m: ModuleType, path: Path, messages: list[str], **kwargs: Any
) -> tuple[Any, str]:
    handler = m.FileHandler(path, **kwargs)
    handler.setFormatter(m.Formatter(FMT))
    logger = support.isolated_logger(m, "hdl.file", handler)
    with support.captured_stderr() as err:
        for message in messages:
            logger.warning(message)
    logger.removeHandler(handler)
    handler.close()
    return handler, support.strip_library_frames(err.getvalue())


def _file_scenario(tmp_path: Path, messages: list[str], runs: int = 1, **kwargs: Any) -> Any:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        path.unlink(missing_ok=True)
        errors = []
        for _ in range(runs):
            _, stderr = _write_through(m, path, messages, **kwargs)
            errors.append(stderr)
        return path.read_bytes(), errors

    return scenario


ENCODINGS: list[tuple[str | None, str | None]] = [
    (None, None),
    ("utf-8", None),
    ("latin-1", None),
    ("cp1252", None),
    ("utf-16", None),
    ("utf-16-le", None),
    ("utf-32", None),
    ("utf-8-sig", None),
    ("ascii", "backslashreplace"),
    ("ascii", "replace"),
    ("ascii", "ignore"),
    ("ascii", "xmlcharrefreplace"),
    ("latin-1", "strict"),
    ("latin-1", "surrogateescape"),
]


@pytest.mark.parametrize(("encoding", "errors"), ENCODINGS)
def test_file_handler_encodings(tmp_path: Path, encoding: str | None, errors: str | None) -> None:
    messages = ["ascii", "café £5", "snowman ☃", "emoji 🎉", "surrogate \udcff", "last"]
    data, stderr = assert_same(_file_scenario(tmp_path, messages, encoding=encoding, errors=errors))
    assert data.decode(encoding or "utf-8", "replace").count("last") == 1


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-16"),
        pytest.param("utf-32"),
        pytest.param("utf-8-sig"),
        "utf-16-be",
        "latin-1",
    ],
)
def test_file_handler_appending_with_a_bom_encoding(tmp_path: Path, encoding: str) -> None:
    data, _ = assert_same(_file_scenario(tmp_path, ["héllo"], runs=3, encoding=encoding))
    assert data.decode(encoding).count("héllo") == 3


@pytest.mark.parametrize("mode", ["a", "w", "at", "a+", "w+"])
def test_file_handler_modes(tmp_path: Path, mode: str) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}-{mode.replace('+', 'plus')}.log"
        path.write_text("existing\n")
        handler, _ = _write_through(m, path, ["one", "two"], mode=mode)
        return path.read_text(), handler.mode, handler.stream

    assert "two" in assert_same(scenario)[0]


@pytest.mark.parametrize("mode", ["x", "ab", "r"])
def test_file_handler_unusual_modes(tmp_path: Path, mode: str) -> None:
    def scenario(m: ModuleType) -> Any:
        directory = tmp_path / m.__name__
        directory.mkdir()
        path = directory / f"{mode}.log"
        path.write_text("existing\n")
        result = support.outcome(lambda _: _write_through(m, path, ["one"], mode=mode)[1], m)
        if isinstance(result, support.Raised):
            result = support.Raised(
                tuple((kind, text.replace(str(directory), "<dir>")) for kind, text in result.chain)
            )
        return result, path.read_text()

    assert_same(scenario)


def test_file_handler_attributes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def scenario(m: ModuleType) -> Any:
        results = []
        for name, kwargs in [
            ("relative.log", {}),
            (Path("pathlike.log"), {"encoding": "latin-1", "errors": "replace"}),
            ("delayed.log", {"delay": True, "mode": "w"}),
            ("binary.log", {"mode": "ab"}),
        ]:
            handler = m.FileHandler(name, **kwargs)
            results.append(
                (
                    handler.baseFilename == str(tmp_path / name),
                    handler.mode,
                    handler.encoding,
                    handler.errors,
                    handler.delay,
                    handler.stream is None,
                    repr(handler).replace(str(tmp_path), "<tmp>"),
                    handler.terminator,
                    handler.level,
                )
            )
            handler.close()
            os.remove(name) if os.path.exists(name) else None
        return results

    assert_same(scenario)


def test_file_handler_stream_attributes(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.FileHandler(tmp_path / f"{m.__name__}.log", encoding="latin-1")
        stream = handler.stream
        view = (
            stream.name == handler.baseFilename,
            stream.encoding,
            stream.errors,
            stream.mode,
            stream.closed,
            stream.writable(),
        )
        handler.close()
        return view, stream.closed

    assert_same(scenario)


def test_file_handler_stream_writes_and_tell(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path, mode="w")
        logger = support.isolated_logger(m, "hdl.direct", handler)
        handler.stream.write("direct\n")
        logger.warning("record")
        handler.stream.write("after\n")
        handler.flush()
        position = handler.stream.tell()
        flushed = path.read_text()
        handler.close()
        return flushed, position, path.read_text()

    assert assert_same(scenario)[0] == "direct\nrecord\nafter\n"


def test_file_handler_delay(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path, delay=True)
        logger = support.isolated_logger(m, "hdl.delay", handler)
        states = [path.exists(), handler.stream is None]
        logger.warning("opens now")
        states += [path.exists(), handler.stream is None]
        handler.close()
        never = m.FileHandler(tmp_path / f"{m.__name__}-never.log", delay=True)
        never.close()
        states.append((tmp_path / f"{m.__name__}-never.log").exists())
        return states, path.read_text()

    assert assert_same(scenario) == ([False, True, True, False, False], "opens now\n")


@pytest.mark.parametrize("mode", ["a", "w"])
def test_file_handler_after_close(tmp_path: Path, mode: str) -> None:
    """After close(), an 'a' handler reopens on the next record, a 'w' one does not."""

    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path, mode=mode)
        logger = support.isolated_logger(m, "hdl.closed", handler)
        logger.warning("before")
        handler.close()
        with support.captured_stderr() as err:
            logger.warning("after")
        reopened = handler.stream is not None
        handler.close()
        return path.read_text(), reopened, err.getvalue()

    assert assert_same(scenario)[0].startswith("before\n")


def test_file_handler_content_after_flush_and_error_level(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path)
        logger = support.isolated_logger(m, "hdl.visible", handler)
        logger.error("error is on disk when the call returns")
        seen = [path.read_text()]
        logger.warning("warning is on disk after flush()")
        handler.flush()
        seen.append(path.read_text())
        handler.close()
        return seen

    assert assert_same(scenario)[1].count("\n") == 2


def test_file_handler_subclass_open(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        opened: list[str] = []

        class Memory(m.FileHandler):  # type: ignore[name-defined,misc]
            def _open(self) -> Any:
                opened.append(os.path.basename(self.baseFilename))
                return io.StringIO()

        handler = Memory(tmp_path / "memory.log")
        logger = support.isolated_logger(m, "hdl.memory", handler)
        logger.warning("kept in memory")
        text = handler.stream.getvalue()
        handler.close()
        return opened, text, (tmp_path / "memory.log").exists()

    assert assert_same(scenario) == (["memory.log"], "kept in memory\n", False)


def test_file_handler_many_records_in_order(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path, encoding="utf-16")
        handler.setFormatter(m.Formatter("%(levelname)s %(message)s"))
        logger = support.isolated_logger(m, "hdl.many", handler)
        for index in range(5000):
            logger.log(10 + index % 41, "record %05d ☃", index)
        handler.close()
        return codecs.decode(path.read_bytes(), "utf-16")

    text = assert_same(scenario)
    assert text.count("\n") == 5000


# --------------------------------------------------------------------------
# NullHandler


def test_null_handler() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.NullHandler()
        logger = m.getLogger("hdl.null")
        logger.addHandler(handler)
        with support.captured_stderr() as err:
            logger.warning("swallowed, and no lastResort output")
        return (
            handler.lock,
            handler.handle(m.makeLogRecord({})),
            handler.emit(m.makeLogRecord({})),
            err.getvalue(),
            handler.level,
        )

    assert assert_same(scenario) == (None, None, None, "", 0)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.xfail(
    strict=True,
    reason="a failed write of FileHandler's worker is reported on fd 2 as "
    "\"FileHandler('/dev/full'): could not write a record: No space left on device "
    "(os error 28)\", not as the stdlib's handleError report (traceback ending in "
    "'OSError: [Errno 28] No space left on device', 'Call stack:', 'Message:', 'Arguments:')",
)
def test_file_handler_write_error_is_reported_like_handle_error(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.FileHandler("/dev/full")
        logger = support.isolated_logger(m, "hdl.full", handler)
        capfd.readouterr()
        logger.error("disk %s", "full")
        support.outcome(lambda _: handler.close(), m)
        sys.stderr.flush()
        report = capfd.readouterr().err
        first = report.split("--- Logging error ---")[:2]
        return [support.strip_library_frames(block) for block in first]

    blocks = assert_same(scenario)
    assert "OSError: [Errno 28] No space left on device" in blocks[1]
