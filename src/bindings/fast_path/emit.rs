//! Building a record on the caller's thread and handing it to a plan's targets.

use crate::bindings::gil_cell::GilCell;
use crate::bindings::{python_clock, thread_exit};
use std::sync::Arc;

use pyo3::exceptions::PyBaseException;
use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyTuple};

use super::call_args::{CallArgs, CallKwargs};
use super::caller::{caller_frame, fill_call_site, CallerFrame};
use super::environment::Environment;
use super::extras::{self, CallExtra};
use super::plan::{FastPlan, LineCache, Sink, StreamLock, Target, UnbufferedStdio};
use super::thread_name;
use crate::bindings::handlers::stream_os_error;
use crate::bindings::otlp_exporter::OtlpExporter;
use crate::core::clock;
use crate::core::dispatch::{self, Handed};
use crate::core::format::message::format_message;
use crate::core::format::printf::Value;
use crate::core::format::{Formatter, RenderError};
use crate::core::handler::{FemtoHandlerTrait, Submit};
use crate::core::level::LevelNo;
use crate::core::name::Name;
use crate::core::record::{self, FemtoLogRecord, RecordMetadata};
use crate::core::sink::{FdSink, Sink as _};

/// How the fast path answered a call.
pub enum Outcome {
    /// Written natively.
    Emitted,
    /// Nothing of the caller's ran: the Python `_log` takes the call.
    Fallback,
    /// The caller's code ran (an argument's `__str__`) and the rest could
    /// not be done natively: finished in Python with what was rendered
    /// (`_native_path._handle_rendered`), never started again.
    FinishedInPython,
}

/// The keyword arguments of a log call that the fast path understands.
struct CallOptions<'py> {
    exc_info: Option<Bound<'py, PyAny>>,
    extra: Option<Bound<'py, PyAny>>,
    stack_info: bool,
    stacklevel: i64,
}

/// `bool(value)` where that runs no code of the caller's: None, bool, int,
/// tuple, or an exception whose class defines no truth of its own. `None`
/// for anything else, which Python then decides.
fn plain_truth(value: &Bound<'_, PyAny>) -> Option<bool> {
    if value.is_none() {
        return Some(false);
    }
    if let Ok(flag) = value.cast_exact::<PyBool>() {
        return Some(flag.is_true());
    }
    if value.is_exact_instance_of::<PyInt>() || value.is_exact_instance_of::<PyTuple>() {
        return value.is_truthy().ok();
    }
    if value.is_instance_of::<PyBaseException>() {
        let class = value.get_type();
        let py = value.py();
        let own_truth = class.getattr(intern!(py, "__bool__")).is_ok()
            || class.getattr(intern!(py, "__len__")).is_ok();
        return (!own_truth).then_some(true);
    }
    None
}

fn call_options<'py>(kwargs: &CallKwargs<'_, 'py>) -> PyResult<Option<CallOptions<'py>>> {
    let mut options = CallOptions {
        exc_info: None,
        extra: None,
        stack_info: false,
        stacklevel: 1,
    };
    for (key, value) in kwargs.pairs() {
        let key = key.cast::<PyString>()?;
        match key.to_str()? {
            "exc_info" => match plain_truth(&value) {
                Some(truth) => options.exc_info = truth.then_some(value),
                None => return Ok(None),
            },
            "extra" => options.extra = (!value.is_none()).then_some(value),
            "stack_info" => match plain_truth(&value) {
                Some(truth) => options.stack_info = truth,
                None => return Ok(None),
            },
            "stacklevel" => match value.cast::<PyInt>() {
                Ok(level) => match level.extract::<i64>() {
                    Ok(level) => options.stacklevel = level,
                    Err(_) => return Ok(None),
                },
                Err(_) => return Ok(None),
            },
            // Unknown keywords: the Python path raises the stdlib's TypeError.
            _ => return Ok(None),
        }
    }
    Ok(Some(options))
}

/// `LogRecord.getMessage()`, or the error it raises (each handler that
/// formats reports it, as the stdlib's do).
fn render_message<'py>(
    py: Python<'py>,
    msg: &Bound<'py, PyAny>,
    args: &CallArgs<'_, 'py>,
) -> PyResult<Result<Bound<'py, PyString>, PyErr>> {
    // Exactly str: a subclass may define its own __str__, which
    // `str(self.msg)` in getMessage calls.
    let text = match msg.cast_exact::<PyString>() {
        Ok(text) => text.clone(),
        Err(_) => match msg.str() {
            Ok(text) => text,
            Err(error) => return Ok(Err(error)),
        },
    };
    if args.is_empty() {
        return Ok(Ok(text));
    }
    let single = match (args.len(), args.get(0)) {
        (1, Some(only)) => {
            // A lone non-empty mapping feeds "%(key)s" messages
            // (LogRecord.__init__); a lone str/int/float formats the same
            // with or without the tuple around it, so none is built.
            let scalar = only.is_exact_instance_of::<PyString>()
                || only.is_exact_instance_of::<PyInt>()
                || only.is_exact_instance_of::<PyFloat>();
            if scalar || (only.is_instance_of::<PyDict>() && only.is_truthy()?) {
                Some(only)
            } else {
                None
            }
        }
        _ => None,
    };
    let operands: Bound<'_, PyAny> = match single {
        Some(operand) => operand,
        None => args.to_tuple()?.into_any(),
    };
    // SAFETY: both pointers are live objects; PyUnicode_Format returns a new
    // reference or null with an exception set.
    let formatted = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_Format(text.as_ptr(), operands.as_ptr()))
    };
    Ok(formatted.and_then(|formatted| Ok(formatted.cast_into::<PyString>()?)))
}

/// Most calls pass a few str, int or float arguments; more go to Python.
const NATIVE_ARGS: usize = 8;

/// `msg % args` formatted here, without Python objects, when `msg` is
/// exactly a str and every argument a `native_value` (see
/// core/format/message.rs); `None`: Python formats it.
fn native_message(msg: &Bound<'_, PyAny>, args: &CallArgs<'_, '_>) -> PyResult<Option<String>> {
    if args.is_empty() || args.len() > NATIVE_ARGS {
        return Ok(None);
    }
    let Ok(template) = msg.cast_exact::<PyString>() else {
        return Ok(None);
    };
    let Ok(template) = template.to_str() else {
        return Ok(None);
    };
    let count = args.len();
    let mut values = [Value::None; NATIVE_ARGS];
    for (index, value) in values.iter_mut().enumerate().take(count) {
        let Some(native) = args.borrowed(index).and_then(native_value) else {
            return Ok(None);
        };
        *value = native;
    }
    let mut text = String::with_capacity(template.len() + 16 * count);
    Ok(format_message(&mut text, template, &values[..count]).map(|()| text))
}

/// A value the core formats as Python would: exactly None, a str with a
/// UTF-8 form (lone surrogates have none: Python formats and reports them),
/// an int that fits 64 bits, or a float.
pub fn native_value<'a>(value: &'a Bound<'_, PyAny>) -> Option<Value<'a>> {
    if value.is_none() {
        Some(Value::None)
    } else if let Ok(text) = value.cast_exact::<PyString>() {
        text.to_str().ok().map(Value::Str)
    } else if value.is_exact_instance_of::<PyInt>() {
        value.extract::<i64>().ok().map(Value::Int)
    } else {
        value
            .cast_exact::<PyFloat>()
            .ok()
            .map(|number| Value::Float(number.value()))
    }
}

pub fn optional_text(value: Bound<'_, PyAny>) -> PyResult<Option<Arc<str>>> {
    if value.is_none() {
        return Ok(None);
    }
    Ok(Some(Arc::from(value.cast::<PyString>()?.to_str()?)))
}

/// One log call through the fast path.
pub struct Call<'a, 'py> {
    pub logger: &'a Bound<'py, PyAny>,
    pub name: &'a Name,
    pub level: LevelNo,
    pub msg: &'a Bound<'py, PyAny>,
    pub args: &'a CallArgs<'a, 'py>,
    pub kwargs: &'a CallKwargs<'a, 'py>,
}

/// One call in the stdlib's phases: precheck, find the caller, make the
/// record, call the handlers. Only the first two may hand the call to
/// Python; once the record is being made the caller's code has run (an
/// argument's `__str__`, an exception's, a JSON `default`) and the call is
/// finished from here, so none of it runs twice.
pub fn emit(environment: &Environment, plan: &FastPlan, call: &Call<'_, '_>) -> PyResult<Outcome> {
    let py = call.logger.py();
    let Some(checked) = precheck(environment, plan, call)? else {
        return Ok(Outcome::Fallback);
    };
    // Only null handlers reached: the stdlib formats nothing either.
    let formats = |t: &Target| call.level >= t.level && !matches!(t.sink, Sink::Discard);
    if !plan.targets.iter().any(formats) {
        return Ok(Outcome::Emitted);
    }
    let caller = if plan.needs.call_site || checked.options.stack_info {
        match caller_frame(py, environment, checked.options.stacklevel)? {
            Some(frame) => Some(frame),
            None => return Ok(Outcome::Fallback),
        }
    } else {
        None
    };
    let handlers =
        |record: &FemtoLogRecord, parts| call_handlers(environment, plan, call, record, parts);
    match make_record(environment, plan, call, checked, caller.as_ref(), handlers)? {
        Made::Handled(outcome) => Ok(outcome),
        Made::Unrendered(error) => {
            // Each handler that formats meets the error, as the stdlib's
            // `Formatter.format` raises it in each handler's `emit`.
            for target in plan.targets.iter().filter(|t| formats(t)) {
                report_failure(environment, call, target, error.clone_ref(py))?;
            }
            Ok(Outcome::Emitted)
        }
        Made::InPython(rendered) => finish_in_python(environment, call, rendered),
    }
}

/// What the precheck established without running any code of the caller's.
struct Checked<'py> {
    options: CallOptions<'py>,
    level_name: Name,
    extras: Vec<(Name, CallExtra<'py>)>,
    stamp: python_clock::Stamp,
}

/// Every reason to hand the call to Python that needs none of the caller's
/// code, in one place: `None` sends the call to Python.
fn precheck<'py>(
    environment: &Environment,
    plan: &FastPlan,
    call: &Call<'_, 'py>,
) -> PyResult<Option<Checked<'py>>> {
    let py = call.logger.py();
    let Some(options) = call_options(call.kwargs)? else {
        return Ok(None);
    };
    // A write failed: the Python path raises it from FileHandler.emit, which
    // reports it through handleError, as the stdlib does.
    let failed = plan.checks.failures
        && plan.targets.iter().any(|t| match &t.sink {
            Sink::Queued(core) => core.has_pending_failure(),
            Sink::SizeLimited { stream, .. } => stream.get().core().has_pending_failure(),
            _ => false,
        });
    if failed {
        return Ok(None);
    }
    // A time-rotated file due for rollover: Python rolls it over; so it does
    // under a replaced clock, which only Python's rollover follows.
    if plan.checks.rollovers {
        if python_clock::is_replaced(py) {
            return Ok(None);
        }
        let now_seconds = clock::whole_second(clock::now_ns());
        if plan
            .targets
            .iter()
            .any(|t| t.rollover_at.is_some_and(|at| now_seconds >= at))
        {
            return Ok(None);
        }
    }
    // python-json-logger lays out a dict message's items itself.
    if plan.needs.all_extras && call.msg.is_instance_of::<PyDict>() {
        return Ok(None);
    }
    // OTLP's exception attributes come from the exception object: Python.
    if plan.exports_otlp && options.exc_info.is_some() {
        return Ok(None);
    }
    if options.stacklevel < 1 || (options.stacklevel != 1 && environment.legacy_stacklevel) {
        return Ok(None);
    }
    // A watched file that moved: Python reopens it (reopenIfNeeded), with
    // the stdlib's errors, then writes.
    let moved = |t: &Target| {
        t.watch
            .as_ref()
            .is_some_and(|watch| call.level >= t.level && watch.moved().unwrap_or(true))
    };
    if plan.checks.watches && plan.targets.iter().any(moved) {
        return Ok(None);
    }
    let Some(level_name) = environment.level_name(py, call.level, &plan.level_names)? else {
        return Ok(None);
    };
    // Reserved keys (the stdlib's KeyError, raised before any formatting),
    // missing or unusual values: Python.
    let Some(extras) = extras::gather(py, environment, plan, options.extra.as_ref())? else {
        return Ok(None);
    };
    // Lists and dicts become typed OTLP values only on the Python path.
    if plan.exports_otlp && extras.iter().any(|(_, value)| value.needs_encoding()) {
        return Ok(None);
    }
    let Some(stamp) = python_clock::record_stamp(py)? else {
        return Ok(None);
    };
    // `{levelno:c}` with a level that is no character, a JSON timestamp
    // outside the years datetime knows: Python reports them.
    let created = stamp
        .float_clock
        .unwrap_or_else(|| clock::created(stamp.ns));
    let unprintable = |t: &Target| {
        call.level >= t.level
            && t.formatter
                .as_ref()
                .is_some_and(|formatter| !formatter.renders(call.level, created))
    };
    if plan.checks.rendering && plan.targets.iter().any(unprintable) {
        return Ok(None);
    }
    Ok(Some(Checked {
        options,
        level_name,
        extras,
        stamp,
    }))
}

/// What making the record gave.
enum Made<'py> {
    /// Made and handed to the handlers (by the continuation, where it
    /// lives: a record is too large to move around).
    Handled(Outcome),
    /// `msg % args` raised.
    Unrendered(PyErr),
    /// Text the core cannot hold (a lone surrogate), or an `extra` value
    /// only Python's encoder can write: Python finishes with what was
    /// rendered.
    InPython(Rendered<'py>),
}

/// What the caller's code produced, for `_native_path._handle_rendered`.
struct Rendered<'py> {
    message: Bound<'py, PyString>,
    exc_text: Option<Bound<'py, PyString>>,
    stack_text: Option<Bound<'py, PyString>>,
    parts: PythonParts<'py>,
}

/// What Python needs besides the rendered text to make the record.
struct PythonParts<'py> {
    /// Normalized as `Logger._log` does.
    exc_info: Option<Bound<'py, PyAny>>,
    extra: Option<Bound<'py, PyAny>>,
    stacklevel: i64,
}

/// The record, as `makeRecord` and `Formatter.format` would see it: the
/// message, the `extra` values, the exception and stack text. The caller's
/// code runs here.
fn make_record<'py>(
    environment: &Environment,
    plan: &FastPlan,
    call: &Call<'_, 'py>,
    checked: Checked<'py>,
    caller: Option<&CallerFrame<'py>>,
    handlers: impl FnOnce(&FemtoLogRecord, PythonParts<'py>) -> PyResult<Outcome>,
) -> PyResult<Made<'py>> {
    let py = call.logger.py();
    let Checked {
        options,
        level_name,
        mut extras,
        stamp,
    } = checked;
    let message = match native_message(call.msg, call.args)? {
        Some(text) => Message::Native(text),
        None => match render_message(py, call.msg, call.args)? {
            Ok(message) => Message::Python(message),
            Err(error) => return Ok(Made::Unrendered(error)),
        },
    };
    let encoded = extras::encode_pending(environment, &mut extras)?;
    let exc_info = match &options.exc_info {
        Some(exc_info) => Some(
            environment
                .helpers
                .normalize_exc_info
                .bind(py)
                .call1((exc_info,))?,
        ),
        None => None,
    };
    let exc_text = match &exc_info {
        Some(normalized) => Some(
            environment
                .helpers
                .exception_text
                .bind(py)
                .call1((normalized,))?
                .cast_into::<PyString>()?,
        ),
        None => None,
    };
    let stack_text = match (caller, options.stack_info) {
        (Some(caller), true) => Some(
            environment
                .helpers
                .stack_text
                .bind(py)
                .call1((&caller.frame,))?
                .cast_into::<PyString>()?,
        ),
        _ => None,
    };
    let utf8 = |text: &Option<Bound<'_, PyString>>| match text {
        Some(text) => text
            .to_str()
            .map(|text| Some(text.to_owned()))
            .map_err(drop),
        None => Ok(None),
    };
    let parts = PythonParts {
        exc_info,
        extra: options.extra,
        stacklevel: options.stacklevel,
    };
    let (exc, stack) = match (utf8(&exc_text), utf8(&stack_text)) {
        (Ok(exc), Ok(stack)) if encoded => (exc, stack),
        _ => {
            return Ok(Made::InPython(in_python(
                py, message, exc_text, stack_text, parts,
            )))
        }
    };
    // The message and the extra strings share one buffer.
    let extra_len = extras::text_len(&extras)?;
    let text = match message {
        Message::Native(mut text) => {
            text.reserve(extra_len);
            text
        }
        Message::Python(message) => match message.to_str() {
            Ok(utf8) => {
                let mut text = String::with_capacity(utf8.len() + extra_len);
                text.push_str(utf8);
                text
            }
            Err(_) => {
                let message = Message::Python(message);
                return Ok(Made::InPython(in_python(
                    py, message, exc_text, stack_text, parts,
                )));
            }
        },
    };
    let mut metadata = RecordMetadata {
        timestamp_ns: stamp.ns,
        float_clock: stamp.float_clock,
        filename: None,
        lineno: 0,
        module_path: None,
        func_name: None,
        // SAFETY: no preconditions; this is `threading.get_ident()`.
        thread_id: unsafe { ffi::PyThread_get_thread_ident() } as u64,
        thread_name: None,
        process_id: record::current_process_id(),
        process_name: None,
        task_name: None,
    };
    let needs = plan.needs;
    if let (true, Some(caller)) = (needs.call_site, caller) {
        fill_call_site(&mut metadata, caller);
    }
    if needs.thread_name {
        metadata.thread_name = thread_name::current(py, environment, metadata.thread_id)?;
    }
    if needs.process_name {
        metadata.process_name = optional_text(environment.helpers.process_name.bind(py).call0()?)?;
    }
    if needs.task_name {
        metadata.task_name = optional_text(environment.helpers.task_name.bind(py).call0()?)?;
    }
    let mut record =
        FemtoLogRecord::from_parts(call.name.clone(), call.level, level_name, text, metadata);
    record.exc_text = exc;
    record.stack_text = stack;
    extras::push_all(&mut record, extras)?;
    Ok(Made::Handled(handlers(&record, parts)?))
}

/// The rendered message: the core's own text, or Python's.
enum Message<'py> {
    Native(String),
    Python(Bound<'py, PyString>),
}

/// What Python gets to finish a call the core cannot hold.
fn in_python<'py>(
    py: Python<'py>,
    message: Message<'py>,
    exc_text: Option<Bound<'py, PyString>>,
    stack_text: Option<Bound<'py, PyString>>,
    parts: PythonParts<'py>,
) -> Rendered<'py> {
    Rendered {
        message: match message {
            Message::Native(text) => PyString::new(py, &text),
            Message::Python(text) => text,
        },
        exc_text,
        stack_text,
        parts,
    }
}

/// Hands a call whose caller code already ran to Python, with what it
/// rendered, so the handlers write it as the stdlib's would.
fn finish_in_python(
    environment: &Environment,
    call: &Call<'_, '_>,
    rendered: Rendered<'_>,
) -> PyResult<Outcome> {
    let py = call.logger.py();
    environment.helpers.handle_rendered.bind(py).call1((
        call.logger,
        call.level,
        call.msg,
        call.args.to_tuple()?,
        rendered.message,
        rendered.parts.exc_info,
        rendered.exc_text,
        rendered.stack_text,
        rendered.parts.extra,
        rendered.parts.stacklevel,
    ))?;
    Ok(Outcome::FinishedInPython)
}

/// Hands the record to every handler it reaches.
fn call_handlers(
    environment: &Environment,
    plan: &FastPlan,
    call: &Call<'_, '_>,
    record: &FemtoLogRecord,
    parts: PythonParts<'_>,
) -> PyResult<Outcome> {
    let py = call.logger.py();
    let limited = match format_size_limited(py, plan, call.level, record) {
        SizeCheck::Fits(limited, failures) => {
            for (index, error) in failures {
                report_failure(environment, call, &plan.targets[index], render_error(error))?;
            }
            limited
        }
        // A size-rotated file may need a rollover, which its handler's own
        // naming does in Python.
        SizeCheck::RollsOver => {
            let text = |text: &Option<String>| text.as_deref().map(|text| PyString::new(py, text));
            let rendered = Rendered {
                message: PyString::new(py, record.message()),
                exc_text: text(&record.exc_text),
                stack_text: text(&record.stack_text),
                parts,
            };
            return finish_in_python(environment, call, rendered);
        }
    };
    debug_assert!(!plan.exports_otlp || OtlpExporter::encodes(record));
    dispatch(environment, plan, call, record, limited)?;
    Ok(Outcome::Emitted)
}

/// What the size-rotated files a record reaches make of it.
enum SizeCheck {
    /// Each file's formatted line, and the files whose formatter failed.
    Fits(Vec<(usize, Vec<u8>)>, Vec<(usize, RenderError)>),
    /// Some file may need a rollover (or is empty, where versions differ).
    RollsOver,
}

/// Formats the record for each size-rotated file it reaches and checks it
/// against `maxBytes` as `RotatingFileHandler.shouldRollover` does (the
/// formatted text plus one newline, in characters).
fn format_size_limited(
    py: Python<'_>,
    plan: &FastPlan,
    level: LevelNo,
    record: &FemtoLogRecord,
) -> SizeCheck {
    let mut texts = Vec::new();
    let mut failures = Vec::new();
    for (index, target) in plan.targets.iter().enumerate() {
        let Sink::SizeLimited {
            stream,
            max_bytes,
            cache,
        } = &target.sink
        else {
            continue;
        };
        let Some(formatter) = target.formatter.as_ref().filter(|_| level >= target.level) else {
            continue;
        };
        let mut text = String::with_capacity(record.message().len() + 64);
        let formatted = cache.with(py, |cache| formatter.format_into(record, cache, &mut text));
        if let Err(error) = formatted {
            failures.push((index, error));
            continue;
        }
        let Some(position) = stream.get().queued_position() else {
            return SizeCheck::RollsOver;
        };
        let needed = text.chars().count() as u64 + 1;
        if position == 0 || position + needed >= *max_bytes {
            return SizeCheck::RollsOver;
        }
        text.push_str(&target.terminator);
        texts.push((index, text.into_bytes()));
    }
    SizeCheck::Fits(texts, failures)
}

fn dispatch(
    environment: &Environment,
    plan: &FastPlan,
    call: &Call<'_, '_>,
    record: &FemtoLogRecord,
    limited: Vec<(usize, Vec<u8>)>,
) -> PyResult<()> {
    let py = call.logger.py();
    let reached = || plan.targets.iter().filter(|t| call.level >= t.level);
    // Python streams and OTLP encoding first, on this thread; the queues
    // afterwards, so the last queue can take the record itself instead of
    // a copy. (Sinks are independent, so their relative order is not
    // observable.)
    for target in reached() {
        match &target.sink {
            Sink::Stream {
                stream,
                lock,
                cache,
                unbuffered,
            } => write_stream(
                environment,
                call,
                target,
                StreamSink {
                    stream,
                    lock: lock.as_ref(),
                    unbuffered: unbuffered.as_ref(),
                },
                cache,
                record,
            )?,
            Sink::Otlp { exporter, span } => {
                let trace = match span {
                    Some(span) => span.current(py)?,
                    None => None,
                };
                exporter.get().offer_record(record, trace);
            }
            _ => {}
        }
    }
    let mut waits: Vec<Submit> = Vec::new();
    for (index, bytes) in limited {
        if let Sink::SizeLimited { stream, .. } = &plan.targets[index].sink {
            let submit = stream.get().submit_bytes(bytes, call.level);
            if !matches!(submit, Submit::Done) {
                waits.push(submit);
            }
        }
    }
    let queued = reached().filter_map(|target| match &target.sink {
        Sink::Queued(core) => Some((target, &**core as &dyn FemtoHandlerTrait)),
        _ => None,
    });
    let Handed {
        waits: queue_waits,
        unformatted,
    } = dispatch::hand_over(record, queued);
    waits.extend(queue_waits);
    if !waits.is_empty() {
        thread_exit::detach(py, || waits.into_iter().for_each(Submit::complete));
    }
    for (target, error) in unformatted {
        report_failure(environment, call, target, render_error(error))?;
    }
    Ok(())
}

/// The exception Python's `Formatter.format` raises where the native
/// format could not render a record.
fn render_error(error: RenderError) -> PyErr {
    match error {
        RenderError::MissingField(key) => {
            PyValueError::new_err(format!("Formatting field not found in record: '{key}'"))
        }
        other => PyTypeError::new_err(other.to_string()),
    }
}

/// Reports `error` through the target handler's `handleError`, with the
/// record the stdlib would have had, as its `emit` does.
fn report_failure(
    environment: &Environment,
    call: &Call<'_, '_>,
    target: &Target,
    error: PyErr,
) -> PyResult<()> {
    let py = call.logger.py();
    // Keep the traceback on the exception, so handleError prints the
    // frames of the failing write as the stdlib's emit would.
    let value = error.value(py);
    if let Some(traceback) = error.traceback(py) {
        value.setattr(intern!(py, "__traceback__"), traceback)?;
    }
    environment.helpers.report_error.bind(py).call1((
        &target.handler,
        call.logger,
        call.level,
        call.msg,
        call.args.to_tuple()?,
        call.kwargs.to_dict()?,
        value,
    ))?;
    Ok(())
}

/// Where `write_stream` writes: the stream, its handler's lock, and the
/// descriptor behind an unbuffered stdio stream.
struct StreamSink<'a> {
    stream: &'a Py<PyAny>,
    lock: Option<&'a StreamLock>,
    unbuffered: Option<&'a UnbufferedStdio>,
}

/// `StreamHandler.emit` for a native formatter: format, write, flush, all
/// under the handler's lock; failures go to the handler's `handleError`.
fn write_stream(
    environment: &Environment,
    call: &Call<'_, '_>,
    target: &Target,
    sink: StreamSink<'_>,
    cache: &GilCell<LineCache>,
    record: &FemtoLogRecord,
) -> PyResult<()> {
    let StreamSink {
        stream,
        lock,
        unbuffered,
    } = sink;
    let py = call.logger.py();
    let Some(formatter) = &target.formatter else {
        return Ok(());
    };
    let stream = stream.bind(py);
    let line = Line {
        formatter,
        terminator: &target.terminator,
        cache,
        record,
    };
    let write = || match unbuffered {
        Some(stdio) => write_unbuffered(stream, stdio, &line),
        None => line
            .to_python(py)
            .and_then(|text| write_and_flush(stream, text)),
    };
    let result = match lock {
        Some(StreamLock::Native(lock)) => {
            let lock = lock.get();
            lock.acquire_blocking(py)?;
            let written = write();
            lock.release_held()?;
            written
        }
        Some(StreamLock::Python(acquire, release)) => {
            acquire.bind(py).call0()?;
            let written = write();
            release.bind(py).call0()?;
            written
        }
        None => line
            .to_python(py)
            .and_then(|text| stream.call_method1(intern!(py, "write"), (text,)).map(drop)),
    };
    match result {
        Ok(()) => Ok(()),
        Err(error) => report_failure(environment, call, target, error),
    }
}

/// A record's line for a stream target, formatted in the target's reused
/// buffer (`LineCache`, never borrowed across a call into Python).
struct Line<'a> {
    formatter: &'a Formatter,
    terminator: &'a str,
    cache: &'a GilCell<LineCache>,
    record: &'a FemtoLogRecord,
}

impl Line<'_> {
    /// Formats the line and hands its UTF-8 text to `use_text`, with the
    /// cache borrowed: `use_text` must run no Python code.
    fn with_text<T>(&self, py: Python<'_>, use_text: impl FnOnce(&str) -> T) -> Result<T, PyErr> {
        self.cache.with(py, |LineCache { format, line }| {
            line.clear();
            match self.formatter.format_into(self.record, format, line) {
                Ok(()) => {
                    line.push_str(self.terminator);
                    Ok(use_text(line))
                }
                Err(error) => Err(render_error(error)),
            }
        })
    }

    /// The line as the Python string `write()` is given (only allocated:
    /// no Python code runs while the cache is borrowed).
    fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.with_text(py, |text| python_text(py, text))?
    }
}

/// `text` as a Python str. Log lines are mostly ASCII, which is copied into
/// a new compact ASCII string as it is, without the UTF-8 decoder's pass.
fn python_text<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyString>> {
    if !text.is_ascii() {
        return Ok(PyString::new(py, text));
    }
    // SAFETY: PyUnicode_New(len, 127) makes a compact ASCII string with room
    // for `len` bytes (and its own terminator); ASCII bytes are its valid
    // content, copied in before anyone else sees the object.
    unsafe {
        let string = ffi::PyUnicode_New(text.len() as ffi::Py_ssize_t, 127);
        if string.is_null() {
            return Err(PyErr::fetch(py));
        }
        std::ptr::copy_nonoverlapping(
            text.as_ptr(),
            ffi::PyUnicode_DATA(string).cast::<u8>(),
            text.len(),
        );
        Ok(Bound::from_owned_ptr(py, string).cast_into_unchecked())
    }
}

fn write_and_flush(stream: &Bound<'_, PyAny>, text: Bound<'_, PyString>) -> PyResult<()> {
    let py = stream.py();
    stream
        .call_method1(intern!(py, "write"), (text,))
        .and_then(|_| flush_stream(stream))
}

/// `write()` + `flush()` on an unbuffered stdio stream: while the stream is
/// still open, write-through and UTF-8, the line goes to the descriptor in
/// one `write(2)`, straight from the formatting buffer (no Python string).
fn write_unbuffered(
    stream: &Bound<'_, PyAny>,
    stdio: &UnbufferedStdio,
    line: &Line<'_>,
) -> PyResult<()> {
    let py = stream.py();
    let raw = stdio.raw.bind(py);
    let still_direct = stdio.buffer.holds(stream, raw)
        && stdio.write_through.flag(stream) == Some(true)
        && stdio.encoding_field.holds(stream, stdio.encoding.bind(py))
        && !read_descriptor(&stdio.raw_closed, raw)?.is_truthy()?;
    if !still_direct {
        return line
            .to_python(py)
            .and_then(|text| write_and_flush(stream, text));
    }
    line.with_text(py, |text| {
        FdSink::borrowed(stdio.fd).write_all(text.as_bytes())
    })?
    .map_err(stream_os_error)
}

/// `descriptor.__get__(object, type(object))`: an attribute of `object`
/// read through the data descriptor its class has for it.
fn read_descriptor<'py>(
    descriptor: &Py<PyAny>,
    object: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    // SAFETY: both pointers are live objects held by the caller; the slot
    // is the descriptor type's own (checked present when planning), called
    // as CPython's attribute lookup calls it, and its new reference (or
    // NULL with an error set) is taken.
    unsafe {
        let Some(get) = (*ffi::Py_TYPE(descriptor.as_ptr())).tp_descr_get else {
            return Err(PyTypeError::new_err("not a data descriptor"));
        };
        let value = get(
            descriptor.as_ptr(),
            object.as_ptr(),
            ffi::Py_TYPE(object.as_ptr()).cast(),
        );
        Bound::from_owned_ptr_or_err(py, value)
    }
}

/// `StreamHandler.flush`: only streams that are truthy and have `flush`.
/// Called as a method (no bound method object made); an AttributeError is
/// the stream's own only if it has a `flush` (the stdlib's `hasattr`).
fn flush_stream(stream: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = stream.py();
    if !stream.is_truthy()? {
        return Ok(());
    }
    match stream.call_method0(intern!(py, "flush")) {
        Ok(_) => Ok(()),
        Err(error)
            if error.is_instance_of::<PyAttributeError>(py)
                && !stream.hasattr(intern!(py, "flush"))? =>
        {
            Ok(())
        }
        Err(error) => Err(error),
    }
}
