"""Name resolution for `femtologging.config`: dotted names and class objects
from a configuration turned into the objects they stand for.

Configurations in the wild name the stdlib (`"logging.StreamHandler"`,
`class=handlers.RotatingFileHandler`, `ext://logging.DEBUG`); those names are
answered by femtologging's own modules. Every other name is imported as
written, so third-party classes (stdlib `logging.Handler` subclasses
included) are used as given. This module also knows the handler kinds that
configuration treats specially, in both worlds (femtologging's classes and
the stdlib's, for classes that subclass the latter).
"""

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

PACKAGE = "femtologging"

#: The modules whose names configuration text may use and femtologging
#: provides: the stdlib's module name -> femtologging's.
_MODULE_MAP = {
    "logging": PACKAGE,
    "logging.handlers": PACKAGE + ".handlers",
    "logging.config": PACKAGE + ".config",
}


def package() -> ModuleType:
    return sys.modules[PACKAGE]


def handlers_module() -> ModuleType:
    """`femtologging.handlers`, imported on first need.

    Raises ImportError naming the module when it cannot be imported, so a
    configuration that needs it fails with the cause in plain sight.
    """
    try:
        import femtologging.handlers as module
    except ImportError as error:
        raise ImportError(
            f"femtologging.handlers could not be imported ({error}); "
            "it is needed for the logging.handlers classes"
        ) from error
    return module


def map_dotted(name: str) -> str:
    """The femtologging equivalent of a stdlib dotted name, else `name`."""
    if name == "logging" or name.startswith("logging."):
        return PACKAGE + name[len("logging") :]
    return name


def import_dotted(name: str, importer: "Callable[..., Any]" = __import__) -> Any:
    """The object a dotted name refers to, importing modules on the way.

    `importer` follows `__import__`'s contract (it is called with a module
    name and its result is only used for the first fragment), so a
    configurator's own `importer` keeps working. A stdlib `logging` name is
    looked up in femtologging instead. Failures raise ImportError (a
    ModuleNotFoundError naming the missing attribute when a module exists
    but lacks it), as the stdlib's lookup does.
    """
    target = map_dotted(name)
    fragments = target.split(".")
    used = fragments[0]
    found = importer(used)
    for fragment in fragments[1:]:
        parent, used = found, f"{used}.{fragment}"
        try:
            found = getattr(found, fragment)
        except AttributeError:
            try:
                importer(used)
            except ModuleNotFoundError as error:
                # Not a submodule either: say which attribute is missing,
                # which is what the user usually got wrong.
                raise MissingAttribute(parent, fragment, name) from error
            found = getattr(found, fragment)
    return found


def resolve(name: str, importer: "Callable[..., Any]" = __import__) -> Any:
    """`import_dotted`, with an ImportError turned into the stdlib's
    ValueError "Cannot resolve 'name': reason"."""
    try:
        return import_dotted(name, importer)
    except ImportError as error:
        raise ValueError(f"Cannot resolve {name!r}: {error}") from error


class MissingAttribute(ModuleNotFoundError):
    """An attribute that is neither there nor importable as a submodule."""

    def __init__(self, parent: Any, fragment: str, asked: str) -> None:
        what = getattr(parent, "__name__", type(parent).__name__)
        if not isinstance(parent, ModuleType):
            missing = f"object {what!r} has no attribute {fragment!r}"
        elif hasattr(parent, "__path__"):
            missing = f"module {what!r} has no attribute or submodule {fragment!r}"
        else:
            missing = f"module {what!r} has no attribute {fragment!r}"
        if map_dotted(asked) != asked:
            missing += " (logging.* names are looked up in femtologging)"
        super().__init__(missing, name=f"{what}.{fragment}")


def _stdlib_module(name: str) -> "ModuleType | None":
    """A stdlib logging module, only if something already imported it: a
    class can only subclass the stdlib's classes once they exist."""
    module = sys.modules.get(name)
    if module is None or module is sys.modules.get(_MODULE_MAP.get(name, "")):
        return None
    return module


def stdlib_counterpart(value: Any) -> Any:
    """femtologging's class for a stdlib `logging` / `logging.handlers`
    class object given as is (a dict built by code that still imports the
    stdlib); anything else, subclasses included, is returned unchanged."""
    if not isinstance(value, type):
        return value
    module_name = getattr(value, "__module__", None)
    if module_name not in ("logging", "logging.handlers"):
        return value
    stdlib = _stdlib_module(module_name)
    if stdlib is None or getattr(stdlib, value.__name__, None) is not value:
        return value
    try:
        ours = import_dotted(f"{module_name}.{value.__name__}")
    except ImportError:
        return value
    return ours if isinstance(ours, type) else value


def kind_classes(name: str, *, stdlib_module: str = "logging.handlers") -> "tuple[type, ...]":
    """The classes called `name` in femtologging's module and the stdlib's
    (when loaded): a handler is of that kind if it subclasses either."""
    found: list[type] = []
    if stdlib_module == "logging":
        ours: Any = package()
    else:
        try:
            ours = handlers_module()
        except ImportError:
            # Without femtologging.handlers no femtologging class can be of
            # these kinds; classes subclassing the stdlib's still are.
            ours = None
    for module in (ours, _stdlib_module(stdlib_module)):
        candidate = getattr(module, name, None) if module is not None else None
        if isinstance(candidate, type) and candidate not in found:
            found.append(candidate)
    return tuple(found)


def is_subclass(klass: Any, name: str) -> bool:
    kinds = kind_classes(name)
    return isinstance(klass, type) and bool(kinds) and issubclass(klass, kinds)


def is_handler(value: Any) -> bool:
    """Whether `value` is a configured handler: femtologging's or a stdlib one."""
    return isinstance(value, kind_classes("Handler", stdlib_module="logging"))


#: Modules the stdlib's `logging` namespace holds; fileConfig evaluates
#: `args`/`kwargs` with them in scope (`args=(sys.stdout,)`).
_NAMESPACE_MODULES = (
    "atexit",
    "collections",
    "io",
    "os",
    "re",
    "sys",
    "threading",
    "time",
    "traceback",
    "warnings",
    "weakref",
)


def eval_namespace() -> "dict[str, Any]":
    """A fresh namespace like `vars(logging)`, with femtologging's names:
    the one fileConfig evaluates `class`, `args`, `kwargs` and `defaults` in."""
    import collections.abc  # noqa: F401 - the stdlib's namespace has it loaded
    import string
    import types

    namespace: dict[str, Any] = {name: __import__(name) for name in _NAMESPACE_MODULES}
    namespace["Template"] = string.Template
    namespace["StrFormatter"] = string.Formatter
    namespace["GenericAlias"] = types.GenericAlias
    package_module = package()
    # dir(), not vars(): it also lists the names loaded on first use.
    namespace.update((name, getattr(package_module, name)) for name in dir(package_module))
    try:
        namespace["handlers"] = handlers_module()
    except ImportError:
        namespace.pop("handlers", None)
    return namespace
