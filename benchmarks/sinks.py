"""Sinks used inside the subprocess: a discarding stream, fd 2 redirection, byte counters.

The timed runs cannot keep what a discarding stream or /dev/null receives, so
they count it instead: the discarding stream counts the newlines it is given,
and for /dev/null the kernel's per-process count of bytes passed to write(2)
(`wchar` in /proc/self/io) is read before and after. The untimed verification
runs swap both for sinks that keep the text, so its bytes can be compared.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DiscardStream:
    """A file-like object whose write() keeps nothing; it only counts the lines it is given."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass


class KeepingStream(DiscardStream):
    """The verification stand-in for DiscardStream: same interface, keeps the text."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return super().write(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def written_bytes() -> int | None:
    """Bytes this process has passed to write(2) so far (all threads), or None if unknown."""
    try:
        with open("/proc/self/io", "rb") as io_stats:
            for line in io_stats:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@contextmanager
def stderr_redirected(target: Path | None) -> Iterator[None]:
    """Points fd 2 at `target` (None: /dev/null) and puts it back afterwards.

    `sys.stderr` keeps its Python object; only the descriptor under it moves, as
    it would when a program's stderr is redirected by its parent.
    """
    path = os.devnull if target is None else str(target)
    sys.stderr.flush()
    saved = os.dup(2)
    sink = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(sink, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)
