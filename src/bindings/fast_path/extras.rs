//! The attributes a record carries beyond its own: the call's `extra` values
//! and those bound with `femtologging.contextvars` in the caller's context
//! (after the call's; a key of both keeps the call's value).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};

use super::emit::native_value;
use super::environment::Environment;
use super::plan::FastPlan;
use crate::bindings::context_var;
use crate::core::format::printf::Value;
use crate::core::name::Name;
use crate::core::record::{ExtraValue, FemtoLogRecord};

/// An extra value read on the caller's thread, before the record holds it.
pub enum CallExtra<'py> {
    None,
    Int(i64),
    Float(f64),
    Str(Bound<'py, PyString>),
    Bool(bool),
    /// Encoded as JSON by Python (a JSON layout prints every value).
    Json(String),
    /// To be encoded as JSON once the caller's code may run (the encoder
    /// may call the value's own methods), by `encode_pending`.
    Pending(Bound<'py, PyAny>),
}

impl CallExtra<'_> {
    /// Whether only Python's JSON encoder can write the value.
    pub fn needs_encoding(&self) -> bool {
        matches!(self, CallExtra::Pending(_) | CallExtra::Json(_))
    }
}

/// Encodes the values a JSON layout prints that only Python's encoder can
/// write. False when one cannot reach the record (the encoder raised, or
/// wrote a lone surrogate): Python then finishes the call.
pub fn encode_pending(
    environment: &Environment,
    values: &mut [(Name, CallExtra<'_>)],
) -> PyResult<bool> {
    for (_, value) in values.iter_mut() {
        let CallExtra::Pending(pending) = value else {
            continue;
        };
        let text = environment
            .helpers
            .json_text
            .bind(pending.py())
            .call1((&*pending,))?;
        if text.is_none() {
            return Ok(false);
        }
        let Ok(text) = text.cast::<PyString>()?.to_str() else {
            return Ok(false);
        };
        *value = CallExtra::Json(text.to_owned());
    }
    Ok(true)
}

/// The call's `extra` values and the caller's bound ones that the plan's
/// formatters print; `None` when the Python path must decide (see
/// `extra_values`).
pub fn gather<'py>(
    py: Python<'py>,
    environment: &Environment,
    plan: &FastPlan,
    extra: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Vec<(Name, CallExtra<'py>)>>> {
    // No formatter prints any, and no `extra` to check: the caller's
    // context is not even looked up.
    if extra.is_none() && plan.extra_keys.is_empty() && !plan.needs.all_extras {
        return Ok(Some(Vec::new()));
    }
    let bound = bound_values(py, environment)?;
    extra_values(environment, plan, extra, bound.as_ref())
}

/// The dict of values bound in the caller's context, when it holds any. It
/// is never changed once set (binding sets a new one), so it is read as is.
fn bound_values<'py>(
    py: Python<'py>,
    environment: &Environment,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(value) = context_var::value(py, &environment.helpers.bound)? else {
        return Ok(None);
    };
    let bound = value.cast_into::<PyDict>()?;
    Ok((!bound.is_empty()).then_some(bound))
}

/// The extra values the plan's formatters print; `None` when the Python
/// path must decide (reserved keys raise KeyError there, missing keys and
/// exotic values are reported or formatted by Python).
fn extra_values<'py>(
    environment: &Environment,
    plan: &FastPlan,
    extra: Option<&Bound<'py, PyAny>>,
    bound: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Vec<(Name, CallExtra<'py>)>>> {
    let extra = match extra.map(|extra| extra.cast::<PyDict>()) {
        None => None,
        Some(Ok(extra)) => Some(extra),
        Some(Err(_)) => return Ok(None),
    };
    if plan.needs.all_extras {
        return every_extra_value(environment, plan, extra, bound);
    }
    if let Some(extra) = extra {
        // Iterated in place: `keys()` would build a list per call.
        for (key, _) in extra.iter() {
            // Not a str, or one without UTF-8 form (a lone surrogate):
            // Python decides.
            let Some(key) = utf8_key(&key) else {
                return Ok(None);
            };
            if environment.reserved_keys.contains(key) {
                return Ok(None);
            }
        }
    }
    let mut values = Vec::with_capacity(plan.extra_keys.len());
    for (key, py_key) in &plan.extra_keys {
        let mut found = None;
        for source in [extra, bound].into_iter().flatten() {
            found = source.get_item(py_key.bind(source.py()))?;
            if found.is_some() {
                break;
            }
        }
        let Some(value) = found else {
            return Ok(None);
        };
        let converted = match native_value(&value) {
            None => return Ok(None),
            Some(Value::None) => CallExtra::None,
            Some(Value::Int(number)) => CallExtra::Int(number),
            Some(Value::Float(number)) => CallExtra::Float(number),
            Some(Value::Str(_)) => CallExtra::Str(value.cast_into::<PyString>()?),
        };
        values.push((key.clone(), converted));
    }
    Ok(Some(values))
}

/// Every extra value, in the record's `__dict__` order, for a plan with a
/// JSON layout (which prints them all); `None` when the Python path must
/// decide.
fn every_extra_value<'py>(
    environment: &Environment,
    plan: &FastPlan,
    extra: Option<&Bound<'py, PyDict>>,
    bound: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Vec<(Name, CallExtra<'py>)>>> {
    let count = extra.map_or(0, |extra| extra.len()) + bound.map_or(0, |bound| bound.len());
    let mut values = Vec::with_capacity(count);
    if let Some(extra) = extra {
        for (key, value) in extra.iter() {
            let Some(entry) = json_extra(environment, plan, key, value)? else {
                return Ok(None);
            };
            values.push(entry);
        }
    }
    if let Some(bound) = bound {
        for (key, value) in bound.iter() {
            if extra.is_some_and(|extra| extra.contains(&key).unwrap_or(true)) {
                continue;
            }
            let Some(entry) = json_extra(environment, plan, key, value)? else {
                return Ok(None);
            };
            values.push(entry);
        }
    }
    for (key, _) in &plan.extra_keys {
        if !values.iter().any(|(name, _)| name == key) {
            return Ok(None); // the text format's missing key: Python reports it
        }
    }
    Ok(Some(values))
}

/// One extra value for a JSON layout; `None` when only Python can print it.
fn json_extra<'py>(
    environment: &Environment,
    plan: &FastPlan,
    key: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
) -> PyResult<Option<(Name, CallExtra<'py>)>> {
    let Some(key_text) = utf8_key(&key) else {
        return Ok(None);
    };
    if environment.reserved_keys.contains(key_text) {
        return Ok(None);
    }
    // A text format names this key too: it prints only what it can.
    let named = plan.extra_keys.iter().any(|(name, _)| &**name == key_text);
    let converted = match native_value(&value) {
        Some(Value::None) => CallExtra::None,
        Some(Value::Int(number)) => CallExtra::Int(number),
        Some(Value::Float(number)) => CallExtra::Float(number),
        Some(Value::Str(_)) => CallExtra::Str(value.cast_into::<PyString>()?),
        None if named => return Ok(None),
        None if value.is_exact_instance_of::<PyBool>() => CallExtra::Bool(value.is_truthy()?),
        None => CallExtra::Pending(value),
    };
    Ok(Some((key_name(environment, &key, key_text), converted)))
}

/// Slots of `KnownKeys`: a key object's address picks its slot.
const KEY_SLOTS: usize = 64;

/// `extra` keys met lately, each with its interned name. Most calls pass the
/// same literal keys, so the name is found by the key object's identity,
/// without hashing its text under the intern table's lock. The keys are
/// held, so an address seen again is the same str.
#[derive(Default)]
pub struct KnownKeys {
    slots: Vec<Option<(Py<PyString>, Name)>>,
}

impl KnownKeys {
    fn slot(key: &Bound<'_, PyString>) -> usize {
        // Objects are at least 16-byte aligned: the low bits say nothing.
        (key.as_ptr() as usize >> 4) % KEY_SLOTS
    }

    fn find(&self, key: &Bound<'_, PyString>) -> Option<Name> {
        match self.slots.get(Self::slot(key))? {
            Some((known, name)) if known.is(key) => Some(name.clone()),
            _ => None,
        }
    }

    /// Keeps `key`; returns the key it displaced, to be dropped outside the
    /// cell.
    fn keep(&mut self, key: &Bound<'_, PyString>, name: Name) -> Option<Py<PyString>> {
        if self.slots.is_empty() {
            self.slots.resize_with(KEY_SLOTS, || None);
        }
        let slot = &mut self.slots[Self::slot(key)];
        slot.replace((key.clone().unbind(), name))
            .map(|(displaced, _)| displaced)
    }
}

/// The interned name of the `extra` key `key`, whose text is `text`.
fn key_name(environment: &Environment, key: &Bound<'_, PyAny>, text: &str) -> Name {
    let Ok(key) = key.cast::<PyString>() else {
        return Name::intern(text);
    };
    let known_keys = &environment.known_keys;
    let py = key.py();
    if let Some(name) = known_keys.with(py, |known| known.find(key)) {
        return name;
    }
    let name = Name::intern(text);
    let displaced = known_keys.with(py, |known| known.keep(key, name.clone()));
    drop(displaced);
    name
}

/// An extra key as text, when it is a str with a UTF-8 form.
fn utf8_key<'a>(key: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    key.cast::<PyString>().ok()?.to_str().ok()
}

/// The bytes the extra strings add to the record's one text buffer.
pub fn text_len(extras: &[(Name, CallExtra<'_>)]) -> PyResult<usize> {
    let mut len = 0;
    for (_, value) in extras {
        if let CallExtra::Str(text) = value {
            len += text.to_str()?.len();
        }
    }
    Ok(len)
}

/// Moves the values into the record.
pub fn push_all(record: &mut FemtoLogRecord, extras: Vec<(Name, CallExtra<'_>)>) -> PyResult<()> {
    for (key, value) in extras {
        match value {
            CallExtra::None => record.push_extra(key, ExtraValue::None),
            CallExtra::Int(number) => record.push_extra(key, ExtraValue::Int(number)),
            CallExtra::Float(number) => record.push_extra(key, ExtraValue::Float(number)),
            CallExtra::Str(text) => record.push_extra(key, ExtraValue::Str(text.to_str()?)),
            CallExtra::Bool(value) => record.push_extra(key, ExtraValue::Bool(value)),
            CallExtra::Json(text) => record.push_extra(key, ExtraValue::Json(&text)),
            // `encode_pending` ran before any record is made.
            CallExtra::Pending(_) => {}
        }
    }
    Ok(())
}
