"""`fileConfig`: logging configured from a ConfigParser-format (ini) file.

The file is read from a path, a file object or a ready ConfigParser. The
`class`, `args`, `kwargs` and `defaults` options are Python expressions,
evaluated in a namespace like the stdlib's `vars(logging)` but holding
femtologging's names, so `class=StreamHandler`, `class=handlers.
RotatingFileHandler` and `args=(sys.stdout,)` mean what they mean with the
stdlib; `logging.*` class names resolve to femtologging's classes.

Errors are the stdlib's (fileConfig lets them through unwrapped), with the
section and option at fault and what was expected in the message, e.g.
`handler_hand1.level: Unknown level: 'NOSET' (...)`.
"""

import configparser
import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from . import _config_errors as errors
from . import _config_names as names
from . import _config_tree as tree

# Where the stdlib's fileConfig changed between the supported versions.
_CHECKS_FILE = sys.version_info >= (3, 11)  # missing/empty/invalid file -> clear errors
_FORMATTER_DEFAULTS = sys.version_info >= (3, 12)  # [formatter_x] defaults=


def fileConfig(
    fname: Any,
    defaults: "dict[str, Any] | None" = None,
    disable_existing_loggers: bool = True,
    encoding: "str | None" = None,
) -> None:
    """Configures logging from an ini file: a path, a file object, or a
    `configparser.RawConfigParser` (whose contents are used as they are)."""
    if _CHECKS_FILE and isinstance(fname, str):
        if not os.path.exists(fname):
            raise FileNotFoundError(f"{fname} doesn't exist")
        if not os.path.getsize(fname):
            raise RuntimeError(f"{fname} is an empty file")
    parser = _read(fname, defaults, encoding)
    formatters = _create_formatters(parser)
    logging = names.package()
    with logging._lock:
        tree.clear_existing_handlers()
        handlers = _install_handlers(parser, formatters)
        _install_loggers(parser, handlers, disable_existing_loggers)


def _read(fname: Any, defaults: Any, encoding: "str | None") -> configparser.RawConfigParser:
    if isinstance(fname, configparser.RawConfigParser):
        return fname
    try:
        parser = configparser.ConfigParser(defaults)
        if hasattr(fname, "readline"):
            parser.read_file(fname)
        else:
            parser.read(fname, encoding=io.text_encoding(encoding))
    except configparser.ParsingError as error:
        if not _CHECKS_FILE:
            raise
        raise RuntimeError(f"{fname} is invalid: {error}") from error
    return parser


def _resolve(name: str) -> Any:
    """The object a dotted name refers to (`logging.*` names being
    femtologging's); ImportError when it cannot be imported."""
    return names.import_dotted(name)


def _strip_spaces(alist: "Iterable[str]") -> "Iterator[str]":
    return map(str.strip, alist)


@contextlib.contextmanager
def _at(section: str, option: "str | None" = None) -> "Iterator[None]":
    """Re-raises an error inside the block with `section.option` and the
    error's explanation in its message, keeping its type."""
    try:
        yield
    except Exception as error:
        made = errors.restate(error, _where(section, option))
        if made is error:
            raise
        raise made from error


def _keys(parser: configparser.RawConfigParser, section: str) -> "list[str]":
    """The names listed by `[section] keys=`, spaces stripped."""
    if not parser.has_section(section):
        raise errors.error(
            KeyError,
            (),
            f"missing section [{section}] (a logging configuration file needs "
            "[loggers], [handlers] and [formatters], each with a keys= option)",
        )
    listing = parser[section]
    if "keys" not in listing:
        raise errors.error(
            KeyError, (errors.Raw(f"{section}.keys"),), "missing option (keys=name1,name2,...)"
        )
    text = listing["keys"]
    return list(_strip_spaces(text.split(","))) if len(text) else []


def _section(
    parser: configparser.RawConfigParser, prefix: str, name: str
) -> configparser.SectionProxy:
    section = f"{prefix}_{name}"
    if not parser.has_section(section):
        raise errors.error(
            KeyError,
            (errors.Raw(f"{prefix}s.keys"),),
            f"lists {name!r} but there is no [{section}] section",
        )
    return parser[section]


def _option(section: configparser.SectionProxy, option: str, hint: str = "") -> str:
    if option not in section:
        raise errors.error(
            KeyError, (errors.Raw(f"{section.name}.{option}"),), "missing option" + hint
        )
    return section[option]


def _where(section: str, option: "str | None" = None) -> errors.Path:
    return (errors.Raw(f"{section}.{option}" if option else section),)


def _evaluate(text: str, namespace: "dict[str, Any]", section: str, option: str) -> Any:
    try:
        return eval(text, namespace)
    except SyntaxError as error:
        raise errors.error(
            SyntaxError,
            _where(section, option),
            f"invalid Python expression {text!r} ({error.msg})",
        ) from error
    except Exception as error:
        made = errors.restate(error, _where(section, option))
        if made is error:
            raise
        raise made from error


def _create_formatters(cp: configparser.RawConfigParser) -> "dict[str, Any]":
    """The formatters of the [formatters] keys, by name."""
    logging = names.package()
    namespace: dict[str, Any] | None = None
    formatters = {}
    for name in _keys(cp, "formatters"):
        section_name = f"formatter_{name}"
        fmt = cp.get(section_name, "format", raw=True, fallback=None)
        datefmt = cp.get(section_name, "datefmt", raw=True, fallback=None)
        style = cp.get(section_name, "style", raw=True, fallback="%")
        section = _section(cp, "formatter", name)
        factory = logging.Formatter
        class_name = section.get("class")
        if class_name:
            with _at(section_name, "class"):
                factory = _resolve(class_name)
        kwargs = {}
        if _FORMATTER_DEFAULTS:
            defaults = cp.get(section_name, "defaults", raw=True, fallback=None)
            if defaults is not None:
                namespace = namespace or names.eval_namespace()
                kwargs["defaults"] = _evaluate(defaults, namespace, section_name, "defaults")
        try:
            formatters[name] = factory(fmt, datefmt, style, **kwargs)
        except Exception as error:
            option = "style" if style not in ("%", "{", "$") else "format"
            with _at(section_name, option if isinstance(error, ValueError) else None):
                raise
    return formatters


def _handler_class(text: str, namespace: "dict[str, Any]", section: str) -> Any:
    """The class named by a handler's `class=`: an expression in the
    logging namespace (`StreamHandler`, `handlers.SysLogHandler`), else a
    dotted name to import."""
    with _at(section, "class"):
        try:
            return eval(text, namespace)
        except (AttributeError, NameError) as lookup_error:
            try:
                return _resolve(text)
            except ImportError as import_error:
                if text.split(".", 1)[0] == "handlers" and "handlers" not in namespace:
                    # `handlers.X` means femtologging.handlers, which failed.
                    names.handlers_module()
                if isinstance(lookup_error, AttributeError):
                    # The head named something real: the attribute is what
                    # is missing, not a module called after it.
                    raise errors.error(
                        ModuleNotFoundError, _where(section, "class"), str(lookup_error)
                    ) from import_error
                raise


def _install_handlers(
    cp: configparser.RawConfigParser, formatters: "dict[str, Any]"
) -> "dict[str, Any]":
    """The handlers of the [handlers] keys, by name, each named, given its
    level and formatter; MemoryHandler targets are linked once all exist."""
    names_listed = _keys(cp, "handlers")
    if not names_listed:
        return {}
    namespace = names.eval_namespace()
    handlers: dict[str, Any] = {}
    targets = []
    for name in names_listed:
        section = _section(cp, "handler", name)
        section_name = section.name
        klass = _handler_class(_option(section, "class"), namespace, section_name)
        formatter_name = section.get("formatter", "")
        args = _evaluate(section.get("args", "()"), namespace, section_name, "args")
        kwargs = _evaluate(section.get("kwargs", "{}"), namespace, section_name, "kwargs")
        try:
            handler = klass(*args, **kwargs)
        except Exception as error:
            if not errors.has_detail(error):
                where = (errors.Raw(section_name),)
                errors.explained(
                    error,
                    (),
                    errors.diagnose_call(klass, tuple(args), dict(kwargs), error, where, False),
                )
            with _at(section_name):
                raise
        tree.name_handler(handler, name)
        if "level" in section:
            handler.setLevel(_checked_level(section["level"], section_name))
        if len(formatter_name):
            if formatter_name not in formatters:
                defined = ", ".join(map(repr, formatters)) or "none"
                raise errors.error(
                    KeyError,
                    (errors.Raw(f"{section_name}.formatter"),),
                    f"no formatter {formatter_name!r} in [formatters] keys (defined: {defined})",
                )
            handler.setFormatter(formatters[formatter_name])
        if names.is_subclass(klass, "MemoryHandler"):
            target = section.get("target", "")
            if len(target):
                targets.append((handler, target, section_name))
        handlers[name] = handler
    for handler, target, section_name in targets:
        if target not in handlers:
            raise errors.error(
                KeyError,
                (errors.Raw(f"{section_name}.target"),),
                f"no handler {target!r} in [handlers] keys",
            )
        handler.setTarget(handlers[target])
    return handlers


def _checked_level(value: str, section: str) -> int:
    logging = names.package()
    try:
        return logging._checkLevel(value)
    except (ValueError, TypeError) as error:
        known = ", ".join(logging.getLevelNamesMapping())
        made = errors.restate(
            errors.explained(
                error, _where(section, "level"), f"{error} (expected one of {known}, or a number)"
            ),
            (),
        )
        if made is error:
            raise
        raise made from error


def _named_handlers(section: configparser.SectionProxy, handlers: "dict[str, Any]") -> "list[Any]":
    text = _option(section, "handlers", " (write 'handlers=' for none)")
    if not len(text):
        return []
    found = []
    for name in _strip_spaces(text.split(",")):
        if name not in handlers:
            defined = ", ".join(map(repr, handlers)) or "none"
            raise errors.error(
                KeyError,
                (errors.Raw(f"{section.name}.handlers"),),
                f"no handler {name!r} in [handlers] keys (defined: {defined})",
            )
        found.append(handlers[name])
    return found


def _install_loggers(
    cp: configparser.RawConfigParser, handlers: "dict[str, Any]", disable_existing: Any
) -> None:
    """Configures the root logger, then the other [loggers] keys; settles
    the loggers that existed before and are not named."""
    logging = names.package()
    listed = _keys(cp, "loggers")
    if "root" not in listed:
        raise errors.error(
            ValueError,
            (errors.Raw("loggers.keys"),),
            "must include 'root' (and a [logger_root] section)",
        )
    listed.remove("root")
    section = _section(cp, "logger", "root")
    root = logging.root
    if "level" in section:
        root.setLevel(_checked_level(section["level"], section.name))
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in _named_handlers(section, handlers):
        root.addHandler(handler)

    existing = tree.ExistingLoggers(root.manager)
    for name in listed:
        section = _section(cp, "logger", name)
        qualname = _option(section, "qualname", " (the logger's name)")
        with _at(section.name, "propagate"):
            propagate = section.getint("propagate", fallback=1)
        logger = logging.getLogger(qualname)
        existing.claim(qualname)
        if "level" in section:
            logger.setLevel(_checked_level(section["level"], section.name))
        for handler in logger.handlers[:]:
            logger.removeHandler(handler)
        logger.propagate = propagate
        logger.disabled = 0  # the stdlib's value, kept for identical state
        tree.set_disabled(qualname, 0)
        for handler in _named_handlers(section, handlers):
            logger.addHandler(handler)
    tree.handle_existing_loggers(existing.left_out(), existing.children, disable_existing)
