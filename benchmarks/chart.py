"""The bar chart of ratios to the stdlib (docs/benchmarks.png), one panel per CPython.

matplotlib is an optional dependency of the benchmark only: without it the
chart is skipped with a message, and everything else still runs.
Variants (see `variants`) have no bar: they have no target, and their table
compares them with their base library, not with the stdlib.
Run alone, ``python -m benchmarks.chart`` redraws the chart from the stored results.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .catalogue import REFERENCE, SCENARIOS, Metric
from .results import Session
from .stats import ratio, summarize
from .variants import is_variant

COLOURS = {"picologging": "#8c8c8c", "femtologging": "#d9622b"}


def _rows() -> list[tuple[str, Metric]]:
    """The charted rows: every metric that has both a ratio and a target."""
    return [
        (scenario.id, metric)
        for scenario in SCENARIOS
        for metric in scenario.metrics
        if metric.has_ratio and metric.target is not None
    ]


def _ratio(session: Session, scenario_id: str, key: str, lib: str) -> float | None:
    entry = session.scenarios.get(scenario_id)
    if entry is None or lib not in entry.libs or REFERENCE not in entry.libs:
        return None
    reference = summarize(entry.libs[REFERENCE].values.get(key, []))
    return ratio(reference, summarize(entry.libs[lib].values.get(key, [])))


def draw(sessions: list[Session], path: Path) -> str:
    """Writes the chart; returns a one-line message saying what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: chart skipped (pip install matplotlib)"
    if not sessions:
        return "no stored results: chart skipped"
    rows = _rows()
    figure, axes = plt.subplots(
        len(sessions), 1, figsize=(11, 4.2 * len(sessions)), squeeze=False, sharey=True
    )
    for panel, session in zip(axes[:, 0], sessions, strict=True):
        libs = [lib for lib in session.libraries if lib != REFERENCE and not is_variant(lib)]
        width = 0.8 / max(len(libs), 1)
        labels = [metric.label for _, metric in rows]
        labelled: set[str] = set()
        for index, lib in enumerate(libs):
            for position, (scenario_id, metric) in enumerate(rows):
                value = _ratio(session, scenario_id, metric.key, lib)
                x = position - 0.4 + width * (index + 0.5)
                if value is None:
                    if scenario_id in session.scenarios:
                        panel.annotate("n/a", (x, 1.0), ha="center", va="bottom", fontsize=7)
                    continue
                entry = session.scenarios[scenario_id].libs[lib]
                differs = entry.output_same is False
                panel.bar(
                    x,
                    value,
                    width,
                    color=COLOURS.get(lib, "#4c72b0"),
                    hatch="//" if differs else None,
                    edgecolor="black" if differs else None,
                    label=None if lib in labelled else lib,
                )
                labelled.add(lib)
                panel.annotate(
                    f"{value:.1f}",
                    (x, value),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        for position, (_, metric) in enumerate(rows):
            target = metric.target
            if target is not None and target.min_ratio is not None:
                panel.hlines(target.min_ratio, position - 0.45, position + 0.45, colors="black")
        panel.axhline(1.0, color="black", linewidth=0.6, linestyle=":")
        panel.set_yscale("log")
        panel.set_xticks(range(len(rows)))
        panel.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
        panel.set_ylabel("stdlib time / library time")
        kind = "quick" if session.quick else f"{session.repeat} rounds"
        panel.set_title(
            f"CPython {session.python}, {kind}, {session.date}: ratio to the stdlib "
            "(black tick: femtologging target; hatched: output differs)",
            fontsize=9,
        )
        low, high = panel.get_ylim()
        panel.set_ylim(min(low, 0.5), high * 1.6)
        panel.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"chart written to {path}"


def main() -> int:
    from .report import CHART_PATH, load_all

    print(draw(load_all(), CHART_PATH))
    return 0


if __name__ == "__main__":
    sys.exit(main())
