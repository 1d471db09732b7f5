"""What a file handler's journal costs in file descriptors, and whose it is
after a fork (issue 17).

The stdlib keeps one descriptor per `FileHandler`. A femtologging file
handler's journal (docs/architecture.md, "Crash durability") keeps none of
its own: the process holds one liveness file per journal directory, locked
while it lives, whatever the number of handlers.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd"
)

N = 1000
#: Descriptors femtologging may open besides the stdlib's, whatever N: the
#: liveness file, and room for what the first handler sets up lazily.
SMALL = 8

COUNT_DESCRIPTORS = """
import os, resource, sys
module, logdir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Both libraries need about n descriptors: lift a soft limit below that.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
wanted = n + 256
if soft != resource.RLIM_INFINITY and soft < wanted:
    top = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
if module == "logging":
    import logging
else:
    import femtologging as logging
before = len(os.listdir("/proc/self/fd"))
handlers = [logging.FileHandler(os.path.join(logdir, f"{i}.log")) for i in range(n)]
after = len(os.listdir("/proc/self/fd"))
journals = os.environ["FEMTOLOGGING_JOURNAL_DIR"]
names = os.listdir(journals) if os.path.isdir(journals) else []
print(after - before, sum(name.endswith(".journal") for name in names))
for handler in handlers:
    handler.close()
"""


def descriptors_for_handlers(module: str, tmp_path: Path, n: int) -> tuple[int, int]:
    """(descriptors opened by n FileHandlers, journal files they made)."""
    logdir = tmp_path / module
    logdir.mkdir()
    journals = tmp_path / f"{module}-journals"
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(COUNT_DESCRIPTORS), module, str(logdir), str(n)],
        capture_output=True,
        text=True,
        timeout=300,
        # Not the repository: `-c` imports from the working directory.
        cwd=logdir,
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)},
    )
    assert result.returncode == 0, result.stderr
    grown, journal_files = result.stdout.split()
    return int(grown), int(journal_files)


def test_file_handlers_take_the_stdlibs_descriptors_plus_a_constant(tmp_path: Path) -> None:
    stdlib, _ = descriptors_for_handlers("logging", tmp_path, N)
    femto, journals = descriptors_for_handlers("femtologging", tmp_path, N)
    # Every handler has a journal file (none fell back to memory), and
    # none of them holds a descriptor.
    assert journals == N
    assert stdlib >= N
    assert N <= femto <= stdlib + SMALL, (femto, stdlib)


FORKED = """
import os, signal, sys
import femtologging as logging
logdir = sys.argv[1]
logger = logging.getLogger("forked")
logger.setLevel("INFO")
logger.propagate = False
handler = logging.FileHandler(os.path.join(logdir, "app.log"))
handler.setFormatter(logging.Formatter("%(message)s"))
logger.addHandler(handler)
pid = os.fork()
if pid == 0:
    # The child writes through the handler it inherited, with a journal of
    # its own, and outlives its parent.
    logger.info("child first")
    print("child ready", flush=True)
    sys.stdin.readline()
    logger.info("child last")
    os._exit(0)
for i in range(3000):
    logger.info("parent %04d", i)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_fork_child_does_not_keep_its_dead_parent_looking_alive(tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    env = {**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)}
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(FORKED), str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert parent.stdout is not None and parent.stdin is not None
    try:
        assert parent.stdout.readline() == "child ready\n"
        assert parent.wait(timeout=60) == -signal.SIGKILL
        # The parent's journal and the child's, each with its owner's
        # liveness file.
        assert len(list(journals.glob("*.journal"))) == 2
        assert len(list(journals.glob("*.alive"))) == 2
        # The child lives on: the parent's journal is recovered all the same,
        # the child's is left to it.
        recovered = subprocess.run(
            [sys.executable, "-m", "femtologging", "recover", "app.log"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
        )
        assert recovered.returncode == 0, recovered.stderr
        assert "from 1 journal(s)" in recovered.stdout
        assert len(list(journals.glob("*.journal"))) == 1
        assert len(list(journals.glob("*.alive"))) == 1
    finally:
        # Ends the child (it waits for a line); its stdout closes with it.
        parent.stdin.write("go\n")
        parent.stdin.close()
        rest = parent.stdout.read()
    assert rest == ""
    lines = (tmp_path / "app.log").read_text().splitlines()
    parents = [f"parent {i:04d}" for i in range(3000)]
    assert [line for line in lines if re.fullmatch(r"parent \d{4}", line)] == parents
    # The kill may cut the parent's last write at a page boundary, with the
    # child's line appended after the cut: recovery writes the cut record
    # again whole, and the start the kill left stays stuck to the child's
    # line (docs/architecture.md, "Exactly once").
    childs = [line for line in lines if not re.fullmatch(r"parent \d{4}", line)]
    assert [line[line.index("child") :] for line in childs] == ["child first", "child last"]
    for line in childs:
        cut = line[: line.index("child")]
        assert cut == "" or any(p.startswith(cut) and p != cut for p in parents), line
    assert list(journals.iterdir()) == []
