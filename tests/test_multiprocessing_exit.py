"""Records queued in multiprocessing children are written before they exit.

multiprocessing ends its children with os._exit(), so atexit hooks never run
there; femtologging flushes from one of multiprocessing's exit finalizers.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """
import multiprocessing, sys
import femtologging as logging

path = sys.argv[1]
handler = logging.FileHandler(path)
handler.setFormatter(logging.Formatter("%(processName)s %(message)s"))
logger = logging.getLogger("children")
logger.addHandler(handler)
logger.setLevel(logging.INFO)

def work(number):
    for line in range(3000):
        logger.info("child %d line %d", number, line)

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[2])
    children = [multiprocessing.Process(target=work, args=(n,)) for n in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join()
        assert child.exitcode == 0, child.exitcode
    handler.close()
"""


def run(tmp_path: Path, start_method: str) -> list[str]:
    script = tmp_path / "children.py"
    script.write_text(textwrap.dedent(SCRIPT))
    log = tmp_path / "children.log"
    result = subprocess.run(
        [sys.executable, str(script), str(log), start_method],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines()


@pytest.mark.parametrize("start_method", ["fork", "spawn", "forkserver"])
def test_children_lose_no_record(tmp_path: Path, start_method: str) -> None:
    # Forked children inherit the handler; spawned ones re-run the script's
    # top level and open their own. Either way every line must be there.
    lines = run(tmp_path, start_method)
    for number in range(3):
        mine = [line.split(" ", 1)[1] for line in lines if f" child {number} " in f" {line}"]
        assert mine == [f"child {number} line {n}" for n in range(3000)]
    assert len(lines) == 9000
