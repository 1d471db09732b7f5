//! `LoggerBase`: the Rust base class of `femtologging.Logger`.
//!
//! It implements the level methods (`debug` ... `critical`, `log`,
//! `exception`) and caches, per logger and configuration generation, the
//! level threshold and the routing plan. Python subclasses (the package's
//! `Logger` and users' own) keep every stdlib hook: a subclass that overrides
//! `_log`, `makeRecord`, `handle`, ... gets a slow plan and its hooks run.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};

use super::call_args::{CallArgs, CallKwargs};
use super::emit::{self, Call, Outcome};
use super::environment;
use super::plan::{self, Plan};
use crate::bindings::gil_cell::GilCell;
use crate::core::generation;
use crate::core::level::LevelNo;
use crate::core::name::Name;

/// What a logger cached from the configuration of one generation.
struct Cached {
    generation: u64,
    /// Lowest level that passes `disabled`, `manager.disable` and the
    /// effective level.
    threshold: LevelNo,
    /// The class overrides `isEnabledFor`: ask it on every call.
    custom_is_enabled_for: bool,
    name: Name,
    plan: Option<Arc<Plan>>,
}

/// Named `Logger` in Python so that argument errors read like the stdlib's
/// ("Logger.warning() missing 1 required positional argument").
/// No `dict` or `weakref` slot of its own: the Python subclass then gets
/// CPython's managed dict, whose inline values let 3.12 specialize the
/// `logger.debug` method load (a pyclass dict costs ~10 ns per call there).
#[pyclass(
    subclass,
    frozen,
    name = "Logger",
    module = "femtologging._femtologging_rs"
)]
pub struct LoggerBase {
    cached: GilCell<Option<Cached>>,
    /// Lock-free copy of (generation, threshold) for the disabled-call check;
    /// `ASK_PYTHON` as threshold means the class has its own level hooks.
    quick_generation: AtomicU64,
    quick_threshold: AtomicI32,
}

/// A threshold no level is below: the full check must run.
const ASK_PYTHON: LevelNo = LevelNo::MIN;

impl LoggerBase {
    /// The threshold (refreshed if the configuration changed) and whether
    /// the class's own `isEnabledFor` must be asked instead.
    /// Whether a call at `level` is disabled, from the lock-free copy alone;
    /// false means "not known to be disabled".
    #[inline]
    pub(crate) fn known_disabled(&self, level: LevelNo) -> bool {
        self.quick_generation.load(Ordering::Acquire) == generation::current()
            && level < self.quick_threshold.load(Ordering::Relaxed)
    }

    fn threshold(slf: &Bound<'_, Self>) -> PyResult<(LevelNo, bool)> {
        let py = slf.py();
        let now = generation::current();
        let current = slf.get().cached.with(py, |cached| match cached {
            Some(cached) if cached.generation == now => {
                Some((cached.threshold, cached.custom_is_enabled_for))
            }
            _ => None,
        });
        if let Some(current) = current {
            return Ok(current);
        }
        let Some(environment) = environment::load(py)? else {
            // Every call asks the logger's own `isEnabledFor`, in Python.
            return Ok((0, true));
        };
        // Python runs here; the lock is not held meanwhile.
        let (threshold, custom): (LevelNo, bool) = environment
            .helpers
            .threshold
            .bind(py)
            .call1((slf,))?
            .extract()?;
        let name = slf.getattr(intern!(py, "name"))?;
        let name = match name.cast::<PyString>() {
            Ok(name) => name.to_str().map(Name::intern),
            Err(_) => name.str()?.to_str().map(Name::intern),
        };
        // A name that is no UTF-8 text (a lone surrogate) is written by
        // Python, as the stdlib writes it: the plan is the Python path.
        let (name, plan) = match name {
            Ok(name) => (name, None),
            Err(_) => (Name::intern(""), Some(Arc::new(Plan::Slow))),
        };
        let fresh = Some(Cached {
            generation: now,
            threshold,
            custom_is_enabled_for: custom,
            name,
            plan,
        });
        drop(slf.get().cached.replace(py, fresh));
        let quick = if custom { ASK_PYTHON } else { threshold };
        slf.get().quick_threshold.store(quick, Ordering::Relaxed);
        slf.get().quick_generation.store(now, Ordering::Release);
        Ok((threshold, custom))
    }

    fn plan(slf: &Bound<'_, Self>) -> PyResult<(Arc<Plan>, Name)> {
        let py = slf.py();
        let known = slf.get().cached.with(py, |cached| match cached {
            Some(Cached {
                plan: Some(plan),
                name,
                ..
            }) => Ok((Arc::clone(plan), name.clone())),
            Some(cached) => Err(cached.generation),
            None => Err(0),
        });
        let generation = match known {
            Ok(known) => return Ok(known),
            Err(generation) => generation,
        };
        let Some(environment) = environment::load(py)? else {
            return Ok((Arc::new(Plan::Slow), Name::intern("")));
        };
        let built = Arc::new(plan::build(py, environment, slf.as_any())?);
        let (name, replaced) = slf.get().cached.with(py, |cached| match cached {
            Some(entry) if entry.generation == generation => {
                (entry.name.clone(), entry.plan.replace(Arc::clone(&built)))
            }
            // The configuration changed while Python built the plan: use it
            // for this call only.
            Some(entry) => (entry.name.clone(), None),
            None => (Name::intern(""), None),
        });
        drop(replaced);
        Ok((built, name))
    }

    /// `log(level, msg, ...)`: a non-int level is a TypeError when
    /// `raiseExceptions` is set, else the call is ignored.
    pub(crate) fn log_any_level(
        slf: &Bound<'_, Self>,
        level: &Bound<'_, PyAny>,
        msg: &Bound<'_, PyAny>,
        args: &CallArgs<'_, '_>,
        kwargs: &CallKwargs<'_, '_>,
    ) -> PyResult<()> {
        if !level.is_instance_of::<PyInt>() {
            if crate::core::report::raise_exceptions() {
                return Err(PyTypeError::new_err("level must be an integer"));
            }
            return Ok(());
        }
        // Exactly int: a bool or IntEnum level is kept as is in the record
        // (`levelno`, "Level True"), which only the Python path does.
        let exact = level.is_exact_instance_of::<PyInt>();
        match level.extract::<LevelNo>() {
            Ok(number) if exact => Self::log_at(slf, number, msg, args, kwargs),
            // Out of i32 range, or not exactly int: the Python path compares
            // and records it as Python does.
            _ => {
                let py = slf.py();
                let enabled = slf.call_method1(intern!(py, "isEnabledFor"), (level,))?;
                if enabled.is_truthy()? {
                    let args = args.to_tuple()?;
                    let kwargs = kwargs.to_dict()?;
                    slf.call_method(intern!(py, "_log"), (level, msg, args), kwargs.as_ref())?;
                }
                Ok(())
            }
        }
    }

    /// Whether the logger's class has its own level hooks, which must be
    /// asked (in the stdlib's order) rather than the cached threshold.
    pub(crate) fn asks_python_for_levels(slf: &Bound<'_, Self>) -> PyResult<bool> {
        Ok(Self::threshold(slf)?.1)
    }

    /// The stdlib's `if self.isEnabledFor(level): self._log(...)`.
    pub(crate) fn log_at(
        slf: &Bound<'_, Self>,
        level: LevelNo,
        msg: &Bound<'_, PyAny>,
        args: &CallArgs<'_, '_>,
        kwargs: &CallKwargs<'_, '_>,
    ) -> PyResult<()> {
        if slf.get().known_disabled(level) {
            return Ok(());
        }
        let py = slf.py();
        // The common case in one lock: configuration unchanged, level
        // enabled, plan already built.
        let ready = slf.get().cached.with(py, |cached| match cached {
            Some(Cached {
                generation: seen,
                threshold,
                custom_is_enabled_for: false,
                name,
                plan: Some(plan),
            }) if *seen == generation::current() && level >= *threshold => {
                Some((Arc::clone(plan), name.clone()))
            }
            _ => None,
        });
        let (mut plan, mut name) = match ready {
            Some(ready) => ready,
            None => {
                let (threshold, custom) = Self::threshold(slf)?;
                if custom {
                    let enabled = slf.call_method1(intern!(py, "isEnabledFor"), (level,))?;
                    if !enabled.is_truthy()? {
                        return Ok(());
                    }
                } else if level < threshold {
                    return Ok(());
                }
                Self::plan(slf)?
            }
        };
        let mut valid = match &*plan {
            Plan::Fast(fast) => fast.still_valid(py),
            Plan::Slow => false,
        };
        if !valid && matches!(&*plan, Plan::Fast(_)) {
            // Something the plan read changed behind every setter (a list
            // edited in place, a class attribute): plan again.
            generation::bump();
            Self::threshold(slf)?;
            (plan, name) = Self::plan(slf)?;
            valid = matches!(&*plan, Plan::Fast(fast) if fast.still_valid(py));
        }
        if let (Plan::Fast(fast), Some(environment)) = (&*plan, environment::installed(py)) {
            if valid {
                let call = Call {
                    logger: slf.as_any(),
                    name: &name,
                    level,
                    msg,
                    args,
                    kwargs,
                };
                match emit::emit(environment, fast, &call)? {
                    Outcome::Emitted => {
                        count(py, &FAST_CALLS);
                        return Ok(());
                    }
                    Outcome::FinishedInPython => {
                        count(py, &PYTHON_CALLS);
                        return Ok(());
                    }
                    Outcome::Fallback => {}
                }
            }
        }
        count(py, &PYTHON_CALLS);
        let args = args.to_tuple()?;
        let kwargs = kwargs.to_dict()?;
        slf.call_method(intern!(py, "_log"), (level, msg, args), kwargs.as_ref())?;
        Ok(())
    }
}

/// Enabled calls served natively / handed to the Python `_log`, so tests and
/// benchmarks can tell which path a configuration takes.
static FAST_CALLS: AtomicU64 = AtomicU64::new(0);
static PYTHON_CALLS: AtomicU64 = AtomicU64::new(0);

/// One more call in `counter`. Every caller holds the GIL, so a plain load
/// and store count exactly, without a locked increment on every call.
#[inline]
fn count(_py: Python<'_>, counter: &AtomicU64) {
    if cfg!(Py_GIL_DISABLED) {
        counter.fetch_add(1, Ordering::Relaxed);
    } else {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

/// `(fast, python)` counts of enabled log calls since the process started.
#[pyfunction]
pub fn _path_counts() -> (u64, u64) {
    (
        FAST_CALLS.load(Ordering::Relaxed),
        PYTHON_CALLS.load(Ordering::Relaxed),
    )
}

#[pymethods]
impl LoggerBase {
    /// Accepts any arguments: the Python subclass's `__init__` does the setup.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        LoggerBase {
            cached: GilCell::new(None),
            quick_generation: AtomicU64::new(0),
            quick_threshold: AtomicI32::new(ASK_PYTHON),
        }
    }
}
