"""Variants: a library run again under another environment, reported beside its plain column.

A variant imports the same module as its base library, in a child whose
environment differs (see `protocol`), and runs only the scenarios it is meant
to show. It is interleaved with the libraries in every round and its output is
verified like theirs; it gets no target and no bar of the chart: `report` puts
it in a table of its own, next to the base library.

One variant is femtologging with its stdlib bridge switched off
(`FEMTOLOGGING_STDLIB_BRIDGE=0`), to show that the bridge costs nothing
measurable while no stdlib handler is attached. So that the comparison means
something, the plain femtologging column always runs with the bridge on (the
variable is removed from its environment), and each child reports whether the
bridge was installed: a run in the wrong state is not counted.

The other keeps every journal in anonymous memory
(`FEMTOLOGGING_JOURNAL_DIR=` empty) instead of a file under /dev/shm: what
surviving SIGKILL costs per record.
"""

from __future__ import annotations

from dataclasses import dataclass

BRIDGE_ENV = "FEMTOLOGGING_STDLIB_BRIDGE"
JOURNAL_ENV = "FEMTOLOGGING_JOURNAL_DIR"


@dataclass(frozen=True)
class Variant:
    key: str  # its id in jobs, results and --libs
    base: str  # the library whose module it imports
    label: str  # its column heading
    base_label: str  # the heading of the base library's column beside it
    title: str  # the heading of its table
    description: str  # what differs, for the text above its table
    env: dict[str, str | None]  # set in the child's environment (None: removed)
    scenarios: tuple[str, ...]  # scenario ids it runs in
    bridge: bool | None  # femtologging's stdlib bridge expected in the child (None: any)


BRIDGE_OFF = Variant(
    key="femtologging-bridge-off",
    base="femtologging",
    label="femtologging (bridge off)",
    base_label="femtologging (bridge on, default)",
    title="femtologging with the stdlib bridge on and off",
    description=(
        f"femtologging as in the table above, and again with its stdlib bridge off "
        f"(`{BRIDGE_ENV}=0` in the subprocess's environment): no stdlib handler is "
        "attached in these scenarios, so the bridge should cost nothing measurable"
    ),
    env={BRIDGE_ENV: "0"},
    scenarios=("disabled", "file", "latency", "propagate"),
    bridge=False,
)

JOURNAL_IN_MEMORY = Variant(
    key="femtologging-journal-in-memory",
    base="femtologging",
    label="femtologging (journal in memory)",
    base_label="femtologging (journal file, default)",
    title="femtologging with its journals in a file and in memory",
    description=(
        "femtologging as in the table above (each file handler's journal in a shared "
        "mapping of a file under /dev/shm, which survives SIGKILL), and again with "
        f"every journal in anonymous memory (`{JOURNAL_ENV}=` empty in the subprocess's "
        "environment; fatal signals and os._exit are still covered, SIGKILL is not): "
        "the difference is what surviving SIGKILL costs per record"
    ),
    env={JOURNAL_ENV: ""},
    scenarios=("file", "latency", "threads"),
    bridge=True,
)

VARIANTS: tuple[Variant, ...] = (BRIDGE_OFF, JOURNAL_IN_MEMORY)
BY_KEY: dict[str, Variant] = {variant.key: variant for variant in VARIANTS}

# The plain libraries' own settings: femtologging is measured as installed by
# default, bridge on, whatever the environment the harness was started in.
_PLAIN_ENV: dict[str, dict[str, str | None]] = {
    "femtologging": {BRIDGE_ENV: None, JOURNAL_ENV: None}
}
_PLAIN_BRIDGE: dict[str, bool] = {"femtologging": True}


def is_variant(lib: str) -> bool:
    return lib in BY_KEY


def base_of(lib: str) -> str:
    """The library whose module `lib` imports (itself for a plain library)."""
    variant = BY_KEY.get(lib)
    return variant.base if variant else lib


def label(lib: str) -> str:
    variant = BY_KEY.get(lib)
    return variant.label if variant else lib


def env_changes(lib: str) -> dict[str, str | None]:
    """Environment variables to set (None: to remove) in `lib`'s children."""
    variant = BY_KEY.get(lib)
    return dict(variant.env) if variant else dict(_PLAIN_ENV.get(lib, {}))


def expected_bridge(lib: str) -> bool | None:
    """Whether femtologging's stdlib bridge must be installed in `lib`'s children."""
    variant = BY_KEY.get(lib)
    return variant.bridge if variant else _PLAIN_BRIDGE.get(lib)


def runs_in(lib: str, scenario_id: str) -> bool:
    variant = BY_KEY.get(lib)
    return variant is None or scenario_id in variant.scenarios
