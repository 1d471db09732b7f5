"""Error messages of `femtologging.config`: where in a configuration a
failure happened and what was expected there.

Configuration errors keep the stdlib's exception types and wording; this
module supplies the detail that follows it, as `<path>: <what went wrong>`,
e.g. `handlers.file.maxBytes: expected an int, got 'ten'`. A path is a tuple
of keys and indexes, rendered the way Python code would reach the value
(`loggers['app.db'].level`, `handlers.h1.filters[0]`); fileConfig paths name
the ini section and option (`handler_hand1.args`).
"""

import inspect
import numbers
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

Path = tuple[Any, ...]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Set on exceptions by this module. `_DETAIL` holds the finished
# "<path>: <reason>" text; `_PATH` only the location, for exceptions raised
# by code outside femtologging (a converter, a constructor).
_DETAIL = "_femtologging_config_detail"
_PATH = "_femtologging_config_path"
# A KeyError's reason when it is a sentence, not the missing key.
_REASON = "_femtologging_config_reason"
# Marks an error whose outer message must stay exactly the stdlib's,
# because CPython's own tests compare it; its detail goes into a note.
_TERSE = "_femtologging_config_terse"


def render(path: "Iterable[Any]") -> str:
    """`('loggers', 'app.db', 'level')` -> `loggers['app.db'].level`."""
    text = ""
    for part in path:
        if isinstance(part, Raw):
            text += f".{part}" if text else str(part)
        elif isinstance(part, str) and _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def short(value: Any, limit: int = 80) -> str:
    """A repr for messages, cut to `limit` characters."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind(value: Any) -> str:
    """'a list', 'an int', 'None': how a value's type reads in a sentence."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def key_error(reason: str) -> KeyError:
    """A plain KeyError (the stdlib's type, exactly) whose reason is a
    sentence rather than the missing key; the location is added later."""
    made = KeyError(reason)
    setattr(made, _REASON, reason)
    return made


def error(exc_type: "type[BaseException]", path: Path, reason: str) -> BaseException:
    """An exception of `exc_type` reading `<path>: <reason>`."""
    message = f"{render(path)}: {reason}" if path else reason
    made = exc_type(message)
    setattr(made, _DETAIL, message)
    return made


def annotate(exc: BaseException, path: Path) -> BaseException:
    """Records where `exc` happened, unless a deeper location is known."""
    if not hasattr(exc, _DETAIL) and not hasattr(exc, _PATH):
        try:
            setattr(exc, _PATH, tuple(path))
        except (AttributeError, TypeError):
            pass  # an exception type without attributes: no location
    return exc


def explained(exc: BaseException, path: Path, reason: str) -> BaseException:
    """`exc` itself, carrying `<path>: <reason>` as its detail: the
    exception keeps the stdlib's type and message, and the message of the
    error that wraps it names the key at fault."""
    text = f"{render(path)}: {reason}" if path else reason
    try:
        setattr(exc, _DETAIL, text)
    except (AttributeError, TypeError):
        pass
    return exc


def has_detail(exc: BaseException) -> bool:
    return any(getattr(link, _DETAIL, None) for link in _chain(exc))


class Raw(str):
    """A path part printed as is (fileConfig's `section.option`)."""


def mark_terse(exc: BaseException) -> BaseException:
    try:
        setattr(exc, _TERSE, True)
    except (AttributeError, TypeError):
        pass
    return exc


def _chain(exc: BaseException) -> "list[BaseException]":
    """`exc` and its causes, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__
    return chain


def detail(exc: BaseException, path: Path = ()) -> str:
    """`<path>: <what went wrong>` for `exc`: the description made where
    the error was raised when there is one, else the located error's own
    message at its location (or at `path`)."""
    chain = _chain(exc)
    for link in chain:
        text = getattr(link, _DETAIL, None)
        if text:
            return text
    for link in chain:
        where = getattr(link, _PATH, None)
        if where:
            return f"{render(where)}: {describe_exception(link)}"
    reason = describe_exception(exc)
    return f"{render(path)}: {reason}" if path else reason


def is_terse(exc: BaseException) -> bool:
    return any(getattr(link, _TERSE, False) for link in _chain(exc))


def describe_exception(exc: BaseException) -> str:
    """An exception as a reason: the message alone for the value errors
    configurations make (their messages say what is wrong), with the type
    for the others (`FileNotFoundError: [Errno 2] ...`)."""
    reason = getattr(exc, _REASON, None)
    if reason is not None:
        return reason
    if isinstance(exc, KeyError) and exc.args:
        return f"missing key {exc.args[0]!r}"
    text = str(exc)
    if text and type(exc) in (ValueError, TypeError):
        return text
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def wrap(message: str, cause: BaseException, path: Path = ()) -> ValueError:
    """The stdlib's `ValueError(message)` raised from `cause`, with the
    detail appended: `Unable to configure handler 'file': handlers.file...`.

    Where CPython's tests compare the stdlib's message exactly, it is kept
    as is and the detail becomes a note of the exception instead.
    """
    text = detail(cause, path)
    if is_terse(cause):
        made = ValueError(message)
        if hasattr(made, "add_note"):
            made.add_note(text)
        mark_terse(made)
    else:
        made = ValueError(f"{message}: {text}")
    setattr(made, _DETAIL, text)
    made.__cause__ = cause
    return made


def restate(exc: BaseException, path: Path) -> BaseException:
    """`exc` with the location prefixed to its message, for errors the
    stdlib lets through unwrapped (fileConfig): same type when that type
    can be rebuilt from a message, else the original with a note."""
    known = next((getattr(link, _DETAIL) for link in _chain(exc) if hasattr(link, _DETAIL)), None)
    if known is not None:
        text = known
    else:
        text = f"{render(path)}: {describe_plain(exc)}" if path else describe_plain(exc)
    current = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    if current == text:
        return exc
    exc_type = type(exc)
    rebuildable = (
        ValueError,
        TypeError,
        LookupError,
        AttributeError,
        NameError,
        RuntimeError,
        ImportError,
    )
    if exc_type.__module__.startswith("femtologging"):
        # One of ours (e.g. a ModuleNotFoundError subclass): its builtin base
        # carries the same meaning.
        exc_type = next(base for base in exc_type.__mro__ if base.__module__ == "builtins")
    if exc_type.__module__ == "builtins" and issubclass(exc_type, rebuildable):
        try:
            made: BaseException = exc_type(text)
        except TypeError:
            made = exc
        if made is not exc:
            setattr(made, _DETAIL, text)
            made.__cause__ = exc
            return made
    if hasattr(exc, "add_note"):
        exc.add_note(text)
    return exc


def describe_plain(exc: BaseException) -> str:
    reason = getattr(exc, _REASON, None)
    if reason is not None:
        return reason
    if isinstance(exc, KeyError) and exc.args and not hasattr(exc, _DETAIL):
        return f"missing key {exc.args[0]!r}"
    if isinstance(exc, SyntaxError):
        return f"invalid Python expression ({exc.msg})"
    return str(exc) or type(exc).__name__


# What the parameters of the stdlib's handlers (and femtologging's, which
# share their signatures) accept: a predicate and how to say it. Used only
# to explain a constructor that already failed, never to refuse a value.
def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_optional_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, bytes, os.PathLike))


def _is_level(value: Any) -> bool:
    return isinstance(value, (int, str))


def _is_stream(value: Any) -> bool:
    return value is None or callable(getattr(value, "write", None))


def _is_address(value: Any) -> bool:
    return isinstance(value, (str, tuple, list))


_EXPECTATIONS: "dict[str, tuple[Callable[[Any], bool], str]]" = {
    "filename": (_is_path, "a file path (str or os.PathLike)"),
    "mode": (_is_str, "a file mode string such as 'a' or 'w'"),
    "encoding": (_is_optional_str, "an encoding name or None"),
    "errors": (_is_optional_str, "an error handler name or None"),
    "maxBytes": (_is_number, "an int"),
    "backupCount": (lambda v: isinstance(v, int), "an int"),
    "capacity": (_is_number, "an int"),
    "interval": (_is_number, "a number"),
    "when": (_is_str, "a string such as 'midnight', 'H' or 'W0'"),
    "flushLevel": (_is_level, "a level name or number"),
    "level": (_is_level, "a level name or number"),
    "stream": (_is_stream, "a stream with a write() method"),
    "strm": (_is_stream, "a stream with a write() method"),
    "host": (_is_str, "a host name"),
    "port": (lambda v: v is None or isinstance(v, int), "a port number"),
    "address": (_is_address, "a (host, port) pair or a socket path"),
    "mailhost": (_is_address, "a host name or a (host, port) pair"),
    "fromaddr": (_is_str, "an email address"),
    "toaddrs": (lambda v: isinstance(v, (str, list, tuple)), "a list of email addresses"),
    "subject": (_is_str, "a string"),
    "timeout": (_is_number, "a number of seconds"),
    "url": (_is_str, "a URL path"),
    "method": (_is_str, "'GET' or 'POST'"),
    "fmt": (_is_optional_str, "a format string"),
    "format": (_is_optional_str, "a format string"),
    "datefmt": (_is_optional_str, "a strftime format string"),
    "style": (lambda v: v in ("%", "{", "$"), "one of '%', '{', '$'"),
}


def callable_name(factory: Any) -> str:
    inner = getattr(factory, "func", None)  # functools.partial
    if inner is not None and getattr(factory, "args", None):
        # The QueueHandler factory is partial(configure_queue_handler, klass).
        first = factory.args[0]
        if isinstance(first, type):
            return first.__qualname__
    target = inner if inner is not None else factory
    return (
        getattr(target, "__qualname__", None)
        or getattr(target, "__name__", None)
        or (type(target).__name__)
    )


def _signature(factory: Any) -> "inspect.Signature | None":
    try:
        return inspect.signature(factory)
    except (TypeError, ValueError):
        return None


def _accepted(signature: inspect.Signature) -> "list[str]":
    return [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]


def diagnose_call(
    factory: Any,
    args: "tuple[Any, ...]",
    kwargs: "dict[str, Any]",
    exc: BaseException,
    path: Path,
    key_paths: bool = True,
) -> str:
    """What was wrong with the values given to a factory that raised `exc`.

    `key_paths` says whether the keyword arguments are keys of the
    configuration at `path` (dictConfig), so a bad one is named `path.key`;
    otherwise (fileConfig's args/kwargs) the parameter is named in the text.
    """
    name = callable_name(factory)
    signature = _signature(factory)
    bound: dict[str, Any] = dict(kwargs)
    if signature is not None:
        try:
            bound = dict(signature.bind(*args, **kwargs).arguments)
            for parameter in signature.parameters.values():
                if parameter.kind is parameter.VAR_KEYWORD and parameter.name in bound:
                    bound.update(bound.pop(parameter.name))
        except TypeError as mismatch:
            if not isinstance(exc, TypeError):
                return f"{render(path)}: {name}() raised {describe_exception(exc)}"
            reason = str(mismatch)
            unexpected = re.search(r"unexpected keyword argument '([^']+)'", reason)
            accepted = ", ".join(_accepted(signature)) or "no keyword arguments"
            if unexpected and key_paths:
                return (
                    f"{render(path + (unexpected.group(1),))}: unexpected key; "
                    f"{name}() accepts: {accepted}"
                )
            missing = re.search(r"missing a required argument: '([^']+)'", reason)
            if missing and key_paths:
                return f"{render(path)}: missing key {missing.group(1)!r}, required by {name}()"
            return f"{render(path)}: {name}{signature} cannot take these arguments: {reason}"
    if isinstance(exc, (TypeError, ValueError)):
        for key, value in bound.items():
            expectation = _EXPECTATIONS.get(key)
            if expectation is None:
                continue
            accepts, wanted = expectation
            try:
                fine = accepts(value)
            except Exception:
                fine = False
            if fine:
                continue
            if key_paths and key in kwargs:
                return f"{render(path + (key,))}: expected {wanted}, got {short(value)}"
            return (
                f"{render(path)}: {name}() argument {key!r}: expected {wanted}, got {short(value)}"
            )
    return f"{render(path)}: {name}() raised {describe_exception(exc)}"
