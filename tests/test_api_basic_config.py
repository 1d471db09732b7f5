"""Differential tests: basicConfig with every keyword, and its errors;
stdlib `logging` vs femtologging."""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same


def _root_view(m: ModuleType, tmp: Path) -> list[Any]:
    view = []
    for handler in m.root.handlers:
        formatter = handler.formatter
        view.append(
            (
                type(handler).__name__,
                repr(handler).replace(str(tmp), "<tmp>"),
                getattr(handler, "encoding", "-"),
                getattr(handler, "errors", "-"),
                getattr(handler, "mode", "-"),
                formatter and formatter._fmt,
                formatter and formatter.datefmt,
                formatter and type(formatter._style).__name__,
            )
        )
    return [m.root.level, view]


def _log_some(m: ModuleType) -> None:
    m.debug("debug %s", "d")
    m.info("info")
    m.warning("warning ☃ é")
    m.getLogger("bc.child").error("child error")


CONFIGS: list[dict[str, Any]] = [
    {},
    {"level": "DEBUG"},
    {"level": 15},
    {"format": "%(name)s/%(levelname)s/%(message)s"},
    {"format": "{name}:{message}", "style": "{"},
    {"format": "$name:$message", "style": "$"},
    {"style": "{"},
    {"style": "$"},
    {"format": "%(asctime)s|%(message)s", "datefmt": "<%Y>"},
    {"filename": "file.log"},
    {"filename": "file.log", "filemode": "w"},
    {"filename": "file.log", "encoding": "latin-1"},
    {"filename": "file.log", "encoding": "ascii"},
    {"filename": "file.log", "encoding": "ascii", "errors": "replace"},
    {"filename": "file.log", "encoding": "utf-16", "level": "INFO"},
    {"filename": "file.log", "filemode": "ab"},
    {"stream": "buffer"},
    {"stream": None},
    {"handlers": "two"},
    {"handlers": "two", "format": "%(levelname)s %(message)s"},
    {"force": True, "stream": "buffer"},
]


def _materialise(m: ModuleType, config: dict[str, Any], tmp: Path) -> tuple[dict[str, Any], Any]:
    kwargs = dict(config)
    buffer = io.StringIO()
    if kwargs.get("stream") == "buffer":
        kwargs["stream"] = buffer
    if "filename" in kwargs:
        kwargs["filename"] = str(tmp / kwargs["filename"])
    if kwargs.get("handlers") == "two":
        preset = m.StreamHandler(buffer)
        preset.setFormatter(m.Formatter("preset:%(message)s"))
        kwargs["handlers"] = [m.StreamHandler(buffer), preset]
    return kwargs, buffer


@pytest.mark.parametrize("config", CONFIGS, ids=repr)
def test_basic_config(tmp_path: Path, config: dict[str, Any]) -> None:
    def scenario(m: ModuleType) -> Any:
        tmp = tmp_path / m.__name__
        tmp.mkdir()
        kwargs, buffer = _materialise(m, config, tmp)
        with support.captured_stderr() as err:
            m.basicConfig(**kwargs)
            view = _root_view(m, tmp)
            _log_some(m)
            for handler in m.root.handlers:
                handler.flush()
        files = {p.name: p.read_bytes() for p in tmp.iterdir()}
        for handler in m.root.handlers:
            handler.close()
        output = support.mask_asctime(buffer.getvalue())
        return view, output, support.strip_library_frames(err.getvalue()), files

    assert_same(scenario)


def test_basic_config_does_nothing_when_root_has_handlers() -> None:
    def scenario(m: ModuleType) -> Any:
        existing = support.stream_handler(m)
        m.root.addHandler(existing)
        m.basicConfig(level="DEBUG", format="%(message)s", bogus=1, stream=io.StringIO())
        return m.root.handlers == [existing], m.root.level

    assert assert_same(scenario) == (True, 30)


def test_basic_config_force_closes_old_handlers(tmp_path: Path) -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[str] = []

        class Tracked(m.StreamHandler):  # type: ignore[name-defined,misc]
            def close(self) -> None:
                calls.append("close")
                super().close()

        old = Tracked(io.StringIO())
        m.root.addHandler(old)
        buffer = io.StringIO()
        m.basicConfig(force=True, stream=buffer, format="new:%(message)s")
        m.warning("after force")
        return calls, old in m.root.handlers, buffer.getvalue(), old.stream.getvalue()

    assert assert_same(scenario) == (["close"], False, "new:after force\n", "")


BAD: list[dict[str, Any]] = [
    {"stream": "buffer", "filename": "x.log"},
    {"handlers": "two", "stream": "buffer"},
    {"handlers": "two", "filename": "x.log"},
    {"style": "%%"},
    {"style": "{", "format": "%(message)s"},
    {"format": "no fields"},
    {"level": "NOPE"},
    {"level": 1.5},
    {"unknown": 1},
    {"unknown": 1, "other": 2, "level": "INFO"},
    {"filemode": "w"},
    {"encoding": "latin-1"},
]


@pytest.mark.parametrize("config", BAD, ids=repr)
def test_basic_config_errors(tmp_path: Path, config: dict[str, Any]) -> None:
    def scenario(m: ModuleType) -> Any:
        tmp = tmp_path / m.__name__
        tmp.mkdir()
        kwargs, _ = _materialise(m, config, tmp)
        result = support.outcome(lambda _: m.basicConfig(**kwargs), m)
        view = _root_view(m, tmp)
        for handler in m.root.handlers:
            handler.close()
        return result, view

    assert_same(scenario)
