//! What a call site tells a record, memoized per code object: its file,
//! its function, whether it is femtologging's own (skipped when looking for
//! the caller), and its line per instruction.
//!
//! Reading these from Python each call cost more than the rest of a log
//! call that prints `%(pathname)s:%(lineno)d`: two attribute lookups and two
//! copies per frame, and `PyFrame_GetLineNumber` decodes the line table from
//! its start every time. None of it changes for a given code object (and
//! instruction offset), so it is computed once. The cache keeps its code
//! objects alive (a freed address could be reused by another) and starts
//! again when it reaches its bound; it is only touched with the GIL held and
//! never across a call into Python.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::sync::lock_unpoisoned;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Code objects (and as many lines) kept before the cache starts again.
const BOUND: usize = 4096;

pub struct CodeFacts {
    pub filename: Arc<str>,
    pub function: Arc<str>,
    /// A frame of femtologging itself (or of importlib's bootstrap), which
    /// `findCaller` skips.
    pub internal: bool,
}

/// Keys are addresses and instruction offsets, not attacker-chosen: a
/// multiply-rotate hash serves them (SipHash was a tenth of a log call).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_i32(&mut self, value: i32) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type AddressMap<K, V> = HashMap<K, V, BuildHasherDefault<AddressHasher>>;

#[derive(Default)]
struct Cache {
    /// By the code object's address, with the code object kept alive.
    codes: AddressMap<usize, (Py<PyAny>, Arc<CodeFacts>)>,
    lines: AddressMap<(usize, i32), u32>,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

fn cache() -> MutexGuard<'static, Option<Cache>> {
    lock_unpoisoned(&CACHE)
}

/// Makes room for one more entry; the old entries are dropped after the
/// lock is released (dropping a code object may run a finalizer).
fn insert_with_room(insert: impl FnOnce(&mut Cache)) {
    let mut guard = cache();
    let entries = guard
        .as_ref()
        .map_or(0, |cache| cache.codes.len().max(cache.lines.len()));
    let old = if entries >= BOUND { guard.take() } else { None };
    insert(guard.get_or_insert_with(Cache::default));
    drop(guard);
    drop(old);
}

/// `os.path.dirname` on POSIX.
fn directory_of(path: &str) -> &str {
    match path.rfind('/') {
        None => "",
        Some(slash) => {
            let head = &path[..=slash];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head
            } else {
                trimmed
            }
        }
    }
}

/// The facts of `code`, a code object; `package_dir` is femtologging's.
pub fn facts_of(code: &Bound<'_, PyAny>, package_dir: &str) -> PyResult<Option<Arc<CodeFacts>>> {
    let key = code.as_ptr() as usize;
    if let Some(cache) = cache().as_ref() {
        if let Some((_, facts)) = cache.codes.get(&key) {
            return Ok(Some(Arc::clone(facts)));
        }
    }
    let py = code.py();
    let filename = code.getattr(intern!(py, "co_filename"))?;
    let function = code.getattr(intern!(py, "co_name"))?;
    // A file or function name that is no UTF-8 text (a lone surrogate from
    // an undecodable path): only Python writes it as the stdlib does.
    let (Ok(filename), Ok(function)) = (
        filename.cast::<PyString>()?.to_str(),
        function.cast::<PyString>()?.to_str(),
    ) else {
        return Ok(None);
    };
    let facts = Arc::new(CodeFacts {
        filename: Arc::from(filename),
        function: Arc::from(function),
        internal: directory_of(filename) == package_dir
            || (filename.contains("importlib") && filename.contains("_bootstrap")),
    });
    let kept = code.clone().unbind();
    let entry = Arc::clone(&facts);
    insert_with_room(move |cache| {
        cache.codes.insert(key, (kept, entry));
    });
    Ok(Some(facts))
}

/// The instruction the frame is at.
fn instruction(frame: &Bound<'_, PyAny>) -> Option<i32> {
    #[cfg(Py_3_11)]
    {
        // SAFETY: `frame` is a live frame object.
        Some(unsafe { ffi::PyFrame_GetLasti(frame.as_ptr().cast()) })
    }
    #[cfg(not(Py_3_11))]
    {
        frame
            .getattr(intern!(frame.py(), "f_lasti"))
            .ok()?
            .extract()
            .ok()
    }
}

fn computed(frame: &Bound<'_, PyAny>) -> u32 {
    // SAFETY: `frame` is a live frame object.
    let line = unsafe { ffi::PyFrame_GetLineNumber(frame.as_ptr().cast()) };
    u32::try_from(line).unwrap_or(0)
}

/// `frame.f_lineno`, for a frame running `code` (whose facts were taken,
/// so the cache keeps it alive while its lines are there).
pub fn line_of(frame: &Bound<'_, PyAny>, code: &Bound<'_, PyAny>) -> u32 {
    let Some(at) = instruction(frame) else {
        return computed(frame);
    };
    let key = (code.as_ptr() as usize, at);
    if let Some(cache) = cache().as_ref() {
        if cache.codes.contains_key(&key.0) {
            if let Some(line) = cache.lines.get(&key) {
                return *line;
            }
        }
    }
    let line = computed(frame);
    insert_with_room(|cache| {
        // Only while the code object is kept: its address stays its own.
        if cache.codes.contains_key(&key.0) {
            cache.lines.insert(key, line);
        }
    });
    line
}
