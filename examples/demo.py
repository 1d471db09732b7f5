"""A small app that switches to femtologging with one import.

Four worker threads log through a FileHandler and, for warnings, through a
StreamHandler on stdout, configured with the stdlib's own calls. A "library"
that keeps `import logging` logs too, and its records land in the same file.
The demo then shows what was written and checks that nothing was lost.
"""

from __future__ import annotations

import logging as stdlib_logging  # what a third-party library would use
import sys
import tempfile
import threading
from pathlib import Path

import femtologging as logging

THREADS = 4
RECORDS_PER_THREAD = 2500


def main() -> None:
    print(logging.hello(), flush=True)
    path = Path(tempfile.mkdtemp(prefix="femtologging-demo-")) / "demo.log"
    logging.basicConfig(
        filename=path,
        level=logging.INFO,
        format="%(asctime)s %(threadName)s %(levelname)s %(name)s: %(message)s",
    )
    console = logging.StreamHandler(sys.stdout)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("console> %(levelname)s %(message)s"))
    logging.getLogger("demo").addHandler(console)
    log = logging.getLogger("demo.work")
    library = stdlib_logging.getLogger("somelibrary")

    def work(worker: int) -> None:
        for i in range(RECORDS_PER_THREAD):
            log.info("worker %d did job %d", worker, i)
        log.warning("worker %d finished", worker)

    threads = [threading.Thread(target=work, args=(n,), name=f"worker-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    library.info("a library's record, through the stdlib's logging")
    logging.shutdown()

    lines = path.read_text().splitlines()
    print(f"\n{path} holds {len(lines)} lines; the first two and the last:")
    for line in lines[:2] + lines[-1:]:
        print("   ", line)
    expected = THREADS * (RECORDS_PER_THREAD + 1) + 1
    status = "nothing lost" if len(lines) == expected else f"expected {expected}!"
    print(f"{len(lines)} of {expected} records written: {status}")


if __name__ == "__main__":
    main()
