# Entry point for `python -m compat_tests`: delegates to the command-line interface.
from compat_tests.cli import main

raise SystemExit(main())
