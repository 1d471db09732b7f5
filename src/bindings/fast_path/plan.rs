//! A logger's cached routing plan: which handlers a record reaches and how.
//!
//! The Python side (`femtologging/_native_path.py`) decides eligibility and
//! describes each handler as a `TargetSpec` (target_spec.rs); this turns the
//! descriptions into native targets. A plan also remembers the lists it was built from, because code
//! in the wild mutates `logger.handlers` in place, which no setter sees.

use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use super::super::file_stream::FileStream;
use super::super::native_format::NativeFormat;
use super::super::otlp_exporter::{OtlpExporter, OtlpRecords, SpanReader};
use super::environment::{Environment, LevelNames};
use super::target_spec::TargetSpec;
use crate::bindings::dict_version;
use crate::bindings::gil_cell::GilCell;
use crate::bindings::handler_lock::HandlerLock;
use crate::bindings::member::Member;
use crate::core::format::{FormatCache, Formatter, Needs};
use crate::core::handler::FemtoHandlerTrait;
use crate::core::level::LevelNo;
use crate::core::name::Name;
use crate::core::queued::QueuedHandler;
use crate::core::rotation::{Rotation, SizeRotation};
use crate::core::sink::FileWatch;

/// How one handler on the path receives records.
pub enum Sink {
    /// A worker-written file: the record goes to the handler's queue.
    Queued(Arc<QueuedHandler>),
    /// A Python stream object written on the caller's thread, as the stdlib
    /// does, under the handler's lock. `None` for an `io.StringIO`: its
    /// `write` never releases the GIL and its `flush` does nothing, so
    /// neither is needed.
    Stream {
        stream: Py<PyAny>,
        lock: Option<StreamLock>,
        cache: GilCell<LineCache>,
        /// Set for the interpreter's own unbuffered stdout/stderr.
        unbuffered: Option<UnbufferedStdio>,
    },
    /// A size-rotated file (`RotatingFileHandler`): the record is formatted
    /// here so its length can be checked against `max_bytes` as the stdlib's
    /// `shouldRollover` does; a record that may need a rollover goes to
    /// Python, which rolls over. The bytes then go to the file's queue.
    SizeLimited {
        stream: Py<FileStream>,
        max_bytes: u64,
        cache: GilCell<FormatCache>,
    },
    /// `OTLPHandler`: the record is encoded here and queued for export;
    /// `span` reads OpenTelemetry's current span, when its API is loaded.
    Otlp {
        exporter: Py<OtlpExporter>,
        span: Option<SpanReader>,
    },
    /// `NullHandler`: nothing to do.
    Discard,
}

/// A stream handler's `lock`.
pub enum StreamLock {
    /// Ours (`Handler.createLock`): taken without calling into Python.
    Native(Py<HandlerLock>),
    /// Any other object: its bound `acquire` and `release`.
    Python(Py<PyAny>, Py<PyAny>),
}

/// A stream target's formatting cache and the line it formats into, reused
/// so a call allocates only the Python string it writes.
#[derive(Default)]
pub struct LineCache {
    pub format: FormatCache,
    pub line: String,
}

/// `sys.__stdout__`/`sys.__stderr__` as Python makes them under
/// `PYTHONUNBUFFERED` (or `-u`): a `TextIOWrapper` with `write_through` on a
/// raw `FileIO`, so no byte ever waits in either layer and a line written
/// straight to the descriptor lands exactly where `write()` + `flush()` would
/// put it. Checked again on every call (`reconfigure()` can change the
/// stream); otherwise the stream's own `write` is called.
pub struct UnbufferedStdio {
    pub fd: i32,
    /// The `encoding` object seen when planning (UTF-8): `reconfigure`
    /// replaces it.
    pub encoding: Py<PyAny>,
    /// `io.TextIOWrapper`'s `buffer`, `write_through` and `encoding` fields.
    /// The stream's class is exactly that built-in, immutable class, whose
    /// member descriptors win over the instance's dict: reading the fields
    /// is what reading the attributes does, without the lookups.
    pub buffer: Member,
    pub write_through: Member,
    pub encoding_field: Member,
    /// The stream's `buffer` when planning: its raw `FileIO`.
    pub raw: Py<PyAny>,
    /// `io.FileIO`'s `closed` descriptor. A `TextIOWrapper`'s `closed` is
    /// its buffer's, asked through two attribute lookups; while the wrapper
    /// still holds the same `FileIO` (`detach()` leaves None, `__init__`
    /// another), asking the `FileIO` gives the same answer.
    pub raw_closed: Py<PyAny>,
}

/// The `UnbufferedStdio` of `stream`, whose class must have a data
/// descriptor for each attribute checked (io.TextIOWrapper has).
fn unbuffered_stdio(stream: &Bound<'_, PyAny>, fd: i32) -> PyResult<Option<UnbufferedStdio>> {
    let raw = stream.getattr("buffer")?;
    let class = stream.get_type();
    let member = |name| data_descriptor(&class, name).map(|found| Member::of(&found?));
    let (Some(buffer), Some(write_through), Some(encoding_field), Some(raw_closed)) = (
        member("buffer")?,
        member("write_through")?,
        member("encoding")?,
        data_descriptor(&raw.get_type(), "closed")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(UnbufferedStdio {
        fd,
        encoding: stream.getattr("encoding")?.unbind(),
        buffer,
        write_through,
        encoding_field,
        raw: raw.unbind(),
        raw_closed: raw_closed.unbind(),
    }))
}

/// `class`'s attribute `name` when it is a data descriptor (which wins over
/// an instance's dict), else None.
fn data_descriptor<'py>(
    class: &Bound<'py, PyType>,
    name: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let found = class.getattr(name)?;
    // SAFETY: reads two slots of a live object's type.
    let data = unsafe {
        let kind = ffi::Py_TYPE(found.as_ptr());
        (*kind).tp_descr_get.is_some() && (*kind).tp_descr_set.is_some()
    };
    Ok(data.then_some(found))
}

pub struct Target {
    pub level: LevelNo,
    pub formatter: Option<Arc<Formatter>>,
    pub terminator: String,
    pub handler: Py<PyAny>,
    pub sink: Sink,
    /// A time-rotated file's `rolloverAt`: from then on calls go to Python,
    /// which rolls over (and sets a new one, which re-plans).
    pub rollover_at: Option<i64>,
    /// A watched file (`WatchedFileHandler`): once it has moved, calls go to
    /// Python, which reopens it in the queue's order.
    pub watch: Option<Arc<FileWatch>>,
}

pub struct FastPlan {
    pub targets: Vec<Target>,
    /// Which of the precheck's per-target tests can fail for these targets.
    pub checks: Checks,
    pub needs: Needs,
    /// Some target exports OTLP (its records must be encodable there).
    pub exports_otlp: bool,
    /// `extra` keys some formatter prints.
    /// Each key also as a hashed Python string, so the per-call dict
    /// lookup neither builds nor hashes one.
    pub extra_keys: Vec<(Name, Py<PyString>)>,
    pub level_names: LevelNames,
    /// Handler and filter lists with the items they held, and other sized
    /// objects (the stdlib's logger registry) with the length they had.
    watched: Vec<Watched>,
    /// Classes whose attributes the plan read (logger, handler, formatter
    /// and style classes), with their type version tags at that time.
    watched_types: Vec<(Py<PyType>, u32)>,
    /// Instance dicts (formatters without setters of ours) with their
    /// version tags at that time.
    watched_dicts: Vec<(Py<PyDict>, u64)>,
}

/// Which of the per-call tests of `emit::precheck` apply to a plan's
/// targets: a plan of stream handlers, say, runs none of them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Checks {
    /// A worker-written file, whose failed write Python must report.
    pub failures: bool,
    /// A time-rotated file, due for rollover at some point.
    pub rollovers: bool,
    /// A watched file, which may have moved.
    pub watches: bool,
    /// A formatter that cannot render every level or time.
    pub rendering: bool,
}

impl Checks {
    fn of(targets: &[Target]) -> Checks {
        let any = |test: fn(&Target) -> bool| targets.iter().any(test);
        Checks {
            failures: any(|t| matches!(t.sink, Sink::Queued(_) | Sink::SizeLimited { .. })),
            rollovers: any(|t| t.rollover_at.is_some()),
            watches: any(|t| t.watch.is_some()),
            rendering: any(|t| t.formatter.as_ref().is_some_and(|f| f.may_not_render())),
        }
    }
}

/// A container the plan read, as it was then.
enum Watched {
    /// A list and its items: a handler list the stdlib's code changed with
    /// `removeHandler` then `addHandler` keeps its length, not its items.
    /// The items are held, so none can be freed and its address reused.
    List(Py<PyList>, Vec<Py<PyAny>>),
    Sized(Py<PyAny>, usize),
}

impl Watched {
    fn of(container: Bound<'_, PyAny>) -> PyResult<Self> {
        match container.cast_into::<PyList>() {
            Ok(list) => {
                let items = list.iter().map(Bound::unbind).collect();
                Ok(Self::List(list.unbind(), items))
            }
            Err(error) => {
                let container = error.into_inner();
                let len = container.len()?;
                Ok(Self::Sized(container.unbind(), len))
            }
        }
    }

    fn unchanged(&self, py: Python<'_>) -> bool {
        match self {
            Self::List(list, items) => {
                let list = list.bind(py);
                list.len() == items.len()
                    && items.iter().enumerate().all(|(index, then)| {
                        // SAFETY: `index` is below the length just read, with
                        // the GIL held and no Python code run in between; the
                        // item is only compared, never used (no reference
                        // taken, unlike pyo3's iterator).
                        let now = unsafe { ffi::PyList_GET_ITEM(list.as_ptr(), index as isize) };
                        now == then.as_ptr()
                    })
            }
            Self::Sized(sized, len) => sized.bind(py).len().is_ok_and(|now| now == *len),
        }
    }
}

pub enum Plan {
    /// Every call goes through the Python `_log`.
    Slow,
    Fast(FastPlan),
}

impl FastPlan {
    /// False once a list the plan read changed its items, the registry its
    /// length, or an attribute of one of its classes was reassigned.
    pub fn still_valid(&self, py: Python<'_>) -> bool {
        self.watched_types
            .iter()
            .all(|(class, tag)| version_tag(class.bind(py)) == *tag)
            && self.watched.iter().all(|watched| watched.unchanged(py))
            && self
                .watched_dicts
                .iter()
                .all(|(dict, tag)| dict_version::of(dict.bind(py)) == *tag)
    }
}

/// What the Python planner returns for a logger the fast path can serve:
/// the handlers' descriptions and what the plan must watch to stay valid.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct PlanSpec<'py> {
    targets: Vec<Bound<'py, TargetSpec>>,
    /// Handler and filter lists, and sized objects (the stdlib's registry).
    watched: Vec<Bound<'py, PyAny>>,
    /// `extra` keys some formatter prints.
    extra_keys: Vec<Bound<'py, PyString>>,
    /// Classes whose attributes the planner read.
    classes: Vec<Bound<'py, PyType>>,
    /// Instance dicts whose every change re-plans.
    watched_dicts: Vec<Bound<'py, PyDict>>,
}

/// Builds the plan of `logger` through the Python planner.
pub fn build(
    py: Python<'_>,
    environment: &Environment,
    logger: &Bound<'_, PyAny>,
) -> PyResult<Plan> {
    let described = environment.helpers.plan.bind(py).call1((logger,))?;
    if described.is_none() {
        return Ok(Plan::Slow);
    }
    let described: PlanSpec<'_> = described.extract()?;
    let mut targets = Vec::new();
    let mut needs = Needs::default();
    let mut exports_otlp = false;
    for spec in &described.targets {
        let target = target_from(py, spec.get())?;
        if let Some(formatter) = &target.formatter {
            needs = needs.union(formatter.needs());
        }
        if let Sink::Otlp { exporter, .. } = &target.sink {
            exports_otlp = true;
            needs = needs.union(Needs {
                call_site: exporter.get().code_attributes(),
                thread_name: true,
                all_extras: true,
                ..Needs::default()
            });
        }
        targets.push(target);
    }
    let mut watched = Vec::new();
    for container in described.watched {
        watched.push(Watched::of(container)?);
    }
    let mut extra_keys = Vec::new();
    for key in described.extra_keys {
        key.hash()?;
        extra_keys.push((Name::intern(key.to_str()?), key.unbind()));
    }
    let mut watched_types = Vec::new();
    for class in described.classes {
        // The planner's attribute lookups gave each class a tag, unless the
        // class was modified so often that CPython stopped: then no later
        // change could be noticed, and only the Python path is safe.
        let tag = version_tag(&class);
        if tag == 0 {
            return Ok(Plan::Slow);
        }
        if type_watch::watch(&class) {
            continue; // a change will bump the generation
        }
        watched_types.push((class.unbind(), tag));
    }
    let watched_dicts = described
        .watched_dicts
        .into_iter()
        .map(|dict| {
            let tag = dict_version::of(&dict);
            (dict.unbind(), tag)
        })
        .collect();
    Ok(Plan::Fast(FastPlan {
        checks: Checks::of(&targets),
        targets,
        needs,
        exports_otlp,
        extra_keys,
        level_names: environment.level_names_now(py)?,
        watched,
        watched_types,
        watched_dicts,
    }))
}

/// Type watchers (CPython 3.12+): CPython calls back when a watched class
/// (or a base) is modified, and the callback bumps the configuration
/// generation. Version tags cannot serve there, as 3.12+ stops giving a
/// class new tags after many modifications.
#[cfg(Py_3_12)]
mod type_watch {
    use std::ffi::c_int;
    use std::sync::OnceLock;

    use pyo3::ffi;
    use pyo3::prelude::*;
    use pyo3::types::PyType;

    use crate::core::generation;

    type WatchCallback = unsafe extern "C" fn(*mut ffi::PyTypeObject) -> c_int;

    extern "C" {
        fn PyType_AddWatcher(callback: WatchCallback) -> c_int;
        fn PyType_Watch(watcher_id: c_int, class: *mut ffi::PyObject) -> c_int;
    }

    unsafe extern "C" fn class_modified(_class: *mut ffi::PyTypeObject) -> c_int {
        generation::bump();
        0
    }

    static WATCHER: OnceLock<Option<c_int>> = OnceLock::new();

    /// Watches `class`; false if no watcher could be registered.
    pub fn watch(class: &Bound<'_, PyType>) -> bool {
        // SAFETY: called with the thread attached; the callback is 'static.
        let watcher = *WATCHER.get_or_init(|| {
            let id = unsafe { PyType_AddWatcher(class_modified) };
            (id >= 0).then_some(id)
        });
        let Some(watcher) = watcher else {
            // SAFETY: AddWatcher set an exception on failure; discard it.
            unsafe { ffi::PyErr_Clear() };
            return false;
        };
        // SAFETY: `class` is a live type object and the watcher id is valid.
        let status = unsafe { PyType_Watch(watcher, class.as_ptr()) };
        if status < 0 {
            // SAFETY: an exception is set on failure; discard it.
            unsafe { ffi::PyErr_Clear() };
        }
        status == 0
    }
}

#[cfg(not(Py_3_12))]
mod type_watch {
    use pyo3::prelude::*;
    use pyo3::types::PyType;

    /// Type watchers need CPython 3.12; version tags serve before that.
    pub fn watch(_class: &Bound<'_, PyType>) -> bool {
        false
    }
}

/// The type's version tag: CPython gives a type a new tag whenever an
/// attribute of it or of a base class is assigned (the tag keys its method
/// cache), so an unchanged tag means unchanged class attributes. A metaclass
/// could not observe this without breaking user classes that mix in ABCs.
/// The class's version tag: unchanged while no attribute of it or of its
/// bases was assigned (0: none given yet).
pub fn version_tag(class: &Bound<'_, PyType>) -> u32 {
    // SAFETY: `class` is a live type object; the field is a plain integer.
    unsafe { (*class.as_type_ptr()).tp_version_tag }
}

/// A file whose worker formats the records: it gets the plan's formatter,
/// terminator and size rollover (if any) for the records sent from now on.
fn worker_formatted(
    stream: &FileStream,
    formatter: &Arc<Formatter>,
    terminator: &str,
    rotation: Option<Rotation>,
) -> Sink {
    let core = Arc::clone(stream.core());
    core.use_formatter(Arc::clone(formatter));
    core.use_terminator(terminator);
    core.use_rotation(rotation);
    Sink::Queued(core)
}

fn formatter_of(native: &Py<NativeFormat>) -> Arc<Formatter> {
    Arc::clone(native.get().formatter())
}

/// The native handler behind a `logging`-face handler, for the core
/// `FemtoLogger`: the core of a file handler whose worker formats its
/// records (`FileHandler`, `RotatingFileHandler`,
/// `TimedRotatingFileHandler`, `WatchedFileHandler`), configured with its
/// formatter, terminator, rollover and level as they are now, or an
/// `OTLPHandler`'s exporter; `None` for any other handler.
pub fn native_core(
    py: Python<'_>,
    handler: &Bound<'_, PyAny>,
) -> PyResult<Option<Arc<dyn FemtoHandlerTrait>>> {
    let Ok(describe) = handler.getattr(pyo3::intern!(py, "_femto_target")) else {
        return Ok(None);
    };
    let spec = describe.call0()?;
    let Ok(spec) = spec.cast::<TargetSpec>() else {
        return Ok(None);
    };
    let spec = spec.get();
    match spec {
        TargetSpec::File { .. }
        | TargetSpec::RotatingFile { .. }
        | TargetSpec::TimedFile { .. } => {
            let target = target_from(py, spec)?;
            let Sink::Queued(core) = target.sink else {
                return Ok(None);
            };
            core.set_level(target.level);
            Ok(Some(core))
        }
        TargetSpec::Otlp {
            level, exporter, ..
        } => Ok(Some(OtlpRecords::new(exporter.clone_ref(py), *level))),
        _ => Ok(None),
    }
}

/// The native target a handler's description stands for.
fn target_from(py: Python<'_>, spec: &TargetSpec) -> PyResult<Target> {
    let formatted = |level: LevelNo,
                     handler: &Py<PyAny>,
                     native: &Py<NativeFormat>,
                     terminator: &str,
                     sink: Sink| Target {
        level,
        formatter: Some(formatter_of(native)),
        terminator: terminator.to_owned(),
        handler: handler.clone_ref(py),
        sink,
        rollover_at: None,
        watch: None,
    };
    let unformatted = |level: LevelNo, handler: &Py<PyAny>, sink: Sink| Target {
        level,
        formatter: None,
        terminator: String::new(),
        handler: handler.clone_ref(py),
        sink,
        rollover_at: None,
        watch: None,
    };
    Ok(match spec {
        TargetSpec::File {
            level,
            handler,
            stream,
            native,
            terminator,
        } => {
            let stream = stream.get();
            let sink = worker_formatted(stream, &formatter_of(native), terminator, None);
            Target {
                watch: stream.watch().cloned(),
                ..formatted(*level, handler, native, terminator, sink)
            }
        }
        TargetSpec::RotatingFile {
            level,
            handler,
            stream,
            native,
            terminator,
            max_bytes,
            backup_count,
            skip_empty,
        } => {
            let rotation = Rotation::Size(SizeRotation {
                max_bytes: *max_bytes,
                backup_count: *backup_count,
                skip_empty: *skip_empty,
            });
            let sink = worker_formatted(
                stream.get(),
                &formatter_of(native),
                terminator,
                Some(rotation),
            );
            formatted(*level, handler, native, terminator, sink)
        }
        TargetSpec::SizeLimitedFile {
            level,
            handler,
            stream,
            native,
            terminator,
            max_bytes,
        } => {
            let sink = Sink::SizeLimited {
                stream: stream.clone_ref(py),
                max_bytes: *max_bytes,
                cache: GilCell::default(),
            };
            formatted(*level, handler, native, terminator, sink)
        }
        TargetSpec::TimedFile {
            level,
            handler,
            stream,
            native,
            terminator,
            schedule,
            rollover_cell,
            backup_count,
        } => {
            let rotation = schedule.get().rotation(rollover_cell.get(), *backup_count);
            let sink = worker_formatted(
                stream.get(),
                &formatter_of(native),
                terminator,
                Some(Rotation::Timed(rotation)),
            );
            formatted(*level, handler, native, terminator, sink)
        }
        TargetSpec::FileUntil {
            level,
            handler,
            stream,
            native,
            terminator,
            rollover_at,
        } => {
            let sink = worker_formatted(stream.get(), &formatter_of(native), terminator, None);
            Target {
                rollover_at: Some(*rollover_at),
                ..formatted(*level, handler, native, terminator, sink)
            }
        }
        TargetSpec::Stream {
            level,
            handler,
            stream,
            native,
            terminator,
            lock,
            unbuffered_fd,
        } => {
            let lock = lock.bind(py);
            let sink = Sink::Stream {
                unbuffered: match unbuffered_fd {
                    Some(fd) => unbuffered_stdio(stream.bind(py), *fd)?,
                    None => None,
                },
                stream: stream.clone_ref(py),
                lock: if lock.is_none() {
                    None
                } else if let Ok(native) = lock.cast_exact::<HandlerLock>() {
                    Some(StreamLock::Native(native.clone().unbind()))
                } else {
                    Some(StreamLock::Python(
                        lock.getattr("acquire")?.unbind(),
                        lock.getattr("release")?.unbind(),
                    ))
                },
                cache: GilCell::default(),
            };
            formatted(*level, handler, native, terminator, sink)
        }
        TargetSpec::Otlp {
            level,
            handler,
            exporter,
            span_reader,
        } => unformatted(
            *level,
            handler,
            Sink::Otlp {
                exporter: exporter.clone_ref(py),
                span: span_reader.as_ref().map(|(variable, key)| SpanReader {
                    variable: variable.clone_ref(py),
                    key: key.clone_ref(py),
                }),
            },
        ),
        TargetSpec::Null { level, handler } => unformatted(*level, handler, Sink::Discard),
    })
}
