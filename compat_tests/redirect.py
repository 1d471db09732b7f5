# Import redirection: `logging` imports made by one namespace resolve to another package.
"""Redirect ``import logging`` (and its submodules) for a single namespace.

The redirect is installed by giving that namespace its own ``__builtins__`` dict whose
``__import__`` is wrapped.  Only imports whose caller globals *are* that namespace are
rewritten; every other module (``warnings``, ``asyncio``, ``unittest``, ``test.support``, ...)
keeps importing the real ``logging`` and ``sys.modules["logging"]`` is never touched.
"""

from __future__ import annotations

import builtins
import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

STDLIB = "logging"

ImportFunction = Callable[..., ModuleType]


def is_stdlib(target: str) -> bool:
    """True when ``target`` names the real logging package (no redirect needed)."""
    return target == STDLIB


def redirected_name(name: str, target: str) -> str | None:
    """Map ``logging`` / ``logging.<sub>`` onto ``target`` / ``target.<sub>``.

    Returns None for names that are not part of the logging package.
    """
    if name == STDLIB:
        return target
    if name.startswith(STDLIB + "."):
        return target + name[len(STDLIB) :]
    return None


def import_target(name: str) -> ModuleType:
    """Import ``name`` (e.g. ``femtologging.handlers``) and check it hangs off its package.

    ``import logging.handlers`` binds the *top-level* package and the test code then reads
    ``logging.handlers``, so every intermediate package must expose the submodule.
    """
    module = importlib.import_module(name)
    parts = name.split(".")
    node: Any = sys.modules[parts[0]]
    for depth, part in enumerate(parts[1:], start=2):
        if not hasattr(node, part):
            parent = ".".join(parts[: depth - 1])
            raise ImportError(f"{parent} does not expose the submodule {name!r} as .{part}")
        node = getattr(node, part)
    return module


def make_import(
    namespace: Mapping[str, Any],
    target: str,
    overrides: Mapping[str, ModuleType] | None = None,
) -> ImportFunction:
    """Build an ``__import__`` that redirects logging imports made from ``namespace``.

    ``overrides`` maps other absolute module names to replacement modules, used for
    ``from <name> import ...`` statements in ``namespace`` (e.g. a test helper that must
    subclass the target's handlers rather than the stdlib's).
    """
    real_import = builtins.__import__
    replacements = dict(overrides or {})
    top_level = target.partition(".")[0]

    def redirecting_import(
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> ModuleType:
        if level == 0 and globals is namespace:
            if fromlist and name in replacements:
                return replacements[name]
            new_name = redirected_name(name, target)
            if new_name is not None:
                if fromlist:  # the real import also loads submodules named in fromlist
                    return real_import(new_name, None, None, fromlist, 0)
                import_target(new_name)
                return sys.modules[top_level]
        return real_import(name, globals, locals, fromlist, level)

    return redirecting_import


def redirected_builtins(
    namespace: Mapping[str, Any],
    target: str,
    overrides: Mapping[str, ModuleType] | None = None,
) -> dict[str, Any]:
    """A copy of the builtins whose ``__import__`` redirects imports made by ``namespace``.

    The copy is a snapshot: later monkeypatching of the ``builtins`` module is not seen by
    code running in ``namespace`` (test_logging.py itself never patches builtins).
    """
    table = dict(vars(builtins))
    table["__import__"] = make_import(namespace, target, overrides)
    return table
