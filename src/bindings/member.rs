//! `Member`: a field of a built-in class's instances, read at its offset as
//! the class's `member_descriptor` reads it, without calling the descriptor.
//!
//! A log call to the interpreter's unbuffered stdout/stderr checks three
//! fields of the `TextIOWrapper` (its `buffer`, `write_through` and
//! `encoding`) to know the line may go straight to the descriptor. Through
//! the descriptors that was three calls, each making and dropping a
//! reference; read here it is three loads. Only fields CPython declares as
//! plain object or bool members are read, and only on exact instances of
//! the class that declares them, whose layout the member's offset describes.

use std::ffi::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// `T_OBJECT` (deprecated in the headers, still what the io classes use).
const T_OBJECT: i32 = 6;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Bool,
}

pub struct Member {
    /// The class that declares the field.
    class: Py<PyType>,
    offset: isize,
    kind: Kind,
}

impl Member {
    /// The field `descriptor` reads, when it is a `member_descriptor` of an
    /// object or bool field at a fixed offset.
    pub fn of(descriptor: &Bound<'_, PyAny>) -> Option<Member> {
        let py = descriptor.py();
        // SAFETY: the descriptor's type is checked first; a
        // member_descriptor is a PyMemberDescrObject whose `d_member` points
        // to its class's static PyMemberDef (typed as a PyGetSetDef pointer
        // by pyo3-ffi before 3.11: the same pointer), and whose `d_type` is
        // the class, kept alive by the descriptor and then by us.
        unsafe {
            let kind = ffi::Py_TYPE(descriptor.as_ptr());
            if kind != std::ptr::addr_of_mut!(ffi::PyMemberDescr_Type) {
                return None;
            }
            let described = descriptor.as_ptr().cast::<ffi::PyMemberDescrObject>();
            let definition = (*described).d_member.cast::<ffi::PyMemberDef>();
            if definition.is_null() || (*definition).flags & RELATIVE_OFFSET != 0 {
                return None;
            }
            let kind = match (*definition).type_code {
                T_OBJECT | ffi::Py_T_OBJECT_EX => Kind::Object,
                ffi::Py_T_BOOL => Kind::Bool,
                _ => return None,
            };
            let class = Bound::from_borrowed_ptr(py, (*described).d_common.d_type.cast())
                .cast_into_unchecked::<PyType>()
                .unbind();
            Some(Member {
                class,
                offset: (*definition).offset,
                kind,
            })
        }
    }

    /// Where the field is in `object`, if `object` is exactly of the class.
    fn address(&self, object: &Bound<'_, PyAny>) -> Option<*const c_char> {
        // SAFETY: reads the object's type pointer.
        let exact = unsafe { ffi::Py_TYPE(object.as_ptr()) } == self.class.as_ptr().cast();
        // SAFETY: an exact instance of the class has the field at `offset`
        // (inside the object, as the class's own descriptor reads it).
        exact.then(|| unsafe {
            object
                .as_ptr()
                .cast_const()
                .cast::<c_char>()
                .offset(self.offset)
        })
    }

    /// Whether an object field of `object` holds `expected` (false when the
    /// field is empty, or `object` is not exactly of the class).
    pub fn holds(&self, object: &Bound<'_, PyAny>, expected: &Bound<'_, PyAny>) -> bool {
        let Some(address) = self.address(object).filter(|_| self.kind == Kind::Object) else {
            return false;
        };
        // SAFETY: an object field holds a PyObject pointer (or null); it is
        // only compared, no reference is taken.
        unsafe { *address.cast::<*mut ffi::PyObject>() == expected.as_ptr() }
    }

    /// A bool field of `object`; None when `object` is not exactly of the
    /// class.
    pub fn flag(&self, object: &Bound<'_, PyAny>) -> Option<bool> {
        let address = self.address(object).filter(|_| self.kind == Kind::Bool)?;
        // SAFETY: a bool field is one C `char`.
        Some(unsafe { *address } != 0)
    }
}

/// `Py_RELATIVE_OFFSET` (3.12+): the offset counts from the class's own
/// part of a variable-size object. Never set on the members read here.
const RELATIVE_OFFSET: i32 = 8;
