"""Benchmark harness: stdlib `logging` vs picologging vs femtologging, side by side.

Run it from the repository root with ``python -m benchmarks`` (see ``--help``).
Each (library, scenario) pair runs in a fresh subprocess, repetitions are
interleaved across libraries, every sink is verified (all records arrived, and
the bytes equal the stdlib's with timestamps masked), and the report goes to
the terminal, ``docs/benchmarks.md`` and ``docs/benchmarks.png``.

Modules, one concept each:

- ``catalogue``: what is measured (scenario ids, sizes, units, targets);
- ``targets``: the issue's goals and how a result is judged against them;
- ``variants``: a library run again under another environment (femtologging
  with its stdlib bridge off), reported beside it;
- ``scenarios``: the measured bodies, run inside the subprocess;
- ``sinks``: discarding/capturing streams, fd redirection, byte counters;
- ``child`` and ``_child_entry``: the subprocess side of the protocol;
- ``protocol``: the parent side (one job, one fresh subprocess, one result);
- ``runner``: the schedule (verification round, interleaved timed rounds);
- ``results``: the stored results model (benchmarks/results/*.json);
- ``verify``: record counting, timestamp masking, byte-for-byte comparison;
- ``stats``: medians, ranges and ratios over repetitions;
- ``report``: the table, machine description and ``docs/benchmarks.md``;
- ``chart``: the bar chart of ratios (needs matplotlib, optional);
- ``cli``: the command line (``__main__`` only calls it).
"""
