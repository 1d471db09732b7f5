"""A small app that logs through femtologging from several threads.

Four worker threads log into one file and to stdout; the file is flushed and
closed, then the demo shows what it wrote and checks nothing was lost.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from femtologging import FemtoFileHandler, FemtoLogger, FemtoStreamHandler, hello

THREADS = 4
RECORDS_PER_THREAD = 2500


def main() -> None:
    print(hello(), flush=True)
    path = Path(tempfile.mkdtemp(prefix="femtologging-demo-")) / "demo.log"
    file_handler = FemtoFileHandler(
        path, format="%(asctime)s %(threadName)s %(levelname)s %(name)s: %(message)s"
    )
    console = FemtoStreamHandler.stdout(level="WARNING", format="console> %(message)s")
    logger = FemtoLogger("demo")
    logger.add_handler(file_handler)
    logger.add_handler(console)

    def work(worker: int) -> None:
        for i in range(RECORDS_PER_THREAD):
            logger.log("INFO", f"worker {worker} did job {i}")
        logger.log("WARNING", f"worker {worker} finished")

    threads = [threading.Thread(target=work, args=(n,), name=f"worker-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    file_handler.close()
    console.close()

    lines = path.read_text().splitlines()
    print(f"\n{path} holds {len(lines)} lines; the first three:")
    for line in lines[:3]:
        print("   ", line)
    expected = THREADS * (RECORDS_PER_THREAD + 1)
    status = "nothing lost" if len(lines) == expected else f"expected {expected}!"
    print(f"{len(lines)} of {expected} records written: {status}")


if __name__ == "__main__":
    main()
