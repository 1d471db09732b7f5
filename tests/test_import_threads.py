"""`import femtologging` first made on a thread other than the main one.

Programs import lazily from worker threads (a thread pool's task, a web
server's request thread, an autoreloader). The extension's allocator takes
the thread that loads it for the process's main thread; that thread ending
must not break the threads made afterwards, which may be given its ended
thread's control block (src/allocator.rs).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

IMPORTED_ON_A_THREAD_THAT_ENDS = """
import faulthandler, os, sys, threading
faulthandler.enable()
name = sys.argv[2]
importing = threading.Thread(target=lambda: __import__(name))
importing.start()
importing.join()
logging = sys.modules[name]
handler = logging.FileHandler(os.path.join(sys.argv[1], "out.log"))
handler.setFormatter(logging.Formatter("%(threadName)s %(message)s"))
logger = logging.getLogger("threads")
logger.addHandler(handler)
logger.warning("from the main thread")
def log(number):
    for line in range(50):
        logger.warning("thread %d line %d", number, line)
# New threads, one after another: each may get an ended thread's control block.
for number in range(8):
    thread = threading.Thread(target=log, args=(number,), name=f"t{number}")
    thread.start()
    thread.join()
handler.close()
"""


@pytest.mark.parametrize("module", ["logging", "femtologging"])
def test_imported_on_a_thread_that_ends_then_used_from_new_threads(
    tmp_path: Path, module: str
) -> None:
    folder = tmp_path / module
    folder.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(IMPORTED_ON_A_THREAD_THAT_ENDS),
            str(folder),
            module,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = (folder / "out.log").read_text().splitlines()
    expected = ["MainThread from the main thread"] + [
        f"t{number} thread {number} line {line}" for number in range(8) for line in range(50)
    ]
    assert lines == expected
