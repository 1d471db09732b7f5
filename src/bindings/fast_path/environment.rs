//! What the fast path needs from the Python package: helper callables, the
//! live level-name table, reserved record keys, and the package directory
//! whose frames are skipped when looking for the caller.
//!
//! Installed once, by the first call that needs it: the package's module
//! that provides it (`_native_path`) is not loaded by `import femtologging`
//! (issue 17). The import registers a loader instead, which that first call
//! runs.

use std::collections::HashSet;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use super::extras::KnownKeys;
use super::thread_name::KnownThreads;
use crate::bindings::dict_version;
use crate::bindings::gil_cell::GilCell;
use crate::core::level::LevelNo;
use crate::core::name::Name;
use crate::core::sync::lock_unpoisoned;

pub struct Environment {
    pub package_dir: String,
    /// `_levelToName`, read per record so direct edits of it are honoured.
    pub level_to_name: Py<PyDict>,
    /// Record attribute names (plus "message" and "asctime") that `extra`
    /// may not overwrite.
    pub reserved_keys: ReservedKeys,
    /// Before 3.11, `stacklevel` counted frames of logging itself.
    pub legacy_stacklevel: bool,
    pub helpers: Helpers,
    /// Level names already converted, keyed by level and by the identity of
    /// the str in `_levelToName` (which users may replace at any time).
    level_names: Mutex<Vec<KnownLevelName>>,
    /// Threads whose names were read lately (thread_name.rs).
    pub known_threads: GilCell<KnownThreads>,
    /// `extra` keys met lately, with their interned names (extras.rs).
    pub known_keys: GilCell<KnownKeys>,
}

/// The package's Python functions and objects the fast path calls, by name
/// (a dict from `_native_path.install`: a missing name is an error naming
/// it).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Helpers {
    /// `(ei) -> str`: the stdlib `Formatter.formatException` text.
    pub exception_text: Py<PyAny>,
    /// `(exc_info) -> exc_info tuple`, normalised as `Logger._log` does.
    pub normalize_exc_info: Py<PyAny>,
    /// `(frame) -> str`: the "Stack (most recent call last):" text.
    pub stack_text: Py<PyAny>,
    /// `() -> str`: `threading.current_thread().name`.
    pub thread_name: Py<PyAny>,
    /// `() -> str`: the stdlib's processName.
    pub process_name: Py<PyAny>,
    /// `() -> str | None`: the current asyncio task's name.
    pub task_name: Py<PyAny>,
    /// `(handler, logger, level, msg, args, kwargs, error)`: reports a failed
    /// write through the handler's `handleError`, as `emit` would.
    pub report_error: Py<PyAny>,
    /// `(logger, level, msg, args, message, exc_info, exc_text, stack_text,
    /// extra, stacklevel)`: finishes in Python a call whose record the fast
    /// path rendered but cannot hold (emit.rs, `Made::InPython`).
    pub handle_rendered: Py<PyAny>,
    /// `(logger) -> (threshold, custom_is_enabled_for)`.
    pub threshold: Py<PyAny>,
    /// `(logger) -> None | dict`: the plan's description (plan.rs, `PlanSpec`).
    pub plan: Py<PyAny>,
    /// `(value) -> str | None`: an `extra` value as JSON text, non-ASCII
    /// left as is, as the JSON formatter's encoder writes it (None: only
    /// Python can print it).
    pub json_text: Py<PyAny>,
    /// `femtologging.contextvars.BOUND`: the ContextVar whose dict of bound
    /// values every record of the caller's context carries.
    pub bound: Py<PyAny>,
    /// `threading._active` (thread ident -> Thread) and the stock
    /// `threading.Thread.name` property, to read the thread name natively.
    pub active_threads: Py<PyAny>,
    pub thread_name_property: Py<PyAny>,
}

struct KnownLevelName {
    level: LevelNo,
    object: Py<PyAny>,
    text: Name,
}

/// `_levelToName` as converted when a plan was made: read per record without
/// a lock, and still checked against the live table entry by identity.
pub struct LevelNames {
    names: Vec<KnownLevelName>,
    /// The table's version tag then: while it holds, the table is as it
    /// was, and a level's name is read from here without a lookup.
    version: u64,
}

impl Environment {
    /// The level names of the live table, converted now. Entries whose `str()`
    /// fails are left to `level_name`, which reports the error per call.
    pub fn level_names_now(&self, py: Python<'_>) -> PyResult<LevelNames> {
        // A list of the items, not the dict itself: `str()` runs Python code,
        // which may change the table while it is read.
        let mut names = Vec::new();
        let mut version = dict_version::of(self.level_to_name.bind(py));
        for item in self.level_to_name.bind(py).items().iter() {
            let (level, name): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let (Ok(level), Ok(text)) = (level.extract::<LevelNo>(), name.str()) else {
                // Only a lookup finds such an entry (or reports it).
                version = u64::MAX;
                continue;
            };
            let Ok(text) = text.to_str() else {
                version = u64::MAX; // a lone surrogate: Python writes it
                continue;
            };
            names.push(KnownLevelName {
                level,
                object: name.unbind(),
                text: Name::intern(text),
            });
        }
        // `str()` above may have changed the table: then no shortcut.
        let version =
            if version != u64::MAX && dict_version::of(self.level_to_name.bind(py)) == version {
                version
            } else {
                u64::MAX
            };
        Ok(LevelNames { names, version })
    }

    /// `getLevelName(level)` through the live `_levelToName` table; None
    /// for a name that is no UTF-8 text (a lone surrogate), which only
    /// Python writes as the stdlib does.
    pub fn level_name(
        &self,
        py: Python<'_>,
        level: LevelNo,
        planned: &LevelNames,
    ) -> PyResult<Option<Name>> {
        let table = self.level_to_name.bind(py);
        if dict_version::of(table) == planned.version {
            // The table is unchanged since the plan: its entry, or none.
            return Ok(Some(
                match planned.names.iter().find(|entry| entry.level == level) {
                    Some(entry) => entry.text.clone(),
                    None => Name::intern(&format!("Level {level}")),
                },
            ));
        }
        let Some(name) = table.get_item(level)? else {
            return Ok(Some(Name::intern(&format!("Level {level}"))));
        };
        let same = |entry: &&KnownLevelName| entry.level == level && entry.object.is(&name);
        if let Some(entry) = planned.names.iter().find(same) {
            return Ok(Some(entry.text.clone()));
        }
        // The table was edited in place since the plan was made.
        if let Some(entry) = self.known_level_names().iter().find(same) {
            return Ok(Some(entry.text.clone()));
        }
        // `str()` runs Python code (which may log): not under the lock.
        let Ok(text) = name.str()?.to_str().map(Name::intern) else {
            return Ok(None);
        };
        let stale = {
            let mut known = self.known_level_names();
            let (stale, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut *known)
                .into_iter()
                .partition(|entry| entry.level == level);
            *known = kept;
            known.push(KnownLevelName {
                level,
                object: name.unbind(),
                text: text.clone(),
            });
            stale
        };
        // Dropping a str may run Python code too: after the lock is released.
        drop(stale);
        Ok(Some(text))
    }

    fn known_level_names(&self) -> std::sync::MutexGuard<'_, Vec<KnownLevelName>> {
        lock_unpoisoned(&self.level_names)
    }
}

/// A small fixed set of names, grouped by length: checking an `extra` key
/// compares it with the few names of its length, without hashing it.
pub struct ReservedKeys {
    by_length: Vec<Vec<Box<str>>>,
}

impl ReservedKeys {
    fn new(names: HashSet<String>) -> Self {
        let mut by_length: Vec<Vec<Box<str>>> = Vec::new();
        for name in names {
            if by_length.len() <= name.len() {
                by_length.resize(name.len() + 1, Vec::new());
            }
            by_length[name.len()].push(name.into_boxed_str());
        }
        ReservedKeys { by_length }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.by_length
            .get(key.len())
            .is_some_and(|names| names.iter().any(|name| &**name == key))
    }
}

static ENVIRONMENT: PyOnceLock<Environment> = PyOnceLock::new();

/// `femtologging._globals.load_fast_path`, registered at import.
static LOADER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The environment, if a call has loaded it already: for the paths that only
/// run once a plan, which needs it, exists.
pub fn installed(py: Python<'_>) -> Option<&Environment> {
    ENVIRONMENT.get(py)
}

/// The environment, loaded by this call if none has been yet. None when it
/// cannot be: a first log call while the interpreter finalizes, when nothing
/// can be imported any more. The call then takes the Python path, which
/// needs none of it.
pub fn load(py: Python<'_>) -> PyResult<Option<&Environment>> {
    if let Some(environment) = ENVIRONMENT.get(py) {
        return Ok(Some(environment));
    }
    if let Some(loader) = LOADER.get(py) {
        loader.call0(py)?;
    }
    Ok(ENVIRONMENT.get(py))
}

/// Called once by `femtologging/__init__.py` at import.
#[pyfunction]
pub fn _set_fast_path_loader(py: Python<'_>, loader: Py<PyAny>) {
    let _ = LOADER.set(py, loader);
}

/// Called once, by `femtologging/_native_path.py`'s `install`.
#[pyfunction]
#[pyo3(signature = (*, package_dir, level_to_name, reserved_keys, legacy_stacklevel, helpers))]
pub fn _install_fast_path(
    py: Python<'_>,
    package_dir: String,
    level_to_name: Py<PyDict>,
    reserved_keys: HashSet<String>,
    legacy_stacklevel: bool,
    helpers: Helpers,
) -> PyResult<()> {
    let environment = Environment {
        package_dir,
        level_to_name,
        reserved_keys: ReservedKeys::new(reserved_keys),
        legacy_stacklevel,
        helpers,
        level_names: Mutex::new(Vec::new()),
        known_threads: GilCell::default(),
        known_keys: GilCell::default(),
    };
    let _ = ENVIRONMENT.set(py, environment);
    Ok(())
}
