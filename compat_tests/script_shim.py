# Code strings run in child interpreters (assert_python_ok & co.): redirect their logging too.
"""Give ``python -c CODE`` children of the tests the same ``logging`` redirect.

Parent side: :func:`patch_script_helpers` wraps the ``test.support.script_helper``
functions that the test module imported, so every ``-c`` code string is replaced by a
small prologue that puts the target package and this harness on ``sys.path`` (the helpers
run children with ``-I``, which ignores ``PYTHONPATH``) and then calls :func:`run_as_main`.

Child side: :func:`run_as_main` executes the original code in ``__main__`` with redirected
builtins, exactly like the test module itself.  The code string is passed through
unchanged, so every ``import logging`` form inside it is covered without text rewriting.
Keep this module's imports light: it runs before the test's own code in the child.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from compat_tests.redirect import redirected_builtins

# script_helper functions that accept interpreter arguments (``"-c", code``).
SCRIPT_RUNNERS = (
    "assert_python_ok",
    "assert_python_failure",
    "spawn_python",
    "run_python_until_end",
)
_RUNNER_NAME = "_compat_tests_run_as_main"


def package_search_dir(package: ModuleType) -> str:
    """The sys.path entry from which ``package`` was imported."""
    location = getattr(package, "__file__", None)
    search_paths = list(getattr(package, "__path__", []) or [])
    if search_paths:
        return os.path.dirname(os.path.abspath(search_paths[0]))
    if location:
        return os.path.dirname(os.path.abspath(location))
    raise ImportError(f"cannot tell where {package.__name__} was imported from")


def shim_code(code: str, target: str, front_paths: Sequence[str], harness_root: str) -> str:
    """Wrap ``code`` so that it runs with ``logging`` redirected to ``target``."""
    return "\n".join(
        [
            "import sys",
            f"sys.path[:0] = [p for p in {list(front_paths)!r} if p not in sys.path]",
            f"sys.path.append({harness_root!r})",
            f"from compat_tests.script_shim import run_as_main as {_RUNNER_NAME}",
            "del sys",
            f"{_RUNNER_NAME}({code!r}, {target!r})",
        ]
    )


def rewrite_arguments(args: Sequence[Any], wrap: Callable[[str], str]) -> list[Any]:
    """Replace the code string following each ``-c`` with ``wrap(code)``."""
    rewritten = list(args)
    for index, value in enumerate(rewritten[:-1]):
        if value == "-c" and isinstance(rewritten[index + 1], str):
            rewritten[index + 1] = wrap(rewritten[index + 1])
    return rewritten


def patch_script_helpers(module: ModuleType, target: str, harness_root: str) -> list[str]:
    """Wrap the script_helper functions bound in ``module``; returns the wrapped names."""
    package = sys.modules[target.partition(".")[0]]
    front = [package_search_dir(package)]

    def wrap(code: str) -> str:
        return shim_code(code, target, front, harness_root)

    patched = []
    for name in SCRIPT_RUNNERS:
        function = getattr(module, name, None)
        if callable(function):
            setattr(module, name, _wrapped(function, wrap))
            patched.append(name)
    return patched


def _wrapped(function: Callable[..., Any], wrap: Callable[[str], str]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run_with_redirect(*args: Any, **kwargs: Any) -> Any:
        return function(*rewrite_arguments(args, wrap), **kwargs)

    return run_with_redirect


def run_as_main(code: str, target: str) -> None:
    """Child side: execute ``code`` in ``__main__`` with logging imports redirected."""
    namespace = sys.modules["__main__"].__dict__
    namespace.pop(_RUNNER_NAME, None)
    namespace["__builtins__"] = redirected_builtins(namespace, target)
    exec(compile(code, "<string>", "exec"), namespace)  # noqa: S102
