"""`python -m femtologging recover PATH...`: writes to each log file the
records that journals of processes killed while writing it still hold
(SIGKILL, the OOM killer). Opening a handler on the path does the same; this
is for a file no program will open again."""

import argparse
import os
import sys

from ._femtologging_rs import _recover


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m femtologging")
    commands = parser.add_subparsers(dest="command", required=True)
    recover = commands.add_parser(
        "recover", help="write the records a killed process left in its journals"
    )
    recover.add_argument("paths", nargs="+", metavar="PATH", help="a log file")
    arguments = parser.parse_args(argv)
    status = 0
    for path in arguments.paths:
        # Journals name the absolute path their handler opened.
        absolute = os.path.abspath(path)
        try:
            journals, written = _recover(absolute)
        except OSError as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 1
            continue
        print(f"{path}: {written} bytes recovered from {journals} journal(s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
