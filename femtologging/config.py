"""`femtologging.config`: the `logging.config` API, for femtologging.

Owns `dictConfig` and its machinery (`DictConfigurator`, `BaseConfigurator`,
the converting containers, `cfg://` and `ext://` references) and is the
public face of `fileConfig` (in `_config_file`) and `listen` /
`stopListening` (in `_config_listen`).

Configurations written for the stdlib work unchanged: class names such as
`logging.StreamHandler` or `logging.handlers.RotatingFileHandler` resolve to
femtologging's classes (see `_config_names`); other classes and `()`
factories are imported as given. Errors have the stdlib's types and
wording, followed by the path of the failing key and what was expected
there (see `_config_errors`). Where the stdlib's behaviour differs between
Python versions, the running version's is followed.
"""

import functools
import queue
import re
import sys
from collections.abc import Callable
from typing import Any

import femtologging as logging

from . import _config_errors as _errors
from . import _config_file
from . import _config_names as _names
from . import _config_tree as _tree
from ._config_file import _resolve, fileConfig
from ._config_listen import (
    DEFAULT_LOGGING_CONFIG_PORT,
    RESET_ERROR,
    StreamRequestHandler,  # noqa: F401  (the stdlib module exposes them too)
    ThreadingTCPServer,  # noqa: F401
    listen,
    stopListening,
)

try:
    # As `import logging.config` makes `logging.handlers` available, code
    # relying on that keeps working. Configurations that need no handler of
    # that module still work without it.
    from . import handlers  # noqa: F401
except ImportError:
    pass

__all__ = [
    "BaseConfigurator",
    "ConvertingDict",
    "ConvertingList",
    "ConvertingMixin",
    "ConvertingTuple",
    "DEFAULT_LOGGING_CONFIG_PORT",
    "DictConfigurator",
    "IDENTIFIER",
    "RESET_ERROR",
    "dictConfig",
    "dictConfigClass",
    "fileConfig",
    "listen",
    "stopListening",
    "valid_ident",
]

# Where the stdlib's dictConfig changed between the supported versions.
_CALLABLE_FILTERS = sys.version_info >= (3, 11)  # filter objects in `filters` lists
_QUEUE_HANDLER_KEYS = sys.version_info >= (3, 12)  # queue/listener/handlers, class objects
_FORMATTER_DEFAULTS = sys.version_info >= (3, 12)  # a formatter's `defaults` key
_FREE_FORM_INDEX = sys.version_info >= (3, 13)  # cfg://x[any key, spaces too]

# The stdlib module's helpers, which code in the wild calls.
_clearExistingHandlers = _tree.clear_existing_handlers
_handle_existing_loggers = _tree.handle_existing_loggers
_create_formatters = _config_file._create_formatters
_install_handlers = _config_file._install_handlers
_install_loggers = _config_file._install_loggers
_strip_spaces = _config_file._strip_spaces

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$", re.I)


def valid_ident(s: str) -> bool:
    """True for a Python identifier; raises ValueError otherwise."""
    if not IDENTIFIER.match(s):
        raise ValueError(f"Not a valid Python identifier: {s!r}")
    return True


def __getattr__(name: str) -> Any:
    # The running listener lives with `listen`; `config._listener` reads it.
    if name == "_listener":
        from . import _config_listen

        return _config_listen._listener
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------
# Converting containers: dicts, lists and tuples of a configuration that
# convert their items (`ext://`, `cfg://`, nested containers) on access.


def _path_of(container: Any) -> _errors.Path:
    """Where a converting container sits in the configuration, from the
    `parent`/`key` links the containers keep."""
    parts: list[Any] = []
    node = container
    for _ in range(64):  # links may form a loop through cfg:// references
        parent = getattr(node, "parent", None)
        if parent is None or not hasattr(node, "key"):
            break
        parts.append(node.key)
        node = parent
    return tuple(reversed(parts))


class ConvertingMixin:
    """Converts an item of the container it is mixed into when read."""

    configurator: "BaseConfigurator"

    def convert_with_key(self, key: Any, value: Any, replace: bool = True) -> Any:
        try:
            result = self.configurator.convert(value)
        except Exception as error:
            _errors.annotate(error, _path_of(self) + (key,))
            raise
        if value is not result:
            if replace:
                self[key] = result  # type: ignore[index]
            if isinstance(result, _CONVERTING_TYPES):
                result.parent = self
                result.key = key
        return result

    def convert(self, value: Any) -> Any:
        result = self.configurator.convert(value)
        if value is not result and isinstance(result, _CONVERTING_TYPES):
            result.parent = self
        return result


class ConvertingDict(dict, ConvertingMixin):  # type: ignore[type-arg]
    """A dict whose values are converted when read."""

    def __getitem__(self, key: Any) -> Any:
        return self.convert_with_key(key, dict.__getitem__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        return self.convert_with_key(key, dict.get(self, key, default))

    def pop(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        return self.convert_with_key(key, dict.pop(self, key, default), replace=False)


class ConvertingList(list, ConvertingMixin):  # type: ignore[type-arg]
    """A list whose items are converted when read."""

    def __getitem__(self, key: Any) -> Any:
        return self.convert_with_key(key, list.__getitem__(self, key))

    def pop(self, idx: Any = -1) -> Any:
        return self.convert(list.pop(self, idx))


class ConvertingTuple(tuple, ConvertingMixin):  # type: ignore[type-arg]
    """A tuple whose items are converted when read (never stored back)."""

    def __getitem__(self, key: Any) -> Any:
        return self.convert_with_key(key, tuple.__getitem__(self, key), replace=False)


_CONVERTING_TYPES = (ConvertingDict, ConvertingList, ConvertingTuple)


# ---------------------------------------------------------------------------
# BaseConfigurator: references and factories.


class BaseConfigurator:
    """Turns configuration values into objects: `ext://` imports, `cfg://`
    references into the configuration itself, and `()` factories."""

    CONVERT_PATTERN = re.compile(r"^(?P<prefix>[a-z]+)://(?P<suffix>.*)$")
    WORD_PATTERN = re.compile(r"^\s*(\w+)\s*")
    DOT_PATTERN = re.compile(r"^\.\s*(\w+)\s*")
    INDEX_PATTERN = (
        re.compile(r"^\[([^\[\]]*)\]\s*")
        if _FREE_FORM_INDEX
        else re.compile(r"^\[\s*(\w+)\s*\]\s*")
    )
    DIGIT_PATTERN = re.compile(r"^\d+$")

    value_converters = {
        "ext": "ext_convert",
        "cfg": "cfg_convert",
    }

    # Replaceable (e.g. with importlib.import_module) by subclasses.
    importer = staticmethod(__import__)

    def __init__(self, config: Any) -> None:
        self.config = ConvertingDict(config)
        self.config.configurator = self

    def resolve(self, s: str) -> Any:
        """The object a dotted name refers to; `logging.*` names are
        femtologging's. Raises ValueError when it cannot be imported."""
        return _names.resolve(s, self.importer)

    def ext_convert(self, value: str) -> Any:
        """`ext://dotted.name`: an object importable from outside the
        configuration."""
        return self.resolve(value)

    def cfg_convert(self, value: str) -> Any:
        """`cfg://section.key[index]`: a value from elsewhere in this
        configuration."""
        match = self.WORD_PATTERN.match(value)
        if match is None:
            raise ValueError(f"Unable to convert {value!r}")
        first = match.group(1)
        walked = first
        if first not in self.config:
            raise _errors.key_error(f"cfg://{value}: the configuration has no key {first!r}")
        current = self.config[first]
        rest = value[match.end() :]
        # Each step is looked up as soon as it is parsed, so a missing key
        # is reported before a syntax error further right, as the stdlib does.
        while rest:
            dot = self.DOT_PATTERN.match(rest)
            if dot is not None:
                step, tries = dot, (dot.group(1),)
            else:
                index = self.INDEX_PATTERN.match(rest)
                if index is None:
                    raise ValueError(f"Unable to convert {value!r} at {rest!r}")
                step, key = index, index.group(1)
                # Digits: a sequence index (a dict still needs an int key).
                tries = (int(key), key) if self.DIGIT_PATTERN.match(key) else (key,)
            current = self._step(current, tries, value, walked)
            walked += rest[: step.end()].rstrip()
            rest = rest[step.end() :]
        return current

    @staticmethod
    def _step(container: Any, tries: "tuple[Any, ...]", value: str, walked: str) -> Any:
        """`container[key]` for one step of a `cfg://` path. Digits index a
        sequence, else are a key; presence is checked before the lookup, so
        an error raised while converting the value found is not mistaken
        for a missing key."""
        key = tries[0]
        if isinstance(container, dict):
            if key not in container:
                raise _errors.key_error(f"cfg://{value}: {walked} has no key {key!r}")
            return container[key]
        if isinstance(container, (list, tuple)):
            if not isinstance(key, int):
                raise TypeError(
                    f"cfg://{value}: {walked} is {_errors.kind(container)}, "
                    f"which cannot be indexed with {key!r}"
                )
            if key >= len(container):
                raise IndexError(f"cfg://{value}: index {key} is out of range for {walked}")
            return container[key]
        for attempt, candidate in enumerate(tries):
            try:
                return container[candidate]
            except TypeError:
                if attempt + 1 == len(tries):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def convert(self, value: Any) -> Any:
        """Wraps dicts, lists and (non-named) tuples in converting
        containers, and replaces `prefix://` strings with what they refer to."""
        if isinstance(value, dict):
            if not isinstance(value, ConvertingDict):
                value = ConvertingDict(value)
                value.configurator = self
        elif isinstance(value, list):
            if not isinstance(value, ConvertingList):
                value = ConvertingList(value)
                value.configurator = self
        elif isinstance(value, tuple):
            # A namedtuple is a value in its own right (bpo-39142).
            if not isinstance(value, ConvertingTuple) and not hasattr(value, "_fields"):
                value = ConvertingTuple(value)
                value.configurator = self
        elif isinstance(value, str):
            match = self.CONVERT_PATTERN.match(value)
            if match is not None:
                converter = self.value_converters.get(match.group("prefix"))
                if converter:
                    value = getattr(self, converter)(match.group("suffix"))
        return value

    def configure_custom(self, config: Any) -> Any:
        """Calls the `()` factory with the other keys as keyword arguments,
        then sets the attributes listed under `.`."""
        path = _path_of(config)
        factory = config.pop("()")
        if callable(factory):
            factory = _names.stdlib_counterpart(factory)
        else:
            try:
                factory = self.resolve(factory)
            except Exception as error:
                _errors.annotate(error, path + ("()",))
                raise
        kwargs = _keyword_arguments(config, path, factory)
        try:
            result = factory(**kwargs)
        except Exception as error:
            _explain_call(error, factory, (), kwargs, path)
            raise
        _set_properties(result, config.pop(".", None), path)
        return result

    def as_tuple(self, value: Any) -> Any:
        """A list as a tuple; anything else unchanged."""
        if isinstance(value, list):
            value = tuple(value)
        return value


def _keyword_arguments(config: Any, path: _errors.Path, factory: Any) -> "dict[str, Any]":
    """The keys of a `()`/`class` configuration as keyword arguments; each is
    checked to be an identifier, then converted, in order."""
    kwargs = {}
    for key in config:
        if key == ".":
            continue
        try:
            valid_ident(key)
        except (ValueError, TypeError) as error:
            name = _errors.callable_name(factory)
            raise _errors.explained(
                error,
                path + (key,),
                f"not a valid keyword argument name; every key passed to {name}() "
                "must be a Python identifier",
            ) from None
        kwargs[key] = config[key]
    return kwargs


def _explain_call(
    error: BaseException,
    factory: Any,
    args: "tuple[Any, ...]",
    kwargs: "dict[str, Any]",
    path: _errors.Path,
    key_paths: bool = True,
) -> None:
    if _errors.has_detail(error):
        return
    text = _errors.diagnose_call(factory, args, kwargs, error, path, key_paths)
    _errors.explained(error, (), text)


def _set_properties(target: Any, properties: Any, path: _errors.Path) -> None:
    """Applies the `.` mapping: attributes set on the object just made."""
    if not properties:
        return
    for name, value in properties.items():
        try:
            setattr(target, name, value)
        except Exception as error:
            _errors.explained(
                error, path + (".", name), f"cannot set attribute: {_errors.describe_plain(error)}"
            )
            raise


def _level(value: Any, path: _errors.Path) -> int:
    """A level number from a configuration value; the stdlib's errors, with
    the key path and the accepted values in the detail."""
    try:
        return logging._checkLevel(value)
    except (ValueError, TypeError) as error:
        known = ", ".join(repr(name) for name in logging.getLevelNamesMapping())
        raise _errors.explained(
            error, path, f"{error} (expected a level name, one of {known}, or an int)"
        ) from None


def _is_queue_like_object(obj: Any) -> bool:
    """Whether `obj` can serve as a QueueHandler's queue: a `queue.Queue`, a
    multiprocessing queue, or any object with the Queue methods (a manager's
    proxy, whose type cannot be named without starting a manager)."""
    if isinstance(obj, queue.Queue):
        return True
    mp_queues = sys.modules.get("multiprocessing.queues")
    if mp_queues is not None and isinstance(obj, mp_queues.Queue):
        return True
    methods = (
        "empty",
        "full",
        "get",
        "get_nowait",
        "put",
        "put_nowait",
        "join",
        "qsize",
        "task_done",
    )
    return all(callable(getattr(obj, method, None)) for method in methods)


# ---------------------------------------------------------------------------
# DictConfigurator: the schema of logging.config.dictConfig.

_EMPTY: "dict[str, Any]" = {}


class DictConfigurator(BaseConfigurator):
    """Configures logging from a dictionary (the `dictConfig` schema)."""

    #: Where in the configuration the current step is, for error details
    #: when the value at fault cannot tell (it is not a converting container).
    _location: _errors.Path = ()

    def configure(self) -> None:
        """Applies the whole configuration (or, with `incremental`, only the
        levels and logger settings it lists)."""
        config = self.config
        if "version" not in config:
            raise _errors.error(
                ValueError,
                (),
                "dictionary doesn't specify a version (version: missing, expected 1)",
            )
        version = config["version"]
        if version != 1:
            raise _errors.error(
                ValueError, (), f"Unsupported version: {version} (version: expected 1)"
            )
        incremental = config.pop("incremental", False)
        with logging._lock:
            if incremental:
                self._configure_incrementally(config)
            else:
                self._configure_completely(config)

    def _configure_incrementally(self, config: Any) -> None:
        handlers = config.get("handlers", _EMPTY)
        for name in _section_names(handlers, "handlers", "handler"):
            path = ("handlers", name)
            if name not in logging._handlers:
                existing = ", ".join(sorted(map(repr, logging._handlers))) or "none"
                raise _errors.error(
                    ValueError,
                    (),
                    f"No handler found with name {name!r} ({_errors.render(path)}: an "
                    "incremental configuration can only change handlers that exist; "
                    f"existing: {existing})",
                )
            try:
                handler = logging._handlers[name]
                handler_config = handlers[name]
                level = handler_config.get("level", None)
                if level:
                    handler.setLevel(_level(level, path + ("level",)))
            except Exception as error:
                raise _errors.wrap(f"Unable to configure handler {name!r}", error, path) from error
        loggers = config.get("loggers", _EMPTY)
        for name in _section_names(loggers, "loggers", "logger"):
            try:
                self.configure_logger(name, loggers[name], True)
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to configure logger {name!r}", error, ("loggers", name)
                ) from error
        root = config.get("root", None)
        if root:
            try:
                self.configure_root(root, True)
            except Exception as error:
                raise _errors.wrap("Unable to configure root logger", error, ("root",)) from error

    def _configure_completely(self, config: Any) -> None:
        disable_existing = config.pop("disable_existing_loggers", True)
        _clearExistingHandlers()

        # Formatters and filters refer to nothing else; handlers refer to
        # them (and to each other); loggers refer to handlers and filters.
        formatters = config.get("formatters", _EMPTY)
        for name in _section_names(formatters, "formatters", "formatter"):
            self._location = ("formatters", name)
            try:
                formatters[name] = self.configure_formatter(formatters[name])
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to configure formatter {name!r}", error, self._location
                ) from error

        filters = config.get("filters", _EMPTY)
        for name in _section_names(filters, "filters", "filter"):
            self._location = ("filters", name)
            try:
                filters[name] = self.configure_filter(filters[name])
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to configure filter {name!r}", error, self._location
                ) from error

        self._configure_handlers(config.get("handlers", _EMPTY))

        existing = _tree.ExistingLoggers(logging.root.manager)
        loggers = config.get("loggers", _EMPTY)
        for name in _section_names(loggers, "loggers", "logger"):
            existing.claim(name)
            self._location = ("loggers", name)
            try:
                self.configure_logger(name, loggers[name])
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to configure logger {name!r}", error, self._location
                ) from error
        # Loggers made before this configuration and not named by it stop
        # logging, unless they sit below a configured logger.
        _handle_existing_loggers(existing.left_out(), existing.children, disable_existing)

        root = config.get("root", None)
        if root:
            self._location = ("root",)
            try:
                self.configure_root(root)
            except Exception as error:
                raise _errors.wrap("Unable to configure root logger", error, ("root",)) from error

    def _configure_handlers(self, handlers: Any) -> None:
        """Makes the handlers in name order; one that refers to a handler
        not made yet (MemoryHandler target, QueueHandler handlers) is retried
        after the others."""
        deferred = []
        for name in _section_names(handlers, "handlers", "handler", sort=True):
            try:
                self._make_handler(handlers, name)
            except Exception as error:
                if " not configured yet" in str(error.__cause__):
                    deferred.append(name)
                else:
                    raise _errors.wrap(
                        f"Unable to configure handler {name!r}", error, ("handlers", name)
                    ) from error
        for name in deferred:
            try:
                self._make_handler(handlers, name)
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to configure handler {name!r}", error, ("handlers", name)
                ) from error

    def _make_handler(self, handlers: Any, name: str) -> None:
        self._location = ("handlers", name)
        handler = self.configure_handler(handlers[name])
        try:
            _tree.name_handler(handler, name)
        except Exception as error:
            _errors.explained(
                error,
                ("handlers", name),
                f"the configuration made {_errors.short(handler)}, which is not a handler",
            )
            raise
        handlers[name] = handler

    def configure_formatter(self, config: Any) -> Any:
        """A formatter from a dictionary: `()` factory, or `class` (default
        Formatter) called with format, datefmt, style[, validate][, defaults]."""
        path = _path_of(config) or self._location
        _require_mapping(config, path, "a dict with 'format', 'datefmt', 'style', ...")
        if "()" in config:
            factory = config["()"]
            try:
                return self.configure_custom(config)
            except TypeError as error:
                # Formatter takes `fmt`; a `()` factory is often such a class
                # configured with the schema's `format` key.
                if "'format'" not in str(error):
                    raise
                config["fmt"] = config.pop("format")
                config["()"] = factory
                return self.configure_custom(config)
        fmt = config.get("format", None)
        datefmt = config.get("datefmt", None)
        style = config.get("style", "%")
        class_name = config.get("class", None)
        if not class_name:
            factory = logging.Formatter
        elif isinstance(class_name, str):
            try:
                factory = _resolve(class_name)
            except Exception as error:
                _errors.annotate(error, path + ("class",))
                raise
        else:
            raise _errors.error(
                TypeError,
                path + ("class",),
                f"expected a dotted class name, got {_errors.short(class_name)} "
                "(use '()' to give a class or factory object)",
            )
        kwargs = {}
        if _FORMATTER_DEFAULTS:
            defaults = config.get("defaults", None)
            # Only when given: custom formatter classes may not take it.
            if defaults is not None:
                kwargs["defaults"] = defaults
        args: tuple[Any, ...] = (fmt, datefmt, style)
        if "validate" in config:
            args += (config["validate"],)
        try:
            return factory(*args, **kwargs)
        except Exception as error:
            _explain_formatter_error(error, factory, args, kwargs, path)
            raise

    def configure_filter(self, config: Any) -> Any:
        """A filter from a dictionary: `()` factory, or Filter(name)."""
        path = _path_of(config) or self._location
        _require_mapping(config, path, "a dict with 'name' or '()'")
        if "()" in config:
            return self.configure_custom(config)
        return logging.Filter(config.get("name", ""))

    def add_filters(self, filterer: Any, filters: Any) -> None:
        """Adds filters by name from the `filters` section (or, from 3.11,
        filter objects and callables given directly)."""
        base = _path_of(filters) or self._location + ("filters",)
        for position, item in enumerate(filters):
            try:
                if _CALLABLE_FILTERS and (
                    callable(item) or callable(getattr(item, "filter", None))
                ):
                    chosen = item
                else:
                    chosen = self._named(
                        "filters", item, base + (position,), "filter", listing=filters
                    )
                filterer.addFilter(chosen)
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to add filter {item!r}", error, base + (position,)
                ) from error

    def add_handlers(self, logger: Any, handlers: Any) -> None:
        """Adds handlers by name from the `handlers` section."""
        base = _path_of(handlers) or self._location + ("handlers",)
        for position, name in enumerate(handlers):
            try:
                logger.addHandler(
                    self._named("handlers", name, base + (position,), "handler", listing=handlers)
                )
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to add handler {name!r}", error, base + (position,)
                ) from error

    def _named(
        self, section: str, name: Any, path: _errors.Path, what: str, listing: Any = None
    ) -> Any:
        """`self.config[section][name]`, failing with the stdlib's exception
        and a detail listing what the section does define."""
        try:
            return self.config[section][name]
        except Exception as error:
            raise _errors.explained(
                error, path, _unknown_reference(self.config, section, name, what, listing)
            ) from None

    def common_logger_config(self, logger: Any, config: Any, incremental: bool = False) -> None:
        """Level, and (unless incremental) handlers and filters, of a logger."""
        path = _path_of(config) or self._location
        _require_mapping(config, path, "a dict with 'level', 'handlers', 'propagate', ...")
        level = config.get("level", None)
        if level is not None:
            logger.setLevel(_level(level, path + ("level",)))
        if not incremental:
            for handler in logger.handlers[:]:
                logger.removeHandler(handler)
            handlers = config.get("handlers", None)
            if handlers:
                self.add_handlers(logger, handlers)
            filters = config.get("filters", None)
            if filters:
                self.add_filters(logger, filters)

    def configure_logger(self, name: str, config: Any, incremental: bool = False) -> None:
        """A non-root logger from a dictionary."""
        logger = logging.getLogger(name)
        self.common_logger_config(logger, config, incremental)
        logger.disabled = False
        _tree.set_disabled(name, False)
        propagate = config.get("propagate", None)
        if propagate is not None:
            logger.propagate = propagate

    def configure_root(self, config: Any, incremental: bool = False) -> None:
        """The root logger from a dictionary."""
        self.common_logger_config(logging.getLogger(), config, incremental)

    # -- handlers -----------------------------------------------------------

    def configure_handler(self, config: Any) -> Any:
        """A handler from a dictionary: `class` or `()`, its keyword
        arguments, then formatter, level, filters and `.` attributes."""
        path = _path_of(config) or self._location
        _require_mapping(config, path, "a dict with 'class' (or '()') and its arguments")
        snapshot = dict(config)  # restored when the handler must wait for others
        formatter = config.pop("formatter", None)
        if formatter:
            try:
                formatter = self._named("formatters", formatter, path + ("formatter",), "formatter")
            except Exception as error:
                raise _errors.wrap(
                    f"Unable to set formatter {formatter!r}", error, path + ("formatter",)
                ) from error
        level = config.pop("level", None)
        filters = config.pop("filters", None)
        if "()" in config:
            factory = config.pop("()")
            if callable(factory):
                factory = _names.stdlib_counterpart(factory)
            else:
                try:
                    factory = self.resolve(factory)
                except Exception as error:
                    _errors.annotate(error, path + ("()",))
                    raise
        else:
            klass = self._handler_class(config.pop("class"), path + ("class",))
            self._prepare_special_arguments(klass, config, snapshot, path)
            if _QUEUE_HANDLER_KEYS and _names.is_subclass(klass, "QueueHandler"):
                factory = functools.partial(self._configure_queue_handler, klass)
            else:
                factory = klass
        kwargs = _keyword_arguments(config, path, factory)
        try:
            try:
                result = factory(**kwargs)
            except TypeError as error:
                # Handlers written for Python 2.6 and older took `strm`.
                if "'stream'" not in str(error):
                    raise
                kwargs["strm"] = kwargs.pop("stream")
                result = factory(**kwargs)
        except Exception as error:
            _explain_call(error, factory, (), kwargs, path)
            raise
        if formatter:
            result.setFormatter(formatter)
        if level is not None:
            result.setLevel(_level(level, path + ("level",)))
        if filters:
            self.add_filters(result, filters)
        _set_properties(result, config.pop(".", None), path)
        return result

    def _handler_class(self, class_name: Any, path: _errors.Path) -> type:
        if class_name is None:
            raise _errors.error(KeyError, path[:-1], "missing key 'class' (or '()' for a factory)")
        if isinstance(class_name, str):
            try:
                klass = self.resolve(class_name)
            except Exception as error:
                _errors.annotate(error, path)
                raise
        elif _QUEUE_HANDLER_KEYS and callable(class_name):
            klass = _names.stdlib_counterpart(class_name)
        else:
            raise _errors.error(
                TypeError,
                path,
                f"expected a dotted class name, got {_errors.short(class_name)}"
                + ("" if _QUEUE_HANDLER_KEYS else " (use '()' to give a class object)"),
            )
        if not isinstance(klass, type):
            raise _errors.error(
                TypeError,
                path,
                f"expected a class, got {_errors.short(klass)} (use '()' for a factory function)",
            )
        return klass

    def _prepare_special_arguments(
        self, klass: type, config: Any, snapshot: "dict[str, Any]", path: _errors.Path
    ) -> None:
        """Arguments the schema gives by name that the handler takes as
        objects: MemoryHandler's target, QueueHandler's queue, listener and
        handlers, SMTPHandler's mailhost and SysLogHandler's address."""
        if _names.is_subclass(klass, "MemoryHandler"):
            if _QUEUE_HANDLER_KEYS and "flushLevel" in config:
                config["flushLevel"] = _level(config["flushLevel"], path + ("flushLevel",))
            if "target" in config:
                target = config["target"]
                try:
                    config["target"] = self._configured_handler(
                        target, config, snapshot, path + ("target",), "target"
                    )
                except Exception as error:
                    raise _errors.wrap(
                        f"Unable to set target handler {target!r}", error, path + ("target",)
                    ) from error
        elif _QUEUE_HANDLER_KEYS and _names.is_subclass(klass, "QueueHandler"):
            if "queue" in config:
                config["queue"] = self._queue_from_spec(config["queue"], path + ("queue",))
            if "listener" in config:
                config["listener"] = self._listener_from_spec(
                    config["listener"], path + ("listener",)
                )
            if "handlers" in config:
                config["handlers"] = self._required_handlers(config, snapshot, path)
        elif _names.is_subclass(klass, "SMTPHandler") and "mailhost" in config:
            config["mailhost"] = self.as_tuple(config["mailhost"])
        elif _names.is_subclass(klass, "SysLogHandler") and "address" in config:
            config["address"] = self.as_tuple(config["address"])

    def _configured_handler(
        self, name: Any, config: Any, snapshot: "dict[str, Any]", path: _errors.Path, role: str
    ) -> Any:
        """The handler called `name`, which must already be made; if it is
        only described so far, the handler being configured is put back as
        it was and the error says so ("... not configured yet"), so that
        `configure` retries it after the others."""
        handler = self._named("handlers", name, path, "handler")
        if not _names.is_handler(handler):
            config.update(snapshot)
            message = (
                "target not configured yet"
                if role == "target"
                else f"Required handler {name!r} is not configured yet"
            )
            made = _errors.error(TypeError, (), message)
            _errors.explained(
                made,
                path,
                f"handler {name!r} is not configured yet (handlers that refer "
                "to each other in a loop cannot be made)",
            )
            raise made
        return handler

    def _required_handlers(
        self, config: Any, snapshot: "dict[str, Any]", path: _errors.Path
    ) -> "list[Any]":
        names = config["handlers"]
        base = _path_of(names) or path + ("handlers",)
        found = []
        current: Any = names
        try:
            if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
                raise _errors.error(
                    TypeError,
                    base,
                    f"expected a list of handler names, got {_errors.short(names)}",
                )
            for position, current in enumerate(names):
                found.append(
                    self._configured_handler(
                        current, config, snapshot, base + (position,), "handlers"
                    )
                )
        except Exception as error:
            raise _errors.wrap(
                f"Unable to set required handler {current!r}", error, base
            ) from error
        return found

    def _queue_from_spec(self, spec: Any, path: _errors.Path) -> Any:
        """A QueueHandler's `queue`: a queue object, a dotted name of a
        callable returning one, or a dict with `()`."""
        expected = "expected a queue, the dotted name of a queue factory, or a dict with '()'"
        try:
            if isinstance(spec, str):
                factory = self.resolve(spec)
                if not callable(factory):
                    raise _errors.error(TypeError, path, f"{expected}; {spec!r} is not callable")
                return factory()
            if isinstance(spec, dict):
                if "()" not in spec:
                    raise _errors.error(TypeError, path, f"{expected}; the dict has no '()'")
                return self.configure_custom(dict(spec))
            if not _is_queue_like_object(spec):
                raise _errors.error(TypeError, path, f"{expected}, got {_errors.short(spec)}")
            return spec
        except Exception as error:
            _errors.mark_terse(_errors.annotate(error, path))
            raise

    def _listener_from_spec(self, spec: Any, path: _errors.Path) -> Any:
        """A QueueHandler's `listener`: a QueueListener subclass, a dotted
        name of one or of a factory, or a dict with `()`."""
        expected = "expected a QueueListener subclass, its dotted name, or a dict with '()'"
        try:
            if isinstance(spec, type):
                if not _names.is_subclass(spec, "QueueListener"):
                    raise _errors.error(
                        TypeError, path, f"{expected}; {spec.__qualname__} is not a QueueListener"
                    )
                return spec
            if isinstance(spec, str):
                listener = self.resolve(spec)
                if isinstance(listener, type) and not _names.is_subclass(listener, "QueueListener"):
                    raise _errors.error(
                        TypeError, path, f"{expected}; {spec!r} is not a QueueListener"
                    )
            elif isinstance(spec, dict):
                if "()" not in spec:
                    raise _errors.error(TypeError, path, f"{expected}; the dict has no '()'")
                listener = self.configure_custom(dict(spec))
            else:
                raise _errors.error(TypeError, path, f"{expected}, got {_errors.short(spec)}")
            if not callable(listener):
                raise _errors.error(
                    TypeError, path, f"{expected}; {_errors.short(listener)} is not callable"
                )
            return listener
        except Exception as error:
            _errors.mark_terse(_errors.annotate(error, path))
            raise

    def _configure_queue_handler(self, klass: type, **kwargs: Any) -> Any:
        """Makes a QueueHandler and, in `handler.listener`, its QueueListener
        (not started) over the handlers the configuration named."""
        work_queue = kwargs.pop("queue") if "queue" in kwargs else queue.Queue()
        respect_handler_level = kwargs.pop("respect_handler_level", False)
        if "listener" in kwargs:
            listener_factory: Callable[..., Any] = kwargs.pop("listener")
        else:
            listener_factory = _names.kind_classes("QueueListener")[0]
        handlers = kwargs.pop("handlers", [])
        listener = listener_factory(
            work_queue, *handlers, respect_handler_level=respect_handler_level
        )
        handler = klass(work_queue, **kwargs)
        handler.listener = listener
        return handler


def _section_names(section: Any, key: str, what: str, sort: bool = False) -> "list[Any]":
    """The names of a formatters/filters/handlers/loggers section, in the
    order they are configured. A section that is not a dict fails as it does
    with the stdlib: a TypeError when it cannot be iterated, otherwise a
    ValueError for its first entry."""
    if isinstance(section, dict):
        return sorted(section) if sort else list(section)
    expected = f"expected a dict mapping {what} names to their configuration"
    try:
        names = sorted(section) if sort else list(section)
    except TypeError as error:
        raise _errors.error(
            TypeError, (key,), f"{expected}, got {_errors.short(section)}"
        ) from error
    if not names:
        return []
    cause = _errors.error(TypeError, (key,), f"{expected}, got {_errors.kind(section)}")
    raise _errors.wrap(f"Unable to configure {what} {names[0]!r}", cause) from cause


def _require_mapping(config: Any, path: _errors.Path, expected: str) -> None:
    if not isinstance(config, dict):
        raise _errors.error(TypeError, path, f"expected {expected}, got {_errors.short(config)}")


def _unknown_reference(config: Any, section: str, name: Any, what: str, listing: Any = None) -> str:
    """Why `name` does not name an entry of `config[section]`."""
    if isinstance(listing, (str, bytes)):
        return f"expected a list of {what} names, got the string {listing!r}"
    if not isinstance(name, str):
        accepted = f"the name of a {what} in '{section}'"
        if what == "filter":
            accepted += ", a callable, or an object with a filter() method"
        return f"expected {accepted}, got {_errors.short(name)}"
    defined = dict.get(config, section)
    if not isinstance(defined, dict):
        return f"no {what} named {name!r}: the configuration has no '{section}' section"
    if not defined:
        return f"no {what} named {name!r}: the configuration defines no {section}"
    known = ", ".join(repr(key) for key in defined)
    return f"no {what} named {name!r} in '{section}' (defined: {known})"


def _explain_formatter_error(
    error: BaseException,
    factory: Any,
    args: "tuple[Any, ...]",
    kwargs: "dict[str, Any]",
    path: _errors.Path,
) -> None:
    """Points a failing formatter at its `style` or `format` key when the
    formatter rejected one of them, else describes the call."""
    if _errors.has_detail(error):
        return
    formatter_types = _names.kind_classes("Formatter", stdlib_module="logging")
    style = args[2]
    if isinstance(factory, type) and issubclass(factory, formatter_types):
        if isinstance(error, ValueError):
            if style not in ("%", "{", "$"):
                _errors.explained(
                    error, path + ("style",), f"expected one of '%', '{{', '$', got {style!r}"
                )
            else:
                _errors.explained(
                    error, path + ("format",), f"{error} (format {args[0]!r}, style {style!r})"
                )
            return
    _explain_call(error, factory, args, kwargs, path, key_paths=False)


def dictConfig(config: "dict[str, Any]") -> None:
    """Configures logging from a dictionary (the `logging.config` schema)."""
    dictConfigClass(config).configure()


#: The class `dictConfig` uses; replaceable by applications.
dictConfigClass: "type[DictConfigurator]" = DictConfigurator

for _public in (
    ConvertingMixin,
    ConvertingDict,
    ConvertingList,
    ConvertingTuple,
    BaseConfigurator,
    DictConfigurator,
):
    _public.__module__ = __name__
del _public
