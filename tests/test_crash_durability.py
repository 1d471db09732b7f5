"""No record is lost when the process dies (issue #13).

With the stdlib's file handlers a record is handed to the kernel before the
logging call returns, so whatever ends the process afterwards, the line is in
the file. femtologging has to keep that promise while writing on a worker
thread. Each scenario below logs records with unique ids in a fresh
interpreter, ends it one way or another, and counts the ids in the log files
once the process is gone. The same script runs with `import logging` as the
reference and with `import femtologging as logging` under test.

What must hold:
- catchable ends (`os._exit`, `os.abort`, SIGSEGV, SIGTERM with Python's
  default disposition, a fork child's `os._exit`): every record is in the
  files when the process is gone, with no recovery step;
- SIGKILL: every record whose logging call had returned is in the files at
  the latest after the next femtologging process opened a handler on the same
  path, or after `python -m femtologging recover PATH`;
- always: each record exactly once, each line whole, each thread's records
  in its order, the stdlib's exit status, and nothing left next to the logs
  but the logs themselves.
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="process deaths and their exit statuses are Linux's"
)

N = 2000
# The outside SIGKILL comes while the child is still logging: it reports
# every 1000 records and is killed after the first report at or above 5000.
OUTSIDE_N = 20_000
OUTSIDE_KILL_AFTER = 5000
THREADS = 4
TIMEOUT = 30
# Small enough that N records rotate a few times, OUTSIDE_N a few dozen
# times; BACKUP_COUNT big enough that no backup is ever deleted.
MAX_BYTES = 8192
BACKUP_COUNT = 100
LOG_NAME = "crash.log"
RECORD_LINE = re.compile(r"record (\d{6,})\n")

SCRIPT = r"""
import ctypes, faulthandler, os, shutil, signal, sys, threading, time

module, kind, death, logdir, n = sys.argv[1:6]
n = int(n)
path = os.path.join(logdir, "crash.log")


def say(text):
    # One write(2) per line: whole lines on the pipe even from several
    # threads, and nothing held in a Python buffer when the process dies.
    os.write(1, (text + "\n").encode())


def on_sigterm(signum, frame):
    say("app handler ran")
    sys.exit(7)


# The application's own SIGTERM handler and faulthandler, set up before the
# logging library is imported (and, below, after).
if death == "app-sigterm-before":
    signal.signal(signal.SIGTERM, on_sigterm)
if death == "faulthandler-before":
    faulthandler.enable()
if module == "logging":
    import logging
    from logging import handlers
else:
    import femtologging as logging
    from femtologging import handlers
if death == "app-sigterm-after":
    signal.signal(signal.SIGTERM, on_sigterm)
if death == "faulthandler-after":
    faulthandler.enable()


def open_handler():
    if kind == "core":
        return logging.FemtoFileHandler(path, format="%(message)s")
    if kind == "file":
        handler = logging.FileHandler(path)
    elif kind == "rotating":
        handler = handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT
        )
    elif kind == "timed":
        handler = handlers.TimedRotatingFileHandler(path, when="S", interval=1, backupCount=0)
    elif kind == "watched":
        handler = handlers.WatchedFileHandler(path)
    else:
        raise SystemExit(f"unknown handler {kind}")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


handler = open_handler()
opened = time.time()
if death == "recover":
    # The recovery step after a SIGKILL: open a handler on the same path,
    # log nothing, close it.
    handler.close()
    sys.exit(0)

if kind == "core":
    core = logging.FemtoLogger("crash")
    core.add_handler(handler)

    def log(i):
        core.log("INFO", f"record {i:06d}")

else:
    logger = logging.getLogger("crash")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)

    def log(i):
        logger.info("record %06d", i)


def log_ids(ids, thread=0):
    for i in ids:
        if kind == "timed" and i == 500:
            # The handler rolls over at the first record a whole second
            # after it opened: wait for it, so that records land both in a
            # dated backup and in the base file.
            time.sleep(max(0.0, int(opened) + 1.05 - time.time()))
        log(i)
        # Each report is sent after its logging call returned.
        if death == "outside-sigkill" and (i + 1) % 1000 == 0:
            say(f"logged {i + 1}")
        elif death == "random-sigkill" and (i + 1) % 100 == 0:
            say(f"T{thread} {i}")


def in_threads(count):
    share = n // count
    threads = [
        threading.Thread(target=log_ids, args=(range(t * share, (t + 1) * share), t))
        for t in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def die():
    if death in ("exit", "threads"):
        os._exit(0)
    elif death == "exit3":
        os._exit(3)
    elif death == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif death == "abort":
        os.abort()
    elif death in ("segv", "faulthandler-before", "faulthandler-after"):
        ctypes.string_at(0)
    elif death in ("sigterm", "app-sigterm-before", "app-sigterm-after"):
        os.kill(os.getpid(), signal.SIGTERM)
    elif death in ("outside-sigkill", "random-sigkill"):
        # Everything logged before the test's SIGKILL came: wait for it.
        say("all logged")
        time.sleep(60)
    else:
        raise SystemExit(f"unknown death {death}")
    # Not reached if the death did its job: report it with its own status.
    time.sleep(5)
    say("survived")
    os._exit(99)


if death == "fork":
    # The handler was opened before the fork, as in pre-fork servers and
    # multiprocessing's workers; only the child logs.
    pid = os.fork()
    if pid == 0:
        log_ids(range(n))
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    # Count what the child left, before this process (which holds the same
    # handler) can add anything: a copy of the directory taken now.
    shutil.copytree(logdir, logdir + ".at-child-exit")
    code = os.waitstatus_to_exitcode(status)
    say(f"child exit {code}")
    sys.exit(code)
elif death in ("threads", "random-sigkill"):
    say("ready")
    in_threads(4)
else:
    log_ids(range(n))
die()
""".replace("MAX_BYTES", str(MAX_BYTES)).replace("BACKUP_COUNT", str(BACKUP_COUNT))

# Python's exit statuses, as the stdlib runs show them; femtologging must
# keep each.
EXIT_STATUS = {
    "exit": 0,
    "exit3": 3,
    "fork": 0,
    "sigkill": -signal.SIGKILL,
    "abort": -signal.SIGABRT,
    "segv": -signal.SIGSEGV,
    "faulthandler-before": -signal.SIGSEGV,
    "faulthandler-after": -signal.SIGSEGV,
    "sigterm": -signal.SIGTERM,
    "app-sigterm-before": 7,
    "app-sigterm-after": 7,
    "threads": 0,
    "outside-sigkill": -signal.SIGKILL,
    "random-sigkill": -signal.SIGKILL,
}

# Each way to end a process that runs to its own end; the outside SIGKILL
# has its own test below.
DEATHS = [
    pytest.param("exit", id="os_exit"),
    pytest.param("fork", id="fork-child-os_exit"),
    pytest.param("sigkill", id="sigkill-self"),
    pytest.param("abort", id="abort"),
    pytest.param("segv", id="sigsegv"),
    pytest.param("sigterm", id="sigterm"),
    pytest.param("threads", id="4-threads-os_exit"),
]

# (module, handler kind): every native file handler through the stdlib's
# API for both libraries, and femtologging's core API, which the stdlib
# lacks (its reference is "every record").
APIS = [
    pytest.param(module, kind, id=f"{label}-{kind}")
    for module, label in (("logging", "stdlib"), ("femtologging", "femtologging"))
    for kind in ("file", "rotating", "timed", "watched")
] + [pytest.param("femtologging", "core", id="femtologging-core")]


MODULES = pytest.mark.parametrize(
    "module", ["logging", "femtologging"], ids=["stdlib", "femtologging"]
)


@dataclass
class Workspace:
    """A test's directories: the script, the log directory (nothing else may
    appear in it), and an empty working directory, where neither the
    repository's package sources nor a core dump can get in the way."""

    script: Path
    logdir: Path
    cwd: Path

    @classmethod
    def make(cls, tmp_path: Path) -> Workspace:
        script = tmp_path / "crash_script.py"
        script.write_text(textwrap.dedent(SCRIPT))
        logdir = tmp_path / "logs"
        cwd = tmp_path / "cwd"
        logdir.mkdir()
        cwd.mkdir()
        return cls(script, logdir, cwd)

    def command(self, module: str, kind: str, death: str, n: int) -> list[str]:
        args = [str(self.script), module, kind, death, str(self.logdir), str(n)]
        return [sys.executable, "-c", EXEC_SHIM, *args]


# Runs the script in a fresh interpreter through exec(), after the settings
# every scenario needs whatever the test runner's own: no core files (slow,
# and they would land in the working directory), SIGTERM with its default
# disposition and no signal blocked. A preexec_fn could do the same, but runs
# Python code between fork and exec of a process that may have threads.
EXEC_SHIM = """
import os, resource, signal, sys
resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_SETMASK, set())
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


def _environment() -> dict[str, str]:
    # faulthandler only where a test turns it on.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONFAULTHANDLER", "PYTHONDEVMODE")}


def start(command: Sequence[str], cwd: Path, stderr_path: Path) -> subprocess.Popen[bytes]:
    with stderr_path.open("wb") as stderr:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=cwd,
            env=_environment(),
            # Its own process group, so that a fork child left behind by a
            # hang can be ended with it.
            start_new_session=True,
        )


def wait(process: subprocess.Popen[bytes], lines: LineReader | None = None) -> str:
    """Waits for the process to be gone; returns the rest of its stdout."""
    reader = lines or LineReader(process)
    try:
        rest = reader.rest(time.monotonic() + TIMEOUT)
        process.wait(timeout=TIMEOUT)
    except (TimeoutError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    finally:
        if process.stdout is not None:
            process.stdout.close()
    return rest


class LineReader:
    """Reads a child's stdout line by line with a deadline."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.fd = process.stdout.fileno()
        self.buffer = b""
        self.eof = False

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no output from the child in time")
        ready, _, _ = select.select([self.fd], [], [], remaining)
        if ready:
            chunk = os.read(self.fd, 65536)
            self.buffer += chunk
            self.eof = not chunk

    def line(self, deadline: float) -> str | None:
        """The next line, or None at the end of the output."""
        while b"\n" not in self.buffer:
            if self.eof:
                return None
            self._fill(deadline)
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def rest(self, deadline: float) -> str:
        while not self.eof:
            self._fill(deadline)
        rest, self.buffer = self.buffer, b""
        return rest.decode()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"exit status {self.returncode}\n"
            f"stdout:\n{self.stdout[-2000:]}\n"
            f"stderr:\n{self.stderr[-4000:]}"
        )


def run_to_end(ws: Workspace, module: str, kind: str, death: str, n: int = N) -> Run:
    stderr_path = ws.cwd.parent / f"stderr-{death}.txt"
    process = start(ws.command(module, kind, death, n), ws.cwd, stderr_path)
    stdout = wait(process)
    return Run(process.returncode, stdout, stderr_path.read_text(errors="replace"))


def recover(ws: Workspace, module: str, kind: str) -> None:
    """After a SIGKILL, femtologging recovers the records at the latest when
    the next femtologging process opens a handler on the same path: a second
    fresh interpreter opens one and closes it. The stdlib has nothing to
    recover."""
    if module == "logging":
        return
    run = run_to_end(ws, module, kind, "recover", 0)
    assert run.returncode == 0, run.describe()


def log_files(logdir: Path) -> list[Path]:
    """The log file and its backups, oldest first: RotatingFileHandler's
    highest number first, TimedRotatingFileHandler's dated backups by date,
    the base file last."""

    def age(path: Path) -> tuple[int, int, str]:
        suffix = path.name[len(LOG_NAME) + 1 :]
        if path.name == LOG_NAME:
            return (2, 0, "")
        if suffix.isdigit():
            return (0, -int(suffix), "")
        return (1, 0, suffix)

    return sorted((p for p in logdir.iterdir() if is_log_file(p.name)), key=age)


def is_log_file(name: str) -> bool:
    return (
        re.fullmatch(re.escape(LOG_NAME) + r"(\.\d+|\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)?", name)
        is not None
    )


def logged_lines(logdir: Path) -> list[str]:
    """Every line of the log files, oldest first, each with its newline (a
    line without one was cut short)."""
    lines: list[str] = []
    for path in log_files(logdir):
        lines.extend(path.read_bytes().decode("utf-8", "replace").splitlines(keepends=True))
    return lines


def check_records(
    lines: list[str], n: int, *, threads: int = 1, reported: dict[int, int] | None = None
) -> None:
    """Ids 0..n-1 were split into `threads` contiguous ranges, each logged in
    order by one thread. Without `reported`, every id must be there; with
    it, thread t's first reported[t] ids must be (the calls that had
    returned), and what is there of a thread must be a prefix of its range
    (a record can't be there when an earlier call of its thread is lost)."""
    torn = [line for line in lines if not RECORD_LINE.fullmatch(line)]
    assert not torn, f"{len(torn)} lines are not whole records, the first: {torn[:3]!r}"
    ids = [int(line[7:-1]) for line in lines]
    twice = sorted(i for i, count in Counter(ids).items() if count > 1)
    assert not twice, f"{len(twice)} records written more than once, the first: {twice[:5]}"
    share = n // threads
    for thread in range(threads):
        first = thread * share
        mine = [i for i in ids if first <= i < first + share]
        need = share if reported is None else reported.get(thread, 0)
        missing = sorted(set(range(first, first + need)) - set(mine))
        assert not missing, (
            f"thread {thread}: {len(missing)} of its {need} records are missing "
            f"(the first: {missing[:5]}); {len(mine)} of its records are in the files"
        )
        assert mine == sorted(mine), f"thread {thread}: records out of order"
        assert mine == list(range(first, first + len(mine))), (
            f"thread {thread}: a gap before a later record"
        )
    strangers = sorted(set(ids) - set(range(share * threads)))
    assert not strangers, f"ids never logged: {strangers[:5]}"


def check_no_stray_files(logdir: Path) -> None:
    # A journal, lock or temporary file must not be left next to the logs
    # once the records are in them.
    stray = sorted(p.name for p in logdir.iterdir() if not is_log_file(p.name))
    assert not stray, f"files other than the logs in the log directory: {stray}"


def check_backups_kept(logdir: Path, module: str, kind: str) -> None:
    """The scenario did rotate (checked on the reference run), and deleted
    no backup."""
    names = [p.name for p in log_files(logdir)]
    assert f"{LOG_NAME}.{BACKUP_COUNT}" not in names
    if module == "logging" and kind in ("rotating", "timed"):
        assert len(names) > 1, names


@pytest.mark.parametrize("death", DEATHS)
@pytest.mark.parametrize(("module", "kind"), APIS)
def test_every_record_survives_the_death_of_its_process(
    tmp_path: Path, module: str, kind: str, death: str
) -> None:
    ws = Workspace.make(tmp_path)
    run = run_to_end(ws, module, kind, death)
    assert run.returncode == EXIT_STATUS[death], run.describe()
    if death == "fork":
        assert run.stdout == "child exit 0\n", run.describe()
    if death == "sigkill":
        recover(ws, module, kind)
    # The fork child's records are counted as it left them; the others once
    # the process is gone (and, after a SIGKILL, recovered).
    counted = (
        ws.logdir.with_name(ws.logdir.name + ".at-child-exit") if death == "fork" else ws.logdir
    )
    check_records(logged_lines(counted), N, threads=THREADS if death == "threads" else 1)
    check_backups_kept(counted, module, kind)
    check_no_stray_files(ws.logdir)


def kill_after_report(ws: Workspace, module: str, kind: str) -> tuple[Run, int]:
    """Runs the outside-SIGKILL scenario: the child reports "logged K" every
    1000 records, and is killed from here after the first report at or
    above OUTSIDE_KILL_AFTER. Returns the run and the highest K reported
    (every report the child made before it died counts)."""
    stderr_path = ws.cwd.parent / "stderr-outside.txt"
    process = start(ws.command(module, kind, "outside-sigkill", OUTSIDE_N), ws.cwd, stderr_path)
    lines = LineReader(process)
    deadline = time.monotonic() + TIMEOUT
    seen: list[str] = []
    try:
        while (line := lines.line(deadline)) is not None:
            seen.append(line)
            if line.startswith("logged ") and int(line.split()[1]) >= OUTSIDE_KILL_AFTER:
                process.kill()
                break
    finally:
        # Also when the child ended or stalled before its report: no waiting
        # for it to finish 20 000 records and its minute of sleep.
        if process.poll() is None:
            process.kill()
        stdout = "\n".join(seen) + "\n" + wait(process, lines)
    run = Run(process.returncode, stdout, stderr_path.read_text(errors="replace"))
    counts = [int(line.split()[1]) for line in stdout.splitlines() if line.startswith("logged ")]
    assert counts and max(counts) >= OUTSIDE_KILL_AFTER, run.describe()
    return run, max(counts)


@pytest.mark.parametrize(("module", "kind"), APIS)
def test_records_logged_before_an_outside_sigkill_survive(
    tmp_path: Path, module: str, kind: str
) -> None:
    ws = Workspace.make(tmp_path)
    run, reported = kill_after_report(ws, module, kind)
    assert run.returncode == -signal.SIGKILL, run.describe()
    recover(ws, module, kind)
    check_records(logged_lines(ws.logdir), OUTSIDE_N, reported={0: reported})
    check_backups_kept(ws.logdir, module, kind)
    check_no_stray_files(ws.logdir)


@pytest.mark.parametrize(
    ("kind", "how"),
    [
        pytest.param("file", "sigkill", id="file-sigkill-self"),
        pytest.param("core", "sigkill", id="core-sigkill-self"),
        pytest.param("file", "outside", id="file-outside-sigkill"),
        pytest.param("rotating", "outside", id="rotating-outside-sigkill"),
    ],
)
def test_the_recover_command_recovers_after_sigkill(tmp_path: Path, kind: str, how: str) -> None:
    ws = Workspace.make(tmp_path)
    if how == "sigkill":
        run = run_to_end(ws, "femtologging", kind, "sigkill")
        assert run.returncode == -signal.SIGKILL, run.describe()
        n, reported = N, None
    else:
        run, count = kill_after_report(ws, "femtologging", kind)
        n, reported = OUTSIDE_N, {0: count}
    recovered = subprocess.run(
        [sys.executable, "-m", "femtologging", "recover", str(ws.logdir / LOG_NAME)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ws.cwd,
        env=_environment(),
    )
    assert recovered.returncode == 0, (recovered.stdout, recovered.stderr)
    check_records(logged_lines(ws.logdir), n, reported=reported)
    check_no_stray_files(ws.logdir)


# Far more than 4 threads log in 300 ms, whichever the library, so that the
# SIGKILL comes while they are logging.
RANDOM_N = 4_000_000
# Their delays spread over the range: 4, 32, 108, 214 and 287 ms.
SEEDS = [31, 14, 16, 24, 2]


def kill_at_random(ws: Workspace, module: str, seed: int) -> tuple[Run, dict[int, int]]:
    """4 threads log, each reporting "T<thread> <id>" every 100 records;
    SIGKILL comes at a random delay (0-300 ms) after the child said it
    starts them. Returns the run and, per thread, how many of its records it
    reported logged."""
    delay = random.Random(seed).uniform(0.0, 0.3)
    stderr_path = ws.cwd.parent / "stderr-random.txt"
    process = start(ws.command(module, "file", "random-sigkill", RANDOM_N), ws.cwd, stderr_path)
    lines = LineReader(process)
    try:
        first = lines.line(time.monotonic() + TIMEOUT)
        assert first == "ready", first
        time.sleep(delay)
    finally:
        if process.poll() is None:
            process.kill()
        stdout = wait(process, lines)
    run = Run(process.returncode, stdout, stderr_path.read_text(errors="replace"))
    share = RANDOM_N // THREADS
    reported: dict[int, int] = {}
    for line in stdout.splitlines():
        if line.startswith("T"):
            thread, last = (int(field) for field in line[1:].split())
            reported[thread] = max(reported.get(thread, 0), last - thread * share + 1)
    return run, reported


@pytest.mark.parametrize("seed", SEEDS)
@MODULES
def test_records_reported_by_4_threads_survive_a_sigkill_at_a_random_moment(
    tmp_path: Path, module: str, seed: int
) -> None:
    ws = Workspace.make(tmp_path)
    run, reported = kill_at_random(ws, module, seed)
    assert run.returncode == -signal.SIGKILL, run.describe()
    recover(ws, module, "file")
    check_records(logged_lines(ws.logdir), RANDOM_N, threads=THREADS, reported=reported)
    check_no_stray_files(ws.logdir)


@MODULES
@pytest.mark.parametrize(
    "when", ["before", "after"], ids=["handler-before-import", "handler-after-import"]
)
def test_the_applications_own_sigterm_handler_still_runs(
    tmp_path: Path, module: str, when: str
) -> None:
    # The handler writes a marker and calls sys.exit(7): the process ends
    # through Python's normal exit, with the application's status.
    ws = Workspace.make(tmp_path)
    run = run_to_end(ws, module, "file", f"app-sigterm-{when}")
    assert run.returncode == 7, run.describe()
    assert run.stdout == "app handler ran\n", run.describe()
    check_records(logged_lines(ws.logdir), N)
    check_no_stray_files(ws.logdir)


@MODULES
@pytest.mark.parametrize(
    "when", ["before", "after"], ids=["enabled-before-import", "enabled-after-import"]
)
def test_faulthandler_still_reports_a_segfault(tmp_path: Path, module: str, when: str) -> None:
    ws = Workspace.make(tmp_path)
    run = run_to_end(ws, module, "file", f"faulthandler-{when}")
    assert run.returncode == -signal.SIGSEGV, run.describe()
    assert "Fatal Python error: Segmentation fault" in run.stderr, run.describe()
    # The traceback is the script's: faulthandler saw the crash in die().
    assert re.search(r'File ".*crash_script\.py", line \d+ in die', run.stderr), run.describe()
    check_records(logged_lines(ws.logdir), N)
    check_no_stray_files(ws.logdir)


@MODULES
def test_os_exit_keeps_its_status(tmp_path: Path, module: str) -> None:
    ws = Workspace.make(tmp_path)
    run = run_to_end(ws, module, "file", "exit3")
    assert run.returncode == 3, run.describe()
    check_records(logged_lines(ws.logdir), N)
    check_no_stray_files(ws.logdir)
