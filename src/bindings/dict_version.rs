//! PEP 509 version tags: telling in one load that a dict has not changed.
//!
//! CPython 3.10-3.13 give a dict a new `ma_version_tag` whenever it is
//! modified (the field is deprecated from 3.12 but still maintained), so a
//! tag seen earlier means the same contents. One exception: on 3.13 an
//! attribute stored into an instance's inline values leaves its `__dict__`'s
//! tag unchanged, so the planner gives a watched instance a dict of its own
//! first (`_own_dict` in femtologging/_native_path.py).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The dict's current version tag.
pub fn of(dict: &Bound<'_, PyDict>) -> u64 {
    // SAFETY: `dict` is a live dict; the field is a plain integer.
    #[allow(deprecated)]
    unsafe {
        (*dict.as_ptr().cast::<ffi::PyDictObject>()).ma_version_tag
    }
}
