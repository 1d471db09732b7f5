//! The caller's thread name, as `threading.current_thread().name` gives it,
//! read without calling Python.
//!
//! `current_thread()` is `threading._active[get_ident()]`, and `Thread.name`
//! returns the thread's `_name`. When the thread is not in `_active` (a
//! thread started outside `threading`, which `current_thread()` would give
//! a dummy Thread), when its class replaces the `name` property, or when
//! `_name` is not a str, the Python helper answers instead.
//!
//! Looking the thread up costs more than the rest of a record's metadata, so
//! the threads met lately are remembered (`KnownThreads`): while `_active`
//! and the thread's class keep their version tags, the thread and its stock
//! `name` property are still what they were, and only `_name` is read again.

use std::sync::Arc;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyType};

use super::emit::optional_text;
use super::environment::Environment;
use super::plan::version_tag;
use crate::bindings::dict_version;

/// At most this many threads are remembered; past it the oldest entry goes.
const REMEMBERED: usize = 16;

/// Threads whose names were read lately (in `Environment`, under the GIL).
#[derive(Default)]
pub struct KnownThreads {
    threads: Vec<KnownThread>,
    /// The entry the next new thread replaces once all are taken.
    next: usize,
}

struct KnownThread {
    ident: u64,
    /// `_active`'s version tag when `thread` was found there.
    active_version: u64,
    thread: Py<PyAny>,
    /// The thread's class and its version tag when its `name` was seen to
    /// be the stock property.
    class: Py<PyType>,
    class_version: u32,
    /// The `_name` last read, and its text.
    name_object: Py<PyString>,
    name: Arc<str>,
}

impl KnownThreads {
    /// The remembered entry for `ident` while `_active` is as it was then,
    /// with the text of the name it last had.
    fn recall<'py>(
        &self,
        py: Python<'py>,
        ident: u64,
        active_version: u64,
    ) -> Option<(Seen<'py>, Arc<str>)> {
        let known = self
            .threads
            .iter()
            .find(|known| known.ident == ident && known.active_version == active_version)?;
        let seen = Seen {
            ident,
            active_version,
            thread: known.thread.bind(py).clone(),
            class: known.class.bind(py).clone(),
            class_version: known.class_version,
            name_object: known.name_object.bind(py).clone(),
        };
        Some((seen, Arc::clone(&known.name)))
    }

    /// Remembers `thread`, returning the entry it replaced (to be dropped
    /// by the caller, outside the cell: a thread object may have `__del__`).
    fn remember(&mut self, thread: KnownThread) -> Option<KnownThread> {
        if let Some(slot) = self.threads.iter_mut().find(|t| t.ident == thread.ident) {
            return Some(std::mem::replace(slot, thread));
        }
        if self.threads.len() < REMEMBERED {
            self.threads.push(thread);
            return None;
        }
        let slot = self.next % REMEMBERED;
        self.next = slot + 1;
        Some(std::mem::replace(&mut self.threads[slot], thread))
    }
}

/// The name of the thread with `ident` (the caller's).
pub fn current(
    py: Python<'_>,
    environment: &Environment,
    ident: u64,
) -> PyResult<Option<Arc<str>>> {
    let active = environment
        .helpers
        .active_threads
        .bind(py)
        .cast::<PyDict>()?;
    let active_version = dict_version::of(active);
    let recalled = environment
        .known_threads
        .with(py, |known| known.recall(py, ident, active_version));
    if let Some((seen, text)) = recalled {
        if let Some(name) = recalled_name(py, environment, active, seen, text)? {
            return Ok(Some(name));
        }
    } else if let Some(name) = looked_up(py, environment, active, ident, active_version)? {
        return Ok(Some(name));
    }
    optional_text(environment.helpers.thread_name.bind(py).call0()?)
}

/// The name of a remembered thread, if its class is as it was; `_name` is
/// read again (a thread may be renamed at any time). `last` is the text of
/// the name `seen` holds.
fn recalled_name(
    py: Python<'_>,
    environment: &Environment,
    active: &Bound<'_, PyDict>,
    seen: Seen<'_>,
    last: Arc<str>,
) -> PyResult<Option<Arc<str>>> {
    let class = &seen.class;
    if !seen.thread.get_type().is(class) || version_tag(class) != seen.class_version {
        return looked_up(py, environment, active, seen.ident, seen.active_version);
    }
    let Some(name_object) = name_of(&seen.thread)? else {
        return Ok(None);
    };
    if name_object.is(&seen.name_object) {
        return Ok(Some(last));
    }
    Ok(named(
        py,
        environment,
        Seen {
            name_object,
            ..seen
        },
        true,
    ))
}

/// The name found through `_active`, remembered for the next calls; None
/// where the Python helper must answer.
fn looked_up(
    py: Python<'_>,
    environment: &Environment,
    active: &Bound<'_, PyDict>,
    ident: u64,
    active_version: u64,
) -> PyResult<Option<Arc<str>>> {
    let Some(thread) = active.get_item(PyInt::new(py, ident))? else {
        return Ok(None);
    };
    let class = thread.get_type();
    let property = class.getattr(intern!(py, "name"))?;
    if !property.is(environment.helpers.thread_name_property.bind(py)) {
        return Ok(None);
    }
    let Some(name_object) = name_of(&thread)? else {
        return Ok(None);
    };
    // Read after the lookups above, which give the class a tag if it had
    // none; a tag of 0 is no tag, and never matches. `_active` is read
    // again: the lookups may have run Python code.
    let class_version = version_tag(&class);
    let still = class_version != 0 && dict_version::of(active) == active_version;
    let found = Seen {
        ident,
        active_version,
        thread,
        class,
        class_version,
        name_object,
    };
    Ok(named(py, environment, found, still))
}

/// A thread as read for a call: what `KnownThread` keeps of it. (Bound,
/// not `Py`: dropping a `Py` asks whether the GIL is held.)
struct Seen<'py> {
    ident: u64,
    active_version: u64,
    thread: Bound<'py, PyAny>,
    class: Bound<'py, PyType>,
    class_version: u32,
    name_object: Bound<'py, PyString>,
}

/// The text of the name in `seen` (None for a lone surrogate: Python writes
/// it), remembered with the thread for the next calls when `remember`.
fn named(
    py: Python<'_>,
    environment: &Environment,
    seen: Seen<'_>,
    remember: bool,
) -> Option<Arc<str>> {
    let name: Arc<str> = Arc::from(seen.name_object.to_str().ok()?);
    if remember {
        let known = KnownThread {
            ident: seen.ident,
            active_version: seen.active_version,
            thread: seen.thread.unbind(),
            class: seen.class.unbind(),
            class_version: seen.class_version,
            name_object: seen.name_object.unbind(),
            name: Arc::clone(&name),
        };
        let replaced = environment
            .known_threads
            .with(py, |known_threads| known_threads.remember(known));
        drop(replaced);
    }
    Some(name)
}

/// `thread._name`, what the stock `name` property returns, when it is
/// exactly a str.
fn name_of<'py>(thread: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyString>>> {
    let Ok(name) = thread.getattr(intern!(thread.py(), "_name")) else {
        return Ok(None);
    };
    Ok(name.cast_into_exact::<PyString>().ok())
}
