//! `GilCell`: state that only a thread holding the GIL touches.
//!
//! A logger's cached plan and a stream target's line buffer are read on every
//! log call, always with the GIL held. A `Mutex` there costs two locked
//! instructions per use, which on this machine's virtual cores is a visible
//! part of a call; the GIL already serialises every user. The module is
//! declared `gil_used`, so even a free-threaded interpreter enables the GIL
//! when it loads us; only an interpreter forced to run without it
//! (`PYTHON_GIL=0`, `Py_GIL_DISABLED` builds) gets a real lock here.
//!
//! The value is reached only through short closures that run no Python code
//! and do not release the GIL: Python code could switch threads (another
//! thread would then use the cell) or log (and re-enter it). Allocating a
//! Python object runs none; dropping one may (`__del__`), so `replace` hands
//! the old value back to be dropped after the borrow.

use pyo3::Python;

#[cfg(not(Py_GIL_DISABLED))]
type Inner<T> = std::cell::RefCell<T>;
#[cfg(Py_GIL_DISABLED)]
type Inner<T> = std::sync::Mutex<T>;

pub struct GilCell<T> {
    value: Inner<T>,
}

// SAFETY: every access takes a `Python` token, so the accessing thread holds
// the GIL, and no two threads hold it at once; the closures given to `with`
// run no Python code, so the GIL is not released while the value is
// borrowed. A re-entrant use (which those rules exclude) would make the
// RefCell panic, not alias.
#[cfg(not(Py_GIL_DISABLED))]
unsafe impl<T: Send> Sync for GilCell<T> {}

impl<T> GilCell<T> {
    pub const fn new(value: T) -> GilCell<T> {
        GilCell {
            value: Inner::new(value),
        }
    }

    /// Runs `use_value` on the value. It must run no Python code.
    #[inline]
    pub fn with<R>(&self, _py: Python<'_>, use_value: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(not(Py_GIL_DISABLED))]
        let mut value = self.value.borrow_mut();
        #[cfg(Py_GIL_DISABLED)]
        let mut value = crate::core::sync::lock_unpoisoned(&self.value);
        use_value(&mut value)
    }

    /// Puts `value` in and returns the old one, for the caller to drop once
    /// the cell is no longer borrowed.
    #[must_use = "drop the old value outside the cell"]
    pub fn replace(&self, py: Python<'_>, value: T) -> T {
        self.with(py, |slot| std::mem::replace(slot, value))
    }
}

impl<T: Default> Default for GilCell<T> {
    fn default() -> GilCell<T> {
        GilCell::new(T::default())
    }
}
