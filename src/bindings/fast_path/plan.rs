//! A logger's cached routing plan: which handlers a record reaches and how.
//!
//! The Python side (`femtologging/_native_path.py`) decides eligibility and
//! describes each handler as a tuple; this turns the description into native
//! targets. A plan also remembers the lists it was built from, because code
//! in the wild mutates `logger.handlers` in place, which no setter sees.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};

use super::super::file_stream::FileStream;
use super::super::native_format::NativeFormat;
use super::super::otlp_exporter::{OtlpExporter, SpanReader};
use super::super::timed_rotation::{RolloverCell, TimedSchedule};
use super::environment::{Environment, LevelNames};
use crate::bindings::dict_version;
use crate::core::format::{FormatCache, Formatter, Needs};
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
    /// does, under the handler's lock (`lock` holds its bound `acquire` and
    /// `release`). `None` for an `io.StringIO`: its `write` never releases
    /// the GIL and its `flush` does nothing, so neither is needed.
    Stream {
        stream: Py<PyAny>,
        lock: Option<(Py<PyAny>, Py<PyAny>)>,
        cache: Mutex<LineCache>,
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
        cache: Mutex<FormatCache>,
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
                    && list
                        .iter()
                        .zip(items)
                        .all(|(now, then)| now.as_ptr() == then.as_ptr())
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

/// Builds the plan of `logger` through the Python planner.
pub fn build(
    py: Python<'_>,
    environment: &Environment,
    logger: &Bound<'_, PyAny>,
) -> PyResult<Plan> {
    let described = environment.plan.bind(py).call1((logger,))?;
    if described.is_none() {
        return Ok(Plan::Slow);
    }
    let described = described.cast::<PyTuple>()?;
    let targets_list = described.get_item(0)?;
    let mut targets = Vec::new();
    let mut needs = Needs::default();
    let mut exports_otlp = false;
    for item in targets_list.try_iter()? {
        let target = target_from(py, item?.cast::<PyTuple>()?)?;
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
    for container in described.get_item(1)?.try_iter()? {
        watched.push(Watched::of(container?)?);
    }
    let mut extra_keys = Vec::new();
    for key in described.get_item(2)?.try_iter()? {
        let key = key?.cast_into::<PyString>()?;
        key.hash()?;
        extra_keys.push((Name::intern(key.to_str()?), key.unbind()));
    }
    let mut watched_types = Vec::new();
    for class in described.get_item(3)?.try_iter()? {
        let class = class?.cast_into::<PyType>()?;
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
    let mut watched_dicts = Vec::new();
    if described.len() > 4 {
        for dict in described.get_item(4)?.try_iter()? {
            let dict = dict?.cast_into::<PyDict>()?;
            watched_dicts.push((dict_version::of(&dict), dict.unbind()));
        }
    }
    Ok(Plan::Fast(FastPlan {
        targets,
        needs,
        exports_otlp,
        extra_keys,
        level_names: environment.level_names_now(py)?,
        watched,
        watched_types,
        watched_dicts: watched_dicts
            .into_iter()
            .map(|(tag, dict)| (dict, tag))
            .collect(),
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
fn version_tag(class: &Bound<'_, PyType>) -> u32 {
    // SAFETY: `class` is a live type object; the field is a plain integer.
    unsafe { (*class.as_type_ptr()).tp_version_tag }
}

/// A file whose worker formats the records: it gets the plan's formatter,
/// terminator and size rollover (if any) for the records sent from now on.
fn worker_formatted(
    stream: &FileStream,
    formatter: &Option<Arc<Formatter>>,
    terminator: &str,
    rotation: Option<Rotation>,
) -> Sink {
    let core = Arc::clone(stream.core());
    if let Some(formatter) = formatter {
        core.use_formatter(Arc::clone(formatter));
    }
    core.use_terminator(terminator);
    core.use_rotation(rotation);
    Sink::Queued(core)
}

/// `(kind, level, target, native_format, terminator, lock, handler)`, then
/// per kind: `rolloverAt`; `maxBytes`; `maxBytes, backupCount, skip_empty`;
/// `TimedSchedule, RolloverCell, backupCount`; a descriptor.
fn target_from(py: Python<'_>, item: &Bound<'_, PyTuple>) -> PyResult<Target> {
    let kind: String = item.get_item(0)?.extract()?;
    let level: LevelNo = item.get_item(1)?.extract()?;
    let object = item.get_item(2)?;
    let native = item.get_item(3)?;
    let formatter = if native.is_none() {
        None
    } else {
        Some(Arc::clone(native.cast::<NativeFormat>()?.get().formatter()))
    };
    let terminator: String = item.get_item(4)?.extract()?;
    let lock = item.get_item(5)?;
    let handler = item.get_item(6)?.unbind();
    let limit = if item.len() > 7 {
        Some(item.get_item(7)?)
    } else {
        None
    };
    let mut rollover_at = None;
    let mut watch = None;
    let sink = match kind.as_str() {
        "file-until" => {
            rollover_at = match &limit {
                Some(limit) => Some(limit.extract::<i64>()?),
                None => return Err(PyTypeError::new_err("file-until needs rolloverAt")),
            };
            worker_formatted(
                object.cast::<FileStream>()?.get(),
                &formatter,
                &terminator,
                None,
            )
        }
        "file-rotating" => {
            let rotation = SizeRotation {
                max_bytes: match &limit {
                    Some(limit) => limit.extract()?,
                    None => return Err(PyTypeError::new_err("file-rotating needs maxBytes")),
                },
                backup_count: item.get_item(8)?.extract()?,
                skip_empty: item.get_item(9)?.extract()?,
            };
            worker_formatted(
                object.cast::<FileStream>()?.get(),
                &formatter,
                &terminator,
                Some(Rotation::Size(rotation)),
            )
        }
        "file-timed" => {
            let Some(schedule) = &limit else {
                return Err(PyTypeError::new_err("file-timed needs a TimedSchedule"));
            };
            let rotation = schedule.cast::<TimedSchedule>()?.get().rotation(
                item.get_item(8)?.cast::<RolloverCell>()?.get(),
                item.get_item(9)?.extract()?,
            );
            worker_formatted(
                object.cast::<FileStream>()?.get(),
                &formatter,
                &terminator,
                Some(Rotation::Timed(rotation)),
            )
        }
        "file-limit" => Sink::SizeLimited {
            stream: object.cast::<FileStream>()?.clone().unbind(),
            max_bytes: match &limit {
                Some(limit) => limit.extract()?,
                None => return Err(PyTypeError::new_err("file-limit needs maxBytes")),
            },
            cache: Mutex::new(FormatCache::default()),
        },
        "file" => {
            let stream = object.cast::<FileStream>()?.get();
            watch = stream.watch().cloned();
            worker_formatted(stream, &formatter, &terminator, None)
        }
        "stream" | "unbuffered-stdio" => Sink::Stream {
            unbuffered: match (kind.as_str(), &limit) {
                ("unbuffered-stdio", Some(fd)) => Some(UnbufferedStdio {
                    fd: fd.extract()?,
                    encoding: object.getattr("encoding")?.unbind(),
                }),
                _ => None,
            },
            stream: object.unbind(),
            lock: if lock.is_none() {
                None
            } else {
                Some((
                    lock.getattr("acquire")?.unbind(),
                    lock.getattr("release")?.unbind(),
                ))
            },
            cache: Mutex::new(LineCache::default()),
        },
        "stringio" => Sink::Stream {
            stream: object.unbind(),
            lock: None,
            cache: Mutex::new(LineCache::default()),
            unbuffered: None,
        },
        "otlp" => Sink::Otlp {
            exporter: object.cast::<OtlpExporter>()?.clone().unbind(),
            span: match &limit {
                Some(reader) if !reader.is_none() => {
                    let (variable, key): (Bound<'_, PyAny>, Bound<'_, PyString>) =
                        reader.extract()?;
                    Some(SpanReader {
                        variable: variable.unbind(),
                        key: key.unbind(),
                    })
                }
                _ => None,
            },
        },
        "null" => Sink::Discard,
        other => {
            return Err(PyTypeError::new_err(format!(
                "unknown fast-path target kind '{other}'"
            )))
        }
    };
    if formatter.is_none() && !matches!(sink, Sink::Discard | Sink::Otlp { .. }) {
        return Err(PyTypeError::new_err(
            "a fast-path target needs a native formatter",
        ));
    }
    let _ = py;
    Ok(Target {
        level,
        formatter,
        terminator,
        handler,
        sink,
        rollover_at,
        watch,
    })
}
