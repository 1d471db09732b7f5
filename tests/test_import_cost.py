"""What `import femtologging` leaves for first use (issue 17), and that each
part loaded later behaves as it did when everything was imported up front.

Each scenario runs in a fresh interpreter, once with `import logging as m`
and once with `import femtologging as m`: the output must be the same, and
under femtologging the part the scenario uses must be loaded by that use and
not before it.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Not needed by the `logging` face until first use.
FIRST_USE_MODULES = (
    "femtologging._adapter",
    "femtologging._warnings_capture",
    "femtologging._exception_text",
    "femtologging._json_native",
    "femtologging._native_path",
    "femtologging.contextvars",
    "contextvars",
    # The bound values' variable is made by the extension, not through it.
    "_contextvars",
    "typing",
    # Annotations are quoted where they would cost at definition time,
    # instead of `from __future__ import annotations`, which imports it.
    "__future__",
)

_REPORT = "#first-use-modules-loaded "


def _run_json(run_python: Callable[..., Any], code: str) -> Any:
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_import_leaves_the_first_use_parts_unloaded(run_python: Callable[..., Any]) -> None:
    imported = _run_json(
        run_python,
        """
        import json, sys
        before = set(sys.modules)
        import femtologging
        print(json.dumps(sorted(set(sys.modules) - before)))
        """,
    )
    assert [name for name in FIRST_USE_MODULES if name in imported] == []
    # The logging face itself is there.
    for name in ("femtologging._logger", "femtologging._handler", "femtologging._stdlib_bridge"):
        assert name in imported


def test_dir_and_star_import_list_the_names_before_they_are_loaded(
    run_python: Callable[..., Any],
) -> None:
    result = _run_json(
        run_python,
        """
        import json, sys
        import femtologging
        listed_before = dir(femtologging)
        loaded_before = sorted(sys.modules)
        namespace = {}
        exec("from femtologging import *", namespace)
        print(json.dumps({
            "first_use": femtologging._ON_FIRST_USE,
            "listed_before": listed_before,
            "listed_after": dir(femtologging),
            "loaded_before": loaded_before,
            "loaded_after": sorted(sys.modules),
            "all": femtologging.__all__,
            "star": sorted(name for name in namespace if name != "__builtins__"),
            "star_same_objects": all(
                namespace[name] is getattr(femtologging, name) for name in femtologging.__all__
            ),
        }))
        """,
    )
    listed_before = set(result["listed_before"])
    first_use = result["first_use"]
    assert {f"femtologging.{name}" for name in first_use} >= {
        name for name in FIRST_USE_MODULES if name.startswith("femtologging.")
    }
    for module, names in first_use.items():
        assert {module, *names} <= listed_before
        if module == "_femtologging_rs":
            # The extension is loaded at import; it makes these classes on
            # first access (test_the_extension_makes_its_other_classes_...).
            continue
        assert f"femtologging.{module}" not in result["loaded_before"]
        # The star import loads exactly the modules of the names it takes.
        exported = set(names) & set(result["all"])
        assert (f"femtologging.{module}" in result["loaded_after"]) == bool(exported)
    assert "__getattr__" not in listed_before
    assert listed_before == set(result["listed_after"])
    assert sorted(result["all"]) == result["star"]
    assert result["star_same_objects"]


def test_names_loaded_on_first_use_are_the_same_objects_every_time(
    run_python: Callable[..., Any],
) -> None:
    run = run_python(
        """
        import json, pickle, sys
        import femtologging
        from femtologging import LoggerAdapter, captureWarnings
        import femtologging.contextvars as bound_api
        print(json.dumps({
            "adapter": LoggerAdapter is femtologging.LoggerAdapter
                is sys.modules["femtologging._adapter"].LoggerAdapter,
            "capture": captureWarnings is femtologging.captureWarnings
                is femtologging._warnings_capture.captureWarnings,
            "contextvars": femtologging.contextvars is bound_api
                is sys.modules["femtologging.contextvars"],
            "pickled": pickle.loads(pickle.dumps(femtologging.LoggerAdapter))
                is femtologging.LoggerAdapter,
            "modules": {
                name: getattr(femtologging, name).__module__
                for name in ("LoggerAdapter", "captureWarnings", "_showwarning")
            },
            "missing": hasattr(femtologging, "no_such_name"),
        }))
        import logging, traceback
        def misspelled(module):
            try:
                module.getLoger
            except AttributeError as error:
                return traceback.format_exception_only(error)
        print(json.dumps([misspelled(femtologging), misspelled(logging)]))
        """
    )
    assert run.returncode == 0, run.stderr
    result, misspelled = (json.loads(line) for line in run.stdout.splitlines())
    # A name that is not there: the same error as the stdlib's, suggestion included.
    assert misspelled[0] == [line.replace("'logging'", "'femtologging'") for line in misspelled[1]]
    if sys.version_info >= (3, 12):  # the traceback module suggests from 3.12 on
        assert "Did you mean: 'getLogger'?" in misspelled[0][0]
    assert result == {
        "adapter": True,
        "capture": True,
        "contextvars": True,
        "pickled": True,
        "modules": {
            "LoggerAdapter": "femtologging",
            "captureWarnings": "femtologging",
            "_showwarning": "femtologging._warnings_capture",
        },
        "missing": False,
    }


def test_a_name_assigned_before_its_module_is_loaded_keeps_its_value(
    run_python: Callable[..., Any],
) -> None:
    result = _run_json(
        run_python,
        """
        import json, sys
        import femtologging
        class Replacement:
            pass
        def show(*args, **kwargs):
            pass
        femtologging.LoggerAdapter = Replacement
        femtologging._showwarning = show
        femtologging.captureWarnings  # loads the module that defines _showwarning
        print(json.dumps({
            "adapter_kept": femtologging.LoggerAdapter is Replacement,
            "adapter_loaded": "femtologging._adapter" in sys.modules,
            "showwarning_kept": femtologging._showwarning is show,
            "capture_loaded": "femtologging._warnings_capture" in sys.modules,
        }))
        """,
    )
    assert result == {
        "adapter_kept": True,
        "adapter_loaded": False,
        "showwarning_kept": True,
        "capture_loaded": True,
    }


#: name -> (what the scenario sets up, the use that needs the part, the
#: module that use loads). The same code runs under both libraries as `m`.
SCENARIOS: dict[str, tuple[str, str, str]] = {
    "LoggerAdapter": (
        """
        import io
        stream = io.StringIO()
        logger = m.getLogger("adapted")
        logger.propagate = False
        logger.setLevel(m.DEBUG)
        handler = m.StreamHandler(stream)
        handler.setFormatter(m.Formatter("%(levelname)s %(name)s [%(ctx)s] %(message)s"))
        logger.addHandler(handler)
        """,
        """
        adapter = m.LoggerAdapter(logger, {"ctx": "request-7"})
        adapter.debug("one %s", 1)
        adapter.info("two")
        adapter.warning("three", extra={"ctx": "ignored"})
        adapter.log(m.ERROR, "four")
        print(repr(adapter), adapter.isEnabledFor(m.INFO), adapter.getEffectiveLevel())
        print(stream.getvalue(), end="")
        """,
        "femtologging._adapter",
    ),
    "captureWarnings": (
        """
        import io, warnings
        stream = io.StringIO()
        m.getLogger("py.warnings").addHandler(m.StreamHandler(stream))
        """,
        """
        m.captureWarnings(True)
        warnings.warn("careful", UserWarning)
        print(m._warnings_showwarning is not None)
        m.captureWarnings(False)
        print(m._warnings_showwarning is None)
        print(stream.getvalue(), end="")
        """,
        "femtologging._warnings_capture",
    ),
    # Loaded by the extension on the first log call through any logger,
    # enabled or not.
    "the fast path's helpers, by a disabled call": (
        """
        import io
        stream = io.StringIO()
        logger = m.getLogger("first")
        logger.propagate = False
        logger.setLevel(m.INFO)
        logger.addHandler(m.StreamHandler(stream))
        """,
        """
        logger.debug("not shown")
        logger.info("shown %s", "once", extra={"key": 1})
        print(stream.getvalue(), end="")
        """,
        "femtologging._native_path",
    ),
    "the fast path's helpers, by four threads at once": (
        """
        import io, threading
        stream = io.StringIO()
        logger = m.getLogger("threads")
        logger.propagate = False
        handler = m.StreamHandler(stream)
        handler.setFormatter(m.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        start = threading.Barrier(4)
        def first_calls(index):
            start.wait()
            for count in range(50):
                logger.warning("thread %d record %d", index, count)
        threads = [threading.Thread(target=first_calls, args=(i,)) for i in range(4)]
        """,
        """
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(sorted(stream.getvalue().splitlines()) == sorted(
            f"WARNING thread {i} record {c}" for i in range(4) for c in range(50)
        ))
        """,
        "femtologging._native_path",
    ),
    "exception text on the fast path": (
        """
        import io
        stream = io.StringIO()
        logger = m.getLogger("failing")
        logger.propagate = False
        logger.addHandler(m.StreamHandler(stream))
        """,
        """
        def fail():
            raise ValueError("no good")
        try:
            fail()
        except ValueError:
            logger.exception("failed %s", "here")
        print(stream.getvalue(), end="")
        """,
        "femtologging._exception_text",
    ),
    "exception text from formatException": (
        """
        import sys
        formatter = m.Formatter()
        """,
        """
        try:
            {}["missing"]
        except KeyError:
            print(formatter.formatException(sys.exc_info()))
        """,
        "femtologging._exception_text",
    ),
    # The failing code comes from a file whose lines linecache holds: only
    # then is a traceback's stack memoized, which a replaced function stops.
    "a traceback function replaced before the first exception": (
        """
        import io, linecache, pathlib, sys, traceback
        pathlib.Path("failing.py").write_text(
            "def fail():\\n"
            "    raise OSError('disk')\\n"
            "def log_failure(logger):\\n"
            "    try:\\n"
            "        fail()\\n"
            "    except OSError:\\n"
            "        logger.exception('failed')\\n"
        )
        sys.path.insert(0, "")
        import failing
        linecache.getline(failing.__file__, 1)
        def replacement(exc_type, value, tb, limit=None, file=None, chain=True):
            file.write(f"replaced rendering of {value!r}\\n")
        traceback.print_exception = replacement
        stream = io.StringIO()
        logger = m.getLogger("replaced")
        logger.propagate = False
        logger.addHandler(m.StreamHandler(stream))
        """,
        """
        failing.log_failure(logger)
        failing.log_failure(logger)
        print(m.Formatter().formatException((OSError, OSError("direct"), None)))
        print(stream.getvalue(), end="")
        """,
        "femtologging._exception_text",
    ),
}


def _scenario_code(library: str, setup: str, use: str, module: str) -> str:
    lines = [f"import {library} as m", "import sys", textwrap.dedent(setup)]
    lines.append(f"loaded_before_use = {module!r} in sys.modules")
    lines.append(textwrap.dedent(use))
    lines.append(f"print({_REPORT!r}, loaded_before_use, {module!r} in sys.modules)")
    return "\n".join(lines)


@pytest.mark.parametrize("name", SCENARIOS)
def test_first_use_loads_the_part_and_behaves_as_the_stdlib(
    run_python: Callable[..., Any], name: str
) -> None:
    setup, use, module = SCENARIOS[name]
    stdlib = run_python(_scenario_code("logging", setup, use, module))
    femto = run_python(_scenario_code("femtologging", setup, use, module))
    assert stdlib.returncode == 0, stdlib.stderr
    assert femto.returncode == 0, femto.stderr
    *femto_output, report = femto.stdout.splitlines(keepends=True)
    assert report.split() == [_REPORT.strip(), "False", "True"]
    assert "".join(femto_output) == stdlib.stdout.rpartition(_REPORT)[0]
    assert femto.stderr == stdlib.stderr


def test_bound_values_before_and_after_the_binding_api_is_loaded(
    run_python: Callable[..., Any],
) -> None:
    """The context variable exists from import on: records made before the
    first bind carry nothing, on every path; binding later reaches them all."""
    result = _run_json(
        run_python,
        """
        import io, json, logging, sys
        import femtologging
        import femtologging.json as femto_json

        collected = []
        class Collect(femtologging.Handler):
            def emit(self, record):
                collected.append(getattr(record, "request_id", None))

        stream = io.StringIO()
        native = femtologging.getLogger("native")
        native.propagate = False
        json_handler = femtologging.StreamHandler(stream)
        json_handler.setFormatter(femto_json.JsonFormatter("%(message)s"))
        native.addHandler(json_handler)
        python_path = femtologging.getLogger("python")
        python_path.propagate = False
        python_path.addHandler(Collect())
        femtologging.getLogger("library").addHandler(Collect())
        library = logging.getLogger("library")  # the stdlib's twin

        def log_everywhere(text):
            native.warning(text)
            python_path.warning(text)
            library.warning(text)

        log_everywhere("before")
        binding_loaded_early = "femtologging.contextvars" in sys.modules
        from femtologging.contextvars import bind_contextvars, clear_contextvars
        bind_contextvars(request_id="r-1")
        log_everywhere("bound")
        clear_contextvars()
        log_everywhere("cleared")
        print(json.dumps({
            "binding_loaded_early": binding_loaded_early,
            "json_lines": [json.loads(line) for line in stream.getvalue().splitlines()],
            "collected": collected,
            "json_native_loaded": "femtologging._json_native" in sys.modules,
        }))
        """,
    )
    assert result == {
        "binding_loaded_early": False,
        "json_lines": [
            {"message": "before"},
            {"message": "bound", "request_id": "r-1"},
            {"message": "cleared"},
        ],
        "collected": [None, None, "r-1", "r-1", None, None],
        "json_native_loaded": True,
    }


#: Logging from a `__del__` while the interpreter finalizes, when nothing can
#: be imported any more (CPython's test_logging checks it: bpo-20037,
#: bpo-26789). Only `import femtologging` happened before.
AT_EXIT = """
import {library} as m

class LogsAtExit:
    def __del__(self):
        try:
            raise ValueError("some error")
        except ValueError:
            m.exception("exception in __del__")
        m.error("error in __del__")

keep = LogsAtExit()
"""


def test_logging_while_the_interpreter_finalizes(run_python: Callable[..., Any]) -> None:
    stdlib = run_python(AT_EXIT.format(library="logging"))
    femto = run_python(AT_EXIT.format(library="femtologging"))
    assert stdlib.returncode == femto.returncode == 0
    assert "ValueError: some error" in stdlib.stderr
    assert femto.stderr == stdlib.stderr


#: A file handler's first record, and so its first plan, while the
#: interpreter finalizes: the extension's classes a file plan needs
#: (`NativeFormat`, `TargetSpec`) are made then, not at import. (The stdlib
#: cannot open a file that late: `open` is gone from the builtins.)
FILE_AT_EXIT = """
import {library} as m

m.basicConfig(filename={path!r}, format="%(levelname)s %(name)s %(message)s")

class LogsAtExit:
    def __del__(self):
        m.getLogger("late").warning("written at exit %d", 1)
        m.getLogger("late").error("and %s", "another")

keep = LogsAtExit()
"""


def test_a_file_handler_first_used_while_the_interpreter_finalizes(
    run_python: Callable[..., Any], tmp_path: Path
) -> None:
    written = {}
    for library in ("logging", "femtologging"):
        path = tmp_path / f"{library}.log"
        result = run_python(FILE_AT_EXIT.format(library=library, path=str(path)))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        written[library] = path.read_bytes()
    assert written["femtologging"] == written["logging"]
    assert written["logging"] == b"WARNING late written at exit 1\nERROR late and another\n"


#: The classes of the extension that `import femtologging` does not make.
LAZY_CLASSES = (
    "FemtoFileHandler",
    "FemtoHandler",
    "FemtoLogger",
    "FemtoStreamHandler",
    "FileStream",
    "LoggerAdapter",
    "NativeFormat",
    "OtlpExporter",
    "RolloverCell",
    "TargetSpec",
    "TimedSchedule",
)


def test_the_extension_makes_its_other_classes_on_first_access(
    run_python: Callable[..., Any],
) -> None:
    result = _run_json(
        run_python,
        f"""
        import io, json, os, pickle, tempfile
        import femtologging
        native = femtologging._femtologging_rs
        lazy = {LAZY_CLASSES!r}
        made_at_import = [name for name in lazy if name in vars(native)]
        listed = all(name in native.__all__ for name in lazy)

        # A file handler and its first plan make what they need.
        folder = tempfile.mkdtemp()
        logger = femtologging.getLogger("lazy")
        logger.propagate = False
        handler = femtologging.FileHandler(os.path.join(folder, "out.log"))
        logger.addHandler(handler)
        logger.warning("one")
        handler.close()
        made_by_use = [name for name in lazy if name in vars(native)]

        classes = [getattr(native, name) for name in lazy]
        try:
            native.NoSuchClass
        except AttributeError as error:
            missing = str(error)
        print(json.dumps({{
            "made_at_import": made_at_import,
            "listed": listed,
            "made_by_use": made_by_use,
            "same_objects": all(getattr(native, c.__name__) is c for c in classes),
            "package_names": all(
                getattr(femtologging, name) is getattr(native, name)
                for name in lazy if name.startswith("Femto")
            ),
            "names": [c.__name__ for c in classes],
            "modules": sorted({{c.__module__ for c in classes}}),
            "variant_is_subclass": issubclass(native.TargetSpec.File, native.TargetSpec),
            "pickled_class": pickle.loads(pickle.dumps(native.TargetSpec)) is native.TargetSpec,
            "missing": missing,
            "line": open(os.path.join(folder, "out.log")).read(),
        }}))
        """,
    )
    assert result == {
        "made_at_import": [],
        "listed": True,
        "made_by_use": ["FileStream", "NativeFormat", "TargetSpec"],
        "same_objects": True,
        "package_names": True,
        "names": list(LAZY_CLASSES),
        "modules": ["femtologging._femtologging_rs"],
        "variant_is_subclass": True,
        "pickled_class": True,
        "missing": "module 'femtologging._femtologging_rs' has no attribute 'NoSuchClass'",
        "line": "one\n",
    }


JSON_AT_EXIT = """
import sys
import femtologging
import femtologging.json

handler = femtologging.StreamHandler(sys.stderr)
handler.setFormatter(femtologging.json.JsonFormatter("%(levelname)s %(message)s"))
logger = femtologging.getLogger("json")
logger.propagate = False
logger.addHandler(handler)

class LogsAtExit:
    def __del__(self):
        logger.error("record", extra={"items": [1, 2]})

keep = LogsAtExit()
if BEFORE_EXIT:
    del keep
print("json layout compiled before exit:", "femtologging._json_native" in sys.modules)
"""


def test_a_json_formatter_first_used_while_the_interpreter_finalizes(
    run_python: Callable[..., Any],
) -> None:
    """Too late to load the JSON layout's compiler: the formatter runs in
    Python, which writes the same line."""
    before_exit = run_python(JSON_AT_EXIT.replace("BEFORE_EXIT", "True"))
    at_exit = run_python(JSON_AT_EXIT.replace("BEFORE_EXIT", "False"))
    assert before_exit.returncode == at_exit.returncode == 0
    assert before_exit.stdout == "json layout compiled before exit: True\n"
    assert at_exit.stdout == "json layout compiled before exit: False\n"
    assert before_exit.stderr == at_exit.stderr
    assert before_exit.stderr == '{"levelname": "ERROR", "message": "record", "items": [1, 2]}\n'
