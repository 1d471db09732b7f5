"""When the disk or the pipe fails (issue "When the disk or the pipe
fails"): every failure reported, boundedly; writing again once the
destination works; never a cut line; nothing raised into the application.

Each scenario runs in a fresh interpreter, once with the stdlib and once
with femtologging, on a real failing destination: a 1 MiB tmpfs the test
mounts (root only: skipped elsewhere, saying so), a directory removed and
restored, `/dev/full`, a pipe whose reader exits. Both are held to the
same outcome for what reaches the file; the reports differ on purpose (the
stdlib prints one traceback per failed record, femtologging the first in
full and then a count).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]

#: Reports femtologging may print for one outage: the first failure in
#: full, the count when writing works again, the count at close.
MOST_REPORTS = 3


def reports(stderr: str) -> int:
    return stderr.count("--- Logging error ---")


@pytest.fixture
def small_tmpfs() -> Iterator[Callable[[], Path]]:
    """Mounts 1 MiB tmpfs file systems; unmounts them afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted: list[Path] = []

    def mount() -> Path:
        point = Path(tempfile.mkdtemp(prefix="femto-tmpfs-"))
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], capture_output=True)
        point.rmdir()


FULL_DISK = """
import importlib, os, re, sys
library, kind, directory = sys.argv[1:4]
path = os.path.join(directory, "app.log")
if kind == "core":
    import femtologging
    handler = femtologging.FemtoFileHandler(path, format="%(message)s")
    core = femtologging.FemtoLogger("core")
    core.add_handler(handler)
    log = lambda message: core.log("WARNING", message)
else:
    logging = importlib.import_module(library)
    handlers = importlib.import_module(library + ".handlers")
    handler = {
        "file": lambda: logging.FileHandler(path),
        "rotating": lambda: handlers.RotatingFileHandler(path, maxBytes=10**7, backupCount=1),
        "timed": lambda: handlers.TimedRotatingFileHandler(path, when="D"),
        "watched": lambda: handlers.WatchedFileHandler(path),
    }[kind]()
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    logger.propagate = False
    log = logger.warning
raised = []

def attempt(call):
    try:
        call()
    except Exception as error:
        raised.append(repr(error))

log("first")
attempt(handler.flush)
# Fill the disk, leaving the room left in the log file's last page: the
# line that crosses into the next page is cut by the kernel.
filler = os.path.join(directory, "filler")
descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
while True:
    try:
        if os.write(descriptor, b"x" * 4096) == 0:
            break
    except OSError:
        break
os.close(descriptor)
for index in range(100):
    log("during the outage %03d %s" % (index, "y" * 60))
    attempt(handler.flush)
os.remove(filler)
for index in range(200):
    log("after the outage %03d %s" % (index, "z" * 60))
lost = getattr(handler, "records_lost", None)
if lost is None and hasattr(handler, "stream"):
    lost = getattr(handler.stream, "records_lost", None)
attempt(handler.close)
with open(path, encoding="utf-8") as written:
    lines = written.read().split("\\n")
well_formed = re.compile(r"(first|during the outage \\d{3} y{60}|after the outage \\d{3} z{60})$")
print("unterminated", lines[-1] != "")
print("malformed", [line for line in lines[:-1] if not well_formed.fullmatch(line)])
print("during", sum(line.startswith("during") for line in lines))
print("after", sum(line.startswith("after") for line in lines))
print("lost", lost)
print("raised_at_close", raised[-1:] if raised and raised[-1] else [])
print("raised", len(raised))
"""


def outcome(stdout: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in stdout.splitlines())


def run_script(
    source: str, *args: str, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        cwd=tempfile.gettempdir(),
    )


@pytest.mark.parametrize("kind", ["file", "rotating", "timed", "watched", "core"])
def test_a_full_disk_cuts_no_line_and_writing_resumes(
    small_tmpfs: Callable[[], Path], kind: str
) -> None:
    results = {}
    for library in ("logging", "femtologging"):
        # The core handler has no stdlib twin: the stdlib's FileHandler is
        # its reference.
        reference_kind = "file" if kind == "core" and library == "logging" else kind
        result = run_script(FULL_DISK, library, reference_kind, str(small_tmpfs()))
        assert result.returncode == 0, result.stderr
        results[library] = (outcome(result.stdout), result.stderr)
    (stdlib, stdlib_err), (femto, femto_err) = results["logging"], results["femtologging"]
    for seen in (stdlib, femto):
        assert seen["malformed"] == "[]"
        assert seen["unterminated"] == "False"
        assert seen["after"] == "200"
    assert reports(stdlib_err) >= 1
    assert 1 <= reports(femto_err) <= MOST_REPORTS, femto_err
    assert "No space left on device" in femto_err
    # Every record of the outage is either in the file or counted as lost.
    assert int(femto["during"]) + int(femto["lost"]) == 100
    assert int(femto["lost"]) > 0
    if kind != "core":
        assert femto["raised"] == "0"  # flush() and close() report, not raise


ROLLOVER_DIRECTORY_GONE = """
import importlib, os, re, shutil, sys
library, base = sys.argv[1:3]
logging = importlib.import_module(library)
handlers = importlib.import_module(library + ".handlers")
directory = os.path.join(base, "logs")
os.makedirs(directory)
handler = handlers.RotatingFileHandler(
    os.path.join(directory, "app.log"), maxBytes=2000, backupCount=1000
)
logger = logging.getLogger("app")
logger.addHandler(handler)
logger.propagate = False
for index in range(10):
    logger.warning("before %04d %s", index, "a" * 50)
handler.flush()
shutil.rmtree(directory)
for index in range(50):
    logger.warning("gone %04d %s", index, "b" * 50)
handler.flush()
os.makedirs(directory)
for index in range(5000):
    logger.warning("back %04d %s", index, "c" * 50)
handler.close()
names = sorted(os.listdir(directory))
text = "".join(open(os.path.join(directory, name)).read() for name in names)
lines = text.split("\\n")[:-1]
print("back", sum(line.startswith("back ") for line in lines))
print("malformed", [l for l in lines if not re.fullmatch(r"(gone|back) \\d{4} [bc]{50}", l)])
print("files", len(names))
print("sizes", sorted({os.path.getsize(os.path.join(directory, n)) for n in names[1:]}))
"""


def test_a_failed_rollover_is_tried_again_when_the_directory_is_back(tmp_path: Path) -> None:
    results = {}
    for library in ("logging", "femtologging"):
        base = tmp_path / library
        base.mkdir()
        result = run_script(ROLLOVER_DIRECTORY_GONE, library, str(base))
        assert result.returncode == 0, result.stderr
        results[library] = (outcome(result.stdout), result.stderr)
    (stdlib, stdlib_err), (femto, femto_err) = results["logging"], results["femtologging"]
    assert femto == stdlib
    assert femto["back"] == "5000"
    assert femto["malformed"] == "[]"
    assert reports(stdlib_err) >= 1
    assert 1 <= reports(femto_err) <= MOST_REPORTS, femto_err


DEV_FULL_NO_CLOSE = """
import importlib, sys
logging = importlib.import_module(sys.argv[1])
logger = logging.getLogger("app")
logger.addHandler(logging.FileHandler("/dev/full"))
logger.propagate = False
for index in range(20):
    logger.warning("record %d", index)
"""


def test_dev_full_is_reported_when_the_app_just_exits() -> None:
    """Nothing closes the handler: the interpreter's exit flushes it, and
    the failure is reported then, the stdlib's way (through handleError)."""
    for library in ("logging", "femtologging"):
        result = run_script(DEV_FULL_NO_CLOSE, library)
        assert result.returncode == 0, result.stderr
        assert "No space left on device" in result.stderr
        if library == "femtologging":
            assert 1 <= reports(result.stderr) <= MOST_REPORTS, result.stderr
            assert "Traceback" in result.stderr  # handleError's report
        else:
            assert reports(result.stderr) == 20


#: Logs 2000 records to `HANDLER` on standard output, a pipe whose reader
#: has gone: every write meets a closed pipe (as after `| head -1` read its
#: line).
BROKEN_PIPE = """
import importlib, os, sys
logging = importlib.import_module(sys.argv[1])
handler = HANDLER
logger = logging.getLogger("app")
logger.addHandler(handler)
logger.propagate = False
for index in range(2000):
    logger.warning("line %d", index)
try:
    handler.close()
except BrokenPipeError:
    print("close raised", file=sys.stderr)
# What sys.stdout still buffers would fail again at exit (exit code 120):
# Python's documented remedy, standard output onto /dev/null.
os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
print("ended", file=sys.stderr)
"""


def run_into_closed_pipe(handler: str, library: str) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first record
    try:
        result = run_script(BROKEN_PIPE.replace("HANDLER", handler), library, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert "ended" in result.stderr
    return result


def test_a_file_handler_on_a_pipe_whose_reader_exits_reports_once() -> None:
    result = run_into_closed_pipe('logging.FileHandler("/dev/stdout")', "femtologging")
    assert "close raised" not in result.stderr
    assert 1 <= reports(result.stderr) <= MOST_REPORTS, result.stderr
    assert re.search(r"Broken pipe|BrokenPipe", result.stderr)


UNUSUAL_LEVELS_AND_NAMES = """
import importlib, os, sys, tempfile
logging = importlib.import_module(sys.argv[1])
directory = tempfile.mkdtemp()
path = os.path.join(directory, "levels.log")
handler = logging.FileHandler(path, encoding="utf-8", errors="surrogateescape")
handler.setFormatter(logging.Formatter("%(levelname)s|%(levelno)s|%(name)s|%(message)s"))
strict = logging.FileHandler(os.path.join(directory, "strict.log"), encoding="utf-8")
strict.setFormatter(handler.formatter)
for name in ("levels", "\\udc80name"):
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.addHandler(strict)
    logger.propagate = False
    logger.setLevel(1)
    for level in (2**70, 2**31, 2**32 + 5, -5, 15):
        logger.log(level, "m %d", level)
logging.addLevelName(15, "\\udcffX")
logging.getLogger("levels").log(15, "named level")
handler.close()
strict.close()
sys.stdout.buffer.write(open(path, "rb").read())
sys.stdout.buffer.write(b"--\\n" + open(os.path.join(directory, "strict.log"), "rb").read())
"""


def test_levels_beyond_32_bits_and_names_with_lone_surrogates_as_the_stdlib() -> None:
    """Written as the stdlib writes them where the encoding can
    (surrogateescape), reported as it reports them where it cannot (strict
    UTF-8), and never raised into the application."""
    outputs = {}
    for library in ("logging", "femtologging"):
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(UNUSUAL_LEVELS_AND_NAMES), library],
            capture_output=True,
            timeout=120,
            cwd=tempfile.gettempdir(),
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        errors = [
            line
            for line in result.stderr.decode(errors="replace").splitlines()
            if line.startswith(("UnicodeEncodeError", "Message:", "Arguments:"))
        ]
        outputs[library] = (result.stdout, errors)
    assert outputs["femtologging"] == outputs["logging"]
    written, errors = outputs["logging"]
    assert b"Level 1180591620717411303424|1180591620717411303424|levels|" in written
    assert b"\x80name" in written
    # Four records of the surrogate logger and one of the surrogate level
    # name, each reported with its message and arguments.
    assert len(errors) == 3 * 5


def test_a_stream_handler_on_a_broken_pipe_reports_once_then_counts() -> None:
    """The stdlib prints one traceback per record; femtologging prints the
    first one as the stdlib does, and the count of the rest at close."""
    stderr = {
        library: run_into_closed_pipe("logging.StreamHandler(sys.stdout)", library).stderr
        for library in ("logging", "femtologging")
    }
    assert reports(stderr["logging"]) >= 100
    femto = stderr["femtologging"]
    assert reports(femto) == 2, femto
    assert "BrokenPipeError: [Errno 32] Broken pipe" in femto
    assert re.search(r"\d+ more failed write\(s\) after the one\(s\) reported above", femto)


#: Forty file handlers with their journals on a 1 MiB tmpfs: each ring is
#: bounded at 1 MiB, so reserving the bound up front would leave all but
#: none of them in anonymous memory (lost to SIGKILL).
JOURNALS_ON_A_SMALL_TMPFS = """
import os, sys
import femtologging as logging
directory = sys.argv[1]
logger = logging.getLogger("app")
logger.propagate = False
handlers = [logging.FileHandler(os.path.join(directory, f"{i}.log")) for i in range(40)]
for handler in handlers:
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
for index in range(2000):
    logger.warning("record %05d %s", index, "x" * 100)
names = os.listdir(os.environ["FEMTOLOGGING_JOURNAL_DIR"])
# Besides the journals, the process's one liveness file (<pid>-<token>.alive).
print("journal files", sum(name.endswith(".journal") for name in names))
print("liveness files", sum(name.endswith(".alive") for name in names))
for handler in handlers:
    handler.close()
"""


def test_journals_reserve_memory_as_they_need_it(
    small_tmpfs: Callable[[], Path], tmp_path: Path
) -> None:
    """A journal reserves its file as the ring reaches further (docs:
    "Where records wait"), so forty of them fit where one bound would not,
    and every one survives SIGKILL; nothing is lost, nothing left behind."""
    journals = small_tmpfs()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(JOURNALS_ON_A_SMALL_TMPFS), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tempfile.gettempdir(),
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "journal files 40" in result.stdout
    assert "liveness files 1" in result.stdout
    expected = [f"record {index:05d} {'x' * 100}" for index in range(2000)]
    for index in range(40):
        assert (tmp_path / f"{index}.log").read_text().splitlines() == expected
    assert os.listdir(journals) == []
