# Loads CPython's test/test_logging.py from the running interpreter with logging redirected.
"""Find ``test/test_logging.py`` in the running interpreter and execute it as a module.

The file is read at run time (never copied) and executed as a fresh module named
``test.test_logging`` whose ``__builtins__`` redirect its ``logging`` imports to the target
package.  The module is registered in ``sys.modules`` under that name because the tests
refer to their own classes by dotted path (``__name__ + ".ExceptionFormatter"``) in
configuration dicts and ini text, and unittest looks module fixtures up there.
"""

from __future__ import annotations

import importlib.util
import sys
import unittest
from pathlib import Path
from types import CodeType, ModuleType

from compat_tests.redirect import import_target, is_stdlib, redirected_builtins
from compat_tests.script_shim import patch_script_helpers

MODULE_NAME = "test.test_logging"

# Helpers that test_logging.py imports names from and which themselves subclass logging
# classes; the test module gets a private copy compiled with the same redirect, so its
# handlers derive from the target's classes.  The real helper module is left alone.
REDIRECTED_HELPERS = ("test.support.logging_helper",)


def source_path(module_name: str) -> Path:
    """Path of a module's source file in the running interpreter's stdlib."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ImportError(f"{module_name} source is not available in {sys.executable}")
    return Path(spec.origin)


def test_file() -> Path:
    """Path of the interpreter's own ``test/test_logging.py``."""
    return source_path(MODULE_NAME)


def _prepare(
    name: str, path: Path, target: str, helpers: dict[str, ModuleType]
) -> tuple[ModuleType, CodeType]:
    """A fresh module for ``path`` (redirected unless targeting the stdlib) and its code."""
    module = ModuleType(name)
    module.__file__ = str(path)
    module.__package__ = name.rpartition(".")[0]
    module.__spec__ = importlib.util.spec_from_file_location(name, path)
    module.__loader__ = module.__spec__.loader if module.__spec__ else None
    namespace = vars(module)
    if not is_stdlib(target):
        namespace["__builtins__"] = redirected_builtins(namespace, target, helpers)
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    return module, code


def _register(module: ModuleType) -> None:
    sys.modules[module.__name__] = module
    parent_name, _, child = module.__name__.rpartition(".")
    if parent_name:
        setattr(sys.modules[parent_name], child, module)


def load(target: str, harness_root: str) -> ModuleType:
    """Execute test_logging.py with its logging imports pointed at ``target``."""
    helpers: dict[str, ModuleType] = {}
    if not is_stdlib(target):
        for submodule in ("", ".handlers", ".config"):
            import_target(target + submodule)
        for helper in REDIRECTED_HELPERS:
            module, code = _prepare(helper, source_path(helper), target, {})
            exec(code, vars(module))  # noqa: S102 - running the test file is the point
            helpers[helper] = module
    module, code = _prepare(MODULE_NAME, test_file(), target, helpers)
    _register(module)
    exec(code, vars(module))  # noqa: S102
    if not is_stdlib(target):
        patch_script_helpers(module, target, harness_root)
    return module


def test_classes(module: ModuleType) -> dict[str, type[unittest.TestCase]]:
    """TestCase classes defined by ``module`` that have tests, in definition order."""
    loader = unittest.TestLoader()
    classes: dict[str, type[unittest.TestCase]] = {}
    for name, value in vars(module).items():
        if (
            isinstance(value, type)
            and issubclass(value, unittest.TestCase)
            and value.__module__ == module.__name__
            and value.__name__ == name
            and loader.getTestCaseNames(value)
        ):
            classes[name] = value
    return classes


def short_id(test: unittest.TestCase) -> str:
    """``Class.test_method`` for a test of the loaded module (module prefix removed)."""
    full = test.id()
    prefix = MODULE_NAME + "."
    return full.removeprefix(prefix)


def test_ids(cls: type[unittest.TestCase]) -> list[str]:
    """The ids of the tests unittest would run for ``cls``."""
    suite = unittest.TestLoader().loadTestsFromTestCase(cls)
    return [short_id(test) for test in suite]
