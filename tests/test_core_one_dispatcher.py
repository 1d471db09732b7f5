"""The core `FemtoLogger` and the `logging` face hand records to handlers
through one dispatcher (src/core/dispatch.rs) and find the caller the same
way (fast_path/caller.rs): the face's own file handlers attach to a
`FemtoLogger`, and one handler shared by both writes every record once, in
the order logged."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

import femtologging
import femtologging.handlers
from femtologging import FemtoFileHandler, FemtoLogger


def handler_kinds(path: Path) -> dict[str, femtologging.Handler]:
    return {
        "file": femtologging.FileHandler(path),
        "rotating": femtologging.handlers.RotatingFileHandler(path, maxBytes=10_000, backupCount=1),
        "timed": femtologging.handlers.TimedRotatingFileHandler(path, when="midnight"),
        "watched": femtologging.handlers.WatchedFileHandler(path),
    }


@pytest.mark.parametrize("kind", ["file", "rotating", "timed", "watched"])
def test_the_logging_faces_file_handlers_attach_to_a_femto_logger(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "app.log"
    handler = handler_kinds(path)[kind]
    handler.setFormatter(femtologging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.setLevel(femtologging.INFO)
    core = FemtoLogger("core")
    core.add_handler(handler)
    face = femtologging.getLogger(f"face.{kind}")
    face.setLevel(femtologging.INFO)
    face.propagate = False
    face.addHandler(handler)
    for index in range(3):
        core.log("INFO", f"core {index}")
        face.info("face %d", index)
    core.log("DEBUG", "below the handler's level")
    assert core.remove_handler(handler)
    assert not core.remove_handler(handler)
    core.log("INFO", "after removal")
    handler.close()
    expected = []
    for index in range(3):
        expected += [f"core INFO core {index}", f"face.{kind} INFO face {index}"]
    assert path.read_text().splitlines() == expected


def test_a_handler_shared_by_both_faces_loses_and_repeats_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.log"
    handler = femtologging.FileHandler(path)
    handler.setFormatter(femtologging.Formatter("%(message)s"))
    core = FemtoLogger("shared-core")
    core.add_handler(handler)
    face = femtologging.getLogger("shared-face")
    face.propagate = False
    face.addHandler(handler)

    def log(thread: int) -> None:
        for index in range(500):
            if index % 2:
                core.log("INFO", f"{thread} {index}")
            else:
                face.warning("%d %d", thread, index)

    threads = [threading.Thread(target=log, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 2000
    for thread in range(4):
        seen = [int(line.split()[1]) for line in lines if line.split()[0] == str(thread)]
        assert seen == list(range(500))


def test_the_core_logger_finds_the_caller_as_the_logging_face_does(tmp_path: Path) -> None:
    fmt = "%(filename)s:%(lineno)d %(funcName)s %(threadName)s %(message)s"
    core_handler = FemtoFileHandler(str(tmp_path / "core.log"), format=fmt)
    core = FemtoLogger("caller")
    core.add_handler(core_handler)
    face_handler = femtologging.FileHandler(tmp_path / "face.log")
    face_handler.setFormatter(femtologging.Formatter(fmt))
    face = femtologging.getLogger("caller-face")
    face.setLevel(femtologging.INFO)
    face.propagate = False
    face.addHandler(face_handler)

    def logs_both() -> None:
        core.log("INFO", "here"); face.info("here")  # fmt: skip  # noqa: E702

    thread = threading.Thread(target=logs_both, name="named-thread")
    thread.start()
    thread.join()
    core_handler.close()
    face_handler.close()
    line = logs_both.__code__.co_firstlineno + 1
    expected = f"{Path(__file__).name}:{line} logs_both named-thread here"
    assert (tmp_path / "core.log").read_text() == expected + "\n"
    assert (tmp_path / "face.log").read_text() == expected + "\n"


@pytest.mark.parametrize(
    "make",
    [
        lambda path: femtologging.StreamHandler(io.StringIO()),
        lambda path: femtologging.NullHandler(),
        lambda path: femtologging.handlers.MemoryHandler(10),
    ],
    ids=["stream", "null", "memory"],
)
def test_other_handlers_are_refused_with_a_type_error_naming_them(make, tmp_path: Path) -> None:
    handler = make(tmp_path / "x.log")
    with pytest.raises(TypeError, match=type(handler).__name__):
        FemtoLogger("refuses").add_handler(handler)


def test_a_file_handler_with_a_formatter_the_core_cannot_run_is_refused(tmp_path: Path) -> None:
    handler = femtologging.FileHandler(tmp_path / "x.log")

    class Custom(femtologging.Formatter):
        def format(self, record: object) -> str:
            return "custom"

    handler.setFormatter(Custom())
    with pytest.raises(TypeError, match="FileHandler"):
        FemtoLogger("refuses").add_handler(handler)
    handler.close()


def test_an_otlp_handler_serves_a_femto_logger_and_the_logging_face(tmp_path: Path) -> None:
    pytest.importorskip("opentelemetry.proto", reason="opentelemetry-proto is not installed")
    import otlp_support

    with otlp_support.Receiver() as receiver:
        handler = femtologging.handlers.OTLPHandler(endpoint=receiver.endpoint, schedule_delay=0.05)
        core = FemtoLogger("otlp-core")
        core.add_handler(handler)
        face = femtologging.getLogger("otlp-face")
        face.setLevel(femtologging.INFO)
        face.propagate = False
        face.addHandler(handler)
        core.log("WARNING", "from the core")
        face.info("from the face")
        assert core.remove_handler(handler)
        core.log("ERROR", "not sent")
        handler.flush()
        records = receiver.wait_for(2)
        face.removeHandler(handler)
        handler.close()
    assert [(r.scope_name, r.severity_text, r.body) for r in records] == [
        ("otlp-core", "WARN", "from the core"),
        ("otlp-face", "INFO", "from the face"),
    ]
    assert records[0].attributes["thread.name"] == threading.current_thread().name
