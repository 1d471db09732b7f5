"""Differential tests: several threads logging through one handler. Every
record is written exactly once and no line is interleaved with another;
stdlib `logging` vs femtologging."""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import api_support as support
import pytest

import femtologging

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

THREADS = 4
PER_THREAD = 3000
PAYLOAD = "x" * 300
LINE = re.compile(r"^(INFO|WARNING|ERROR) conc T(\d) (\d{5}) (x{300}) (T\d)$")


def _log_from_threads(m: ModuleType, handler: Any) -> None:
    handler.setFormatter(m.Formatter("%(levelname)s %(name)s %(message)s %(threadName)s"))
    logger = support.isolated_logger(m, "conc", handler)
    barrier = threading.Barrier(THREADS)

    def work(index: int) -> None:
        barrier.wait()
        for number in range(PER_THREAD):
            level = (m.INFO, m.WARNING, m.ERROR)[number % 3]
            logger.log(level, "T%d %05d %s", index, number, PAYLOAD)

    threads = [threading.Thread(target=work, args=(i,), name=f"T{i}") for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _check(text: str) -> list[str]:
    lines = text.split("\n")
    assert lines[-1] == "", "the output does not end with a complete line"
    lines = lines[:-1]
    matches = [LINE.match(line) for line in lines]
    bad = [line[:120] for line, match in zip(lines, matches, strict=True) if match is None]
    assert bad == [], f"{len(bad)} malformed or interleaved lines, e.g. {bad[:3]}"
    parsed = [match.groups() for match in matches if match is not None]
    assert all(thread_name == "T" + index for _, index, _, _, thread_name in parsed)
    counts = Counter(lines)
    duplicated = [line[:60] for line, count in counts.items() if count > 1]
    assert duplicated == []
    assert len(lines) == THREADS * PER_THREAD
    for thread in range(THREADS):
        numbers = [int(number) for _, index, number, _, _ in parsed if index == str(thread)]
        assert numbers == list(range(PER_THREAD)), "a thread's records are out of order"
    return sorted(lines)


@pytest.mark.parametrize("encoding", [None, "latin-1"])
def test_threads_through_a_file_handler(tmp_path: Path, encoding: str | None) -> None:
    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path, encoding=encoding)
        _log_from_threads(m, handler)
        handler.close()
        return _check(path.read_text(encoding=encoding))

    assert_same(scenario)


def test_threads_through_a_stream_handler() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m)
        _log_from_threads(m, handler)
        return _check(handler.stream.getvalue())

    assert_same(scenario)


def test_threads_through_two_handlers_on_one_logger(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        first = m.FileHandler(tmp_path / f"{m.__name__}-1.log")
        second = m.FileHandler(tmp_path / f"{m.__name__}-2.log")
        logger = m.getLogger("conc")
        logger.addHandler(second)
        _log_from_threads(m, first)
        first.close()
        second.close()
        return (
            _check((tmp_path / f"{m.__name__}-1.log").read_text()),
            (tmp_path / f"{m.__name__}-2.log").read_text().count("\n"),
        )

    assert assert_same(scenario)[1] == THREADS * PER_THREAD


def test_infos_reach_the_file_soon_without_a_flush(tmp_path: Path) -> None:
    """Records below the flush level are formatted into the handler's buffer
    by the logging thread; the worker must still write every batch out on its
    own, in order, whether the records come one at a time or in a burst."""
    path = tmp_path / "soon.log"
    handler = femtologging.FileHandler(path)
    handler.setFormatter(femtologging.Formatter("%(message)s"))
    logger = support.isolated_logger(femtologging, "soon", handler)
    expected: list[str] = []

    def wait_for(lines: list[str]) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if path.read_text().splitlines() == lines:
                return True
            time.sleep(0.001)
        return False

    for number in range(5):
        logger.info("single %d", number)
        expected.append(f"single {number}")
        assert wait_for(expected), f"line {number} not written without a flush"
    for number in range(20000):
        logger.info("burst %d", number)
        expected.append(f"burst {number}")
    assert wait_for(expected)
    handler.close()


def test_an_error_is_in_the_file_when_the_call_returns_from_any_thread(tmp_path: Path) -> None:
    """ERROR records are written by the call itself (the stdlib writes every
    record that way); infos queued before them from the same thread come
    first."""

    def scenario(m: ModuleType) -> Any:
        path = tmp_path / f"{m.__name__}.log"
        handler = m.FileHandler(path)
        handler.setFormatter(m.Formatter("%(levelname)s %(message)s"))
        logger = support.isolated_logger(m, "durable", handler)
        barrier = threading.Barrier(THREADS)
        missing: list[str] = []

        def work(index: int) -> None:
            barrier.wait()
            for number in range(400):
                logger.info("T%d info %d", index, number)
                if number % 40 == 39:
                    logger.error("T%d error %d", index, number)
                    text = path.read_text()
                    for expected in (
                        f"INFO T{index} info {number}\n",
                        f"ERROR T{index} error {number}\n",
                    ):
                        if expected not in text:
                            missing.append(expected)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        handler.close()
        return missing, len(path.read_text().splitlines())

    assert assert_same(scenario) == ([], THREADS * 410)


_MULTIPROCESSING_CHILDREN = """
import multiprocessing
import {module} as logging

handler = logging.FileHandler({path!r})
handler.setFormatter(logging.Formatter("%(processName)s %(levelname)s %(message)s"))
logger = logging.getLogger("fork")
logger.addHandler(handler)
logger.propagate = False
logger.setLevel(logging.DEBUG)
logger.warning("parent before")


def child(number):
    for index in range(100):
        logger.log({level}, "child %d line %d", number, index)
    {child_end}


if __name__ == "__main__":
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=child, args=(n,), name="Child-%d" % n) for n in range(2)
    ]
    for process in children:
        process.start()
    for process in children:
        process.join()
    logger.warning("parent after")
    handler.close()
"""

_FORKED_CHILDREN = """
import os
import {module} as logging

handler = logging.FileHandler({path!r})
logger = logging.getLogger("fork")
logger.addHandler(handler)
logger.propagate = False
logger.setLevel(logging.DEBUG)
logger.warning("parent")
for number in range(20):
    pid = os.fork()
    if pid == 0:
        logger.info("child %d", number)
        os._exit(0)
    os.waitpid(pid, 0)
handler.close()
"""


def _run_in_both(tmp_path: Path, template: str, **fields: str) -> list[list[str]]:
    results = []
    for module in ("logging", "femtologging"):
        path = tmp_path / f"{module}.log"
        code = template.format(module=module, path=str(path), **fields)
        result = support.run_python(code, tmp_path)
        assert result.returncode == 0, result.stderr
        results.append(sorted(path.read_text().splitlines()))
    return results


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize(
    ("level", "child_end"),
    [("logging.ERROR", "pass"), ("logging.INFO", "handler.flush()")],
)
def test_multiprocessing_children_log_through_an_inherited_file_handler(
    tmp_path: Path, level: str, child_end: str
) -> None:
    """Records the child writes at once (ERROR) or flushes reach the file."""
    stdlib, femto = _run_in_both(
        tmp_path, _MULTIPROCESSING_CHILDREN, level=level, child_end=child_end
    )
    assert femto == stdlib
    assert len(stdlib) == 202


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_record_survives_os_exit(tmp_path: Path) -> None:
    stdlib, femto = _run_in_both(tmp_path, _FORKED_CHILDREN)
    assert len(stdlib) == 21
    assert femto == stdlib
