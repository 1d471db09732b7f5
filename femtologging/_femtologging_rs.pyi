"""Type stubs of the native extension module.

Checked against the built module by mypy's stubtest (`tox -e lint`). PyO3
classes are constructed by `__new__`, so that is what these declare.
"""

import os
import pathlib
import threading
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from types import FrameType, TracebackType
from typing import Any, ClassVar, Concatenate, Literal, Protocol, TypeAlias, TypedDict, final

from _typeshed import SupportsWrite
from typing_extensions import Self, Unpack, disjoint_base

# PyO3 lists every class and function it adds, private ones too.
__all__ = [
    "BOUND_VALUES",
    "NO_BOUND_VALUES",
    "FemtoLevel",
    "FemtoLogger",
    "RLock",
    "FemtoHandler",
    "FemtoStreamHandler",
    "FemtoFileHandler",
    "FileStream",
    "NativeFormat",
    "OtlpExporter",
    "TimedSchedule",
    "RolloverCell",
    "TargetSpec",
    "Logger",
    "_path_counts",
    "LoggerAdapter",
    "_install_adapter_methods",
    "_install_fast_path",
    "_set_fast_path_loader",
    "hello",
    "_shutdown",
    "_flush_all",
    "_before_fork",
    "_after_fork_in_parent",
    "_after_fork_in_child",
    "_set_raise_exceptions",
    "_install_crash_handlers",
    "_flush_before_exit",
    "_recover",
    "_configure_clock",
    "_configuration_changed",
]

# A PyO3 enum, not an `enum.IntEnum`: it converts to int (`int()`,
# `__index__`) and compares equal to its number, but has no arithmetic, no
# ordering and no iteration over its members.
@final
class FemtoLevel:
    TRACE: ClassVar[FemtoLevel]
    DEBUG: ClassVar[FemtoLevel]
    INFO: ClassVar[FemtoLevel]
    WARN: ClassVar[FemtoLevel]
    ERROR: ClassVar[FemtoLevel]
    CRITICAL: ClassVar[FemtoLevel]
    WARNING: ClassVar[FemtoLevel]
    @property
    def value(self) -> int: ...
    @property
    def levelname(self) -> str: ...
    def __int__(self) -> int: ...
    def __index__(self) -> int: ...

# What the core accepts wherever it takes a level, as the stdlib's
# `_checkLevel` does (level.rs, `extract_level`).
_LevelLike: TypeAlias = FemtoLevel | int | str

class _HandlerOptions(TypedDict, total=False):
    capacity: int
    flush_level: _LevelLike
    overflow: Literal["block", "drop"]
    level: _LevelLike
    format: str

# No constructor: instances are made by the subclasses.
@disjoint_base
class FemtoHandler:
    def flush(self) -> None: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def level(self) -> int: ...
    def set_level(self, level: _LevelLike) -> None: ...
    @property
    def flush_level(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def format(self) -> str: ...
    def set_format(self, format: str) -> None: ...
    @property
    def dropped(self) -> int: ...
    @property
    def write_errors(self) -> int: ...
    @property
    def records_lost(self) -> int: ...

@final
class FemtoStreamHandler(FemtoHandler):
    def __new__(cls, **options: Unpack[_HandlerOptions]) -> Self: ...
    @staticmethod
    def stdout(**options: Unpack[_HandlerOptions]) -> FemtoStreamHandler: ...
    @staticmethod
    def stderr(**options: Unpack[_HandlerOptions]) -> FemtoStreamHandler: ...
    @property
    def target(self) -> Literal["stdout", "stderr"]: ...

@final
class FemtoFileHandler(FemtoHandler):
    def __new__(
        cls,
        path: str | os.PathLike[str],
        mode: Literal["a", "w"] = "a",
        **options: Unpack[_HandlerOptions],
    ) -> Self: ...
    @property
    def path(self) -> pathlib.Path: ...

class _NativeCapable(Protocol):
    """A handler of the logging face that can describe its native core."""

    def _femto_target(self) -> TargetSpec | None: ...

@final
class FemtoLogger:
    def __new__(cls, name: str) -> Self: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> int: ...
    def set_level(self, level: _LevelLike) -> None: ...
    def log(self, level: _LevelLike, message: object) -> str | None: ...
    # A FemtoHandler, or a handler of the logging face with a native core
    # (stock FileHandler, RotatingFileHandler, TimedRotatingFileHandler,
    # WatchedFileHandler with a stock formatter, OTLPHandler); anything else
    # is a TypeError naming it.
    def add_handler(self, handler: FemtoHandler | _NativeCapable) -> None: ...
    def remove_handler(self, handler: FemtoHandler | _NativeCapable) -> bool: ...

#: The values bound with `femtologging.contextvars` (a dict never changed once set).
BOUND_VALUES: ContextVar[dict[str, Any]]
#: `BOUND_VALUES`' default: nothing bound.
NO_BOUND_VALUES: dict[str, Any]

def hello() -> str: ...
def _shutdown() -> None: ...
def _flush_all() -> None: ...
def _before_fork() -> None: ...
def _after_fork_in_parent() -> None: ...
def _after_fork_in_child() -> None: ...
def _set_raise_exceptions(enabled: bool) -> None: ...
def _configure_clock(nanosecond_arithmetic: bool, start_ns: int, start_secs: float) -> None: ...
def _configuration_changed() -> None: ...
def _install_crash_handlers() -> None: ...
def _flush_before_exit() -> None: ...
def _recover(path: str | os.PathLike[str]) -> tuple[int, int]: ...

# A handler's lock (Rust: HandlerLock), with `threading.RLock`'s API and
# errors; a log call takes and releases it natively around a stream write.
@final
class RLock:
    def __new__(cls) -> Self: ...
    def acquire(self, blocking: object = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(self, *exc: object) -> None: ...
    def _is_owned(self) -> bool: ...
    def _recursion_count(self) -> int: ...
    def _release_save(self) -> tuple[int, int]: ...
    def _acquire_restore(self, state: tuple[int, int]) -> None: ...
    def _at_fork_reinit(self) -> None: ...

@final
class FileStream:
    """A file written by a worker thread, shaped like a text stream."""

    def __new__(
        cls,
        path: str | os.PathLike[str],
        mode: str,
        encoding: str,
        # Called with the text of each write; must return bytes (an
        # incremental encoder's `encode`). None: strict UTF-8.
        encoder: Callable[[str], bytes] | None = None,
        *,
        errors: str = "strict",
        native_text: bool = False,
        capacity: int = 8192,
        flush_level: _LevelLike | None = None,
        watch: bool = False,
    ) -> Self: ...
    def write(self, text: str) -> int: ...
    def write_record(self, text: str, level: int) -> int: ...
    def take_unreported_failures(self) -> int: ...
    def take_lost_records(self) -> int: ...
    def take_failure(self) -> tuple[int | None, str, str | None] | None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def tell(self) -> int: ...
    def writable(self) -> bool: ...
    def fileno(self) -> int: ...
    def reopen(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    # The path object as given, not converted (as `open()` keeps it).
    @property
    def name(self) -> str | os.PathLike[str]: ...
    @property
    def mode(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def errors(self) -> str: ...
    @property
    def native_text(self) -> bool: ...
    @property
    def flush_level(self) -> int: ...
    @property
    def dropped(self) -> int: ...
    @property
    def write_errors(self) -> int: ...
    @property
    def records_lost(self) -> int: ...
    @property
    def watched(self) -> bool: ...
    @property
    def identity(self) -> tuple[int, int] | None: ...

@final
class NativeFormat:
    """A stdlib Formatter's settings compiled for the core."""

    def __new__(
        cls,
        fmt: str,
        datefmt: str | None,
        utc: bool,
        default_time_format: str,
        default_msec_format: str | None,
        task_names: bool,
        # "%", "{" or "$" (anything else is a ValueError).
        style: str = "%",
    ) -> Self: ...
    # `leading` holds `(key, kind, value)`; kind "field", "extra" or "raw"
    # (anything else is a ValueError).
    @staticmethod
    def json(
        leading: Sequence[tuple[str, str, str]],
        exc_key: str,
        stack_key: str,
        exc_info_as_array: bool,
        stack_info_as_array: bool,
        merged_before: Sequence[tuple[str, str]],
        merged_after: Sequence[tuple[str, str]],
        skipped: Sequence[str],
        renames: Sequence[tuple[str, str]],
        timestamp_key: str | None,
        keep_missing: Sequence[str],
        prefix: str,
        ensure_ascii: bool,
        datefmt: str | None,
        utc: bool,
        default_time_format: str,
        default_msec_format: str | None,
    ) -> NativeFormat: ...
    @property
    def fmt(self) -> str: ...
    @property
    def extra_keys(self) -> list[str]: ...
    @property
    def is_json(self) -> bool: ...

# The attributes `OtlpExporter.export` reads from a record.
class _ExportedRecord(Protocol):
    @property
    def name(self) -> object: ...
    @property
    def levelno(self) -> object: ...
    @property
    def levelname(self) -> object: ...
    @property
    def created(self) -> float: ...

@final
class OtlpExporter:
    """The Rust side of `OTLPHandler`: a journal of OTLP-encoded records and
    the worker that exports them."""

    def __new__(
        cls,
        url: str,
        headers: Sequence[tuple[str, str]],
        request_timeout: float,
        export_timeout: float,
        gzip: bool,
        # Values of any type: those OTLP has no type for are sent as their str().
        resource: dict[str, Any],
        max_queue_size: int,
        schedule_delay: float,
        max_export_batch_size: int,
        code_attributes: bool,
        user_agent: str,
    ) -> Self: ...
    def export(
        self,
        record: _ExportedRecord,
        body: str,
        attributes: list[tuple[str, Any]],
        # (trace_id, span_id, trace_flags)
        trace: tuple[int, int, int] | None,
    ) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    # (exported, failed, rejected, dropped, queued, requests, retries)
    def stats(self) -> tuple[int, int, int, int, int, int, int]: ...
    @property
    def code_attributes(self) -> bool: ...

@final
class TimedSchedule:
    """A stock TimedRotatingFileHandler's schedule, followed by its worker."""

    def __new__(
        cls,
        when: str,
        interval: int,
        utc: bool,
        at_time: int | None,
        fixes: bool,
        interval_scales_calendar: bool,
    ) -> Self: ...
    def rollover_after(self, now: int) -> int: ...
    def next_after_rollover(self, now: int) -> int: ...
    def suffix(self, rollover_at: int, now: int) -> str | None: ...
    def files_to_delete(
        self, base: str | os.PathLike[str], backup_count: int
    ) -> list[pathlib.Path]: ...

@final
class RolloverCell:
    """A handler's `rolloverAt` in whole seconds, shared with its worker."""

    def __new__(cls, value: int) -> Self: ...
    def get(self) -> int: ...
    def set(self, value: int) -> None: ...

# A handler's lock as the fast path holds it around a stream write; None
# when the handler has none.
class _Lock(Protocol):
    def acquire(self) -> object: ...
    def release(self) -> object: ...

# A PyO3 "complex enum": each variant is a final subclass, made with
# keywords only; its fields are read-only attributes. `handler` is the
# logging handler the target stands for (failed writes are reported
# through it), of any class.
@disjoint_base
class TargetSpec:
    """How the fast path serves one handler."""

    @final
    class File(TargetSpec):
        __match_args__ = ("level", "handler", "stream", "native", "terminator")
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: FileStream,
            native: NativeFormat,
            terminator: str,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> FileStream: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...

    @final
    class RotatingFile(TargetSpec):
        __match_args__ = (
            "level",
            "handler",
            "stream",
            "native",
            "terminator",
            "max_bytes",
            "backup_count",
            "skip_empty",
        )
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: FileStream,
            native: NativeFormat,
            terminator: str,
            max_bytes: int,
            backup_count: int,
            skip_empty: bool,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> FileStream: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...
        @property
        def max_bytes(self) -> int: ...
        @property
        def backup_count(self) -> int: ...
        @property
        def skip_empty(self) -> bool: ...

    @final
    class SizeLimitedFile(TargetSpec):
        __match_args__ = ("level", "handler", "stream", "native", "terminator", "max_bytes")
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: FileStream,
            native: NativeFormat,
            terminator: str,
            max_bytes: int,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> FileStream: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...
        @property
        def max_bytes(self) -> int: ...

    @final
    class TimedFile(TargetSpec):
        __match_args__ = (
            "level",
            "handler",
            "stream",
            "native",
            "terminator",
            "schedule",
            "rollover_cell",
            "backup_count",
        )
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: FileStream,
            native: NativeFormat,
            terminator: str,
            schedule: TimedSchedule,
            rollover_cell: RolloverCell,
            backup_count: int,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> FileStream: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...
        @property
        def schedule(self) -> TimedSchedule: ...
        @property
        def rollover_cell(self) -> RolloverCell: ...
        @property
        def backup_count(self) -> int: ...

    @final
    class FileUntil(TargetSpec):
        __match_args__ = ("level", "handler", "stream", "native", "terminator", "rollover_at")
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: FileStream,
            native: NativeFormat,
            terminator: str,
            rollover_at: int,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> FileStream: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...
        @property
        def rollover_at(self) -> int: ...

    @final
    class Stream(TargetSpec):
        __match_args__ = (
            "level",
            "handler",
            "stream",
            "native",
            "terminator",
            "lock",
            "unbuffered_fd",
        )
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            stream: SupportsWrite[str],
            native: NativeFormat,
            terminator: str,
            lock: _Lock | None,
            unbuffered_fd: int | None = None,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def stream(self) -> SupportsWrite[str]: ...
        @property
        def native(self) -> NativeFormat: ...
        @property
        def terminator(self) -> str: ...
        @property
        def lock(self) -> _Lock | None: ...
        @property
        def unbuffered_fd(self) -> int | None: ...

    @final
    class Otlp(TargetSpec):
        __match_args__ = ("level", "handler", "exporter", "span_reader")
        def __new__(
            cls,
            *,
            level: int,
            handler: object,
            exporter: OtlpExporter,
            # OpenTelemetry's context variable and its current-span key.
            span_reader: tuple[ContextVar[Any], str] | None = None,
        ) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...
        @property
        def exporter(self) -> OtlpExporter: ...
        @property
        def span_reader(self) -> tuple[ContextVar[Any], str] | None: ...

    @final
    class Null(TargetSpec):
        __match_args__ = ("level", "handler")
        def __new__(cls, *, level: int, handler: object) -> Self: ...
        @property
        def level(self) -> int: ...
        @property
        def handler(self) -> object: ...

# The stdlib's `exc_info` types (typeshed's logging stub).
_SysExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)
_ExcInfo: TypeAlias = None | bool | _SysExcInfo | BaseException

# The level methods are raw vectorcall functions with no signature to
# introspect; they take the keywords the stdlib's `Logger._log` takes.
@disjoint_base
class Logger:
    """Rust base of femtologging.Logger: the level methods and the fast path."""

    # Any arguments: the Python subclass's `__init__` does the setup.
    def __new__(cls, *args: object, **kwargs: object) -> Self: ...
    def debug(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...
    def info(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...
    def warning(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...
    def error(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...
    def critical(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...
    def log(
        self,
        level: int,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
    ) -> None: ...

def _path_counts() -> tuple[int, int]: ...

# Level methods as on `Logger`; other keywords go to the subclass's
# `process`, as the stdlib's adapter passes them.
class LoggerAdapter:
    """Rust base of femtologging.LoggerAdapter: the level methods."""

    # Any arguments: the Python subclass's `__init__` does the setup.
    def __new__(cls, *args: object, **kwargs: object) -> Self: ...
    def debug(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None: ...
    def info(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None: ...
    def warning(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None: ...
    def error(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None: ...
    def critical(
        self,
        msg: object,
        *args: object,
        exc_info: _ExcInfo = None,
        stack_info: bool = False,
        stacklevel: int = 1,
        extra: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> None: ...

# `log`, `is_enabled_for` and `process` are the subclass's methods as
# defined: they are only compared, by identity, with what an adapter's class
# has, to tell whether the level methods may skip them.
def _install_adapter_methods(
    log: Callable[..., object],
    is_enabled_for: Callable[..., object],
    process: Callable[..., object],
    # Called as `(adapter, level, msg, *args, **kwargs)`.
    call_log_in_python: Callable[Concatenate[LoggerAdapter, int, object, ...], object],
) -> None: ...

# The package's functions and objects the fast path calls, by name
# (environment.rs, `Helpers`): a missing one is a TypeError naming it.
class _FastPathHelpers(TypedDict):
    exception_text: Callable[[_SysExcInfo], str]
    # Takes the call's `exc_info` (True, an exception or a tuple).
    normalize_exc_info: Callable[[Any], _SysExcInfo]
    stack_text: Callable[[FrameType], str]
    thread_name: Callable[[], str | None]
    process_name: Callable[[], str | None]
    task_name: Callable[[], str | None]
    # (handler, logger, level, msg, args, kwargs, error): a failed write,
    # reported through the handler as its `emit` would.
    report_error: Callable[
        [Any, Logger, int, object, tuple[object, ...], dict[str, Any] | None, BaseException],
        object,
    ]
    # (logger, level, msg, args, message, exc_info, exc_text, stack_text,
    # extra, stacklevel): finishes in Python a call the fast path rendered
    # but cannot write itself.
    handle_rendered: Callable[
        [
            Logger,
            int,
            object,
            tuple[object, ...],
            str,
            _SysExcInfo | None,
            str | None,
            str | None,
            Mapping[str, object] | None,
            int,
        ],
        object,
    ]
    # (threshold, whether the class's own `isEnabledFor` must be asked)
    threshold: Callable[[Logger], tuple[int, bool]]
    # The plan's description (plan.rs, `PlanSpec`), or None for Python.
    plan: Callable[[Logger], dict[str, Any] | None]
    # None: only Python can print the value.
    json_text: Callable[[Any], str | None]
    bound: ContextVar[dict[str, Any]]
    active_threads: dict[int, threading.Thread]
    # Compared by identity with a thread class's `name`.
    thread_name_property: object

def _install_fast_path(
    *,
    package_dir: str,
    level_to_name: dict[int, str],
    reserved_keys: set[str],
    legacy_stacklevel: bool,
    helpers: _FastPathHelpers,
) -> None: ...

# Called by the first log call that needs the fast path's environment.
def _set_fast_path_loader(loader: Callable[[], object]) -> None: ...
