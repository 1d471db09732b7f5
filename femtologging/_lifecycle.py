"""Process-wide hooks: flush everything at exit, keep workers sane across fork.

Registered once, when femtologging is imported. The work happens in Rust;
this module only connects it to `atexit` and `os.register_at_fork`.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

from . import _femtologging_rs as _rs


def install() -> None:
    # 3.13 derives msecs/relativeCreated from time.time_ns(); earlier versions
    # from the float time.time(). The core reproduces whichever runs here.
    _rs._configure_clock(sys.version_info >= (3, 13), time.time_ns())
    atexit.register(_rs._shutdown)
    os.register_at_fork(
        before=_rs._before_fork,
        after_in_parent=_rs._after_fork_in_parent,
        after_in_child=_rs._after_fork_in_child,
    )
