"""Verification of sinks: did every record arrive, and are the bytes the stdlib's?

Used on both sides of the subprocess boundary: the child counts what arrived
right after its timed window (`Arrival`), the parent compares a library's
output with the stdlib's output for the same scenario (`compare_files`).

Only timestamps vary between two runs of a scenario, so they are the only thing
masked. No scenario prints thread or process ids; one that did would need its
own mask here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

TIMESTAMP = rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}"
# python-json-logger's `timestamp`: the creation time in ISO 8601, UTC.
ISO_TIMESTAMP = rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?\+00:00"
_TIMESTAMP_RE = re.compile(ISO_TIMESTAMP + b"|" + TIMESTAMP)
_MASK = b"<asctime>"
_SHOWN = 110  # characters of a differing line shown in the report


@dataclass(frozen=True)
class Arrival:
    """What a sink received compared with what was sent."""

    expected: int
    found: int | None  # None: the sink could not be counted
    unit: str = "records"
    problem: str = ""

    @property
    def ok(self) -> bool | None:
        if self.found is None:
            return None
        return self.found == self.expected and not self.problem

    def describe(self) -> str:
        if self.found is None:
            return f"not verifiable: {self.problem or 'sink not countable'}"
        text = f"{self.found} of {self.expected} {self.unit} arrived"
        return f"{text}; {self.problem}" if self.problem else text

    def to_json(self) -> dict[str, object]:
        return {
            "expected": self.expected,
            "found": self.found,
            "unit": self.unit,
            "problem": self.problem,
        }


def line_pattern(body: bytes) -> re.Pattern[bytes]:
    """A whole line: a timestamp, then `body` (a regex), then the newline.

    Any text is accepted where the timestamp goes: a record with a wrong
    timestamp still arrived; the comparison with the stdlib's bytes reports it.
    """
    return re.compile(rb"[^\n]*?" + body + rb"\n")


def count_lines(path: Path, pattern: re.Pattern[bytes], expected: int) -> Arrival:
    """Every line must match `pattern` in full; a torn or interleaved line is reported."""
    found = 0
    problem = ""
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            if pattern.fullmatch(line):
                found += 1
            elif not problem:
                problem = f"line {number} malformed: {_shorten(line)}"
    return Arrival(expected, found, problem=problem)


def count_headers(path: Path, pattern: re.Pattern[bytes], expected: int) -> Arrival:
    """Counts the lines that start a record (the rest, e.g. tracebacks, is compared later)."""
    with open(path, "rb") as stream:
        found = sum(1 for line in stream if pattern.fullmatch(line))
    return Arrival(expected, found)


def count_numbered(path: Path, pattern: re.Pattern[bytes], expected: int) -> Arrival:
    """Each record carries a distinct number 0..expected-1: each must appear exactly once."""
    seen = bytearray(expected)
    found = 0
    problem = ""
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            match = pattern.fullmatch(line)
            if match is None:
                problem = problem or f"line {number} malformed: {_shorten(line)}"
                continue
            value = int(match.group(1))
            if 0 <= value < expected and not seen[value]:
                seen[value] = 1
                found += 1
            else:
                problem = problem or f"line {number} duplicated or unexpected: {_shorten(line)}"
    return Arrival(expected, found, problem=problem)


def mask(line: bytes) -> bytes:
    return _TIMESTAMP_RE.sub(_MASK, line)


@dataclass(frozen=True)
class Difference:
    line: int
    reference: bytes | None  # None: the reference ended first
    other: bytes | None  # None: the other output ended first

    def describe(self, reference_name: str = "stdlib") -> str:
        def shown(value: bytes | None) -> str:
            return "<end of output>" if value is None else _shorten(value)

        return (
            f"first difference at line {self.line}: {reference_name} {shown(self.reference)}"
            f" / got {shown(self.other)}"
        )


def compare_files(reference: Path, other: Path, order_free: bool = False) -> Difference | None:
    """The first masked line that differs (line endings included), or None if equal.

    `order_free` compares the sorted lines, for outputs written by several threads.
    """
    with open(reference, "rb") as ref_stream, open(other, "rb") as other_stream:
        ref_lines = (mask(line) for line in ref_stream)
        other_lines = (mask(line) for line in other_stream)
        if order_free:
            ref_lines = iter(sorted(ref_lines))
            other_lines = iter(sorted(other_lines))
        pairs = itertools.zip_longest(ref_lines, other_lines)
        for number, (ref_line, other_line) in enumerate(pairs, 1):
            if ref_line != other_line:
                return Difference(number, ref_line, other_line)
    return None


def _shorten(line: bytes) -> str:
    text = repr(line)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
