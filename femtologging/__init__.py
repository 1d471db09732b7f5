"""femtologging: Python's `logging`, with its engine in Rust.

The native core is exported here as it is built; see docs/architecture.md.
"""

from __future__ import annotations

from . import _lifecycle
from ._femtologging_rs import (
    FemtoFileHandler,
    FemtoHandler,
    FemtoLevel,
    FemtoLogger,
    FemtoStreamHandler,
    hello,
)

__all__ = [
    "FemtoFileHandler",
    "FemtoHandler",
    "FemtoLevel",
    "FemtoLogger",
    "FemtoStreamHandler",
    "hello",
]

_lifecycle.install()
