"""Script the runner starts in each subprocess; it only sets up imports, then calls `child`.

It is started by file path with a temporary directory as cwd, so neither the
repository root (whose `femtologging/` has no compiled extension) nor the cwd
is on sys.path: `import femtologging` finds the installed build. The
`benchmarks` package is then loaded from this file's directory by location.
"""

from __future__ import annotations

import sys


def _load_benchmarks_package() -> None:
    import importlib.util
    from pathlib import Path

    here = Path(__file__).resolve().parent
    if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == here:
        del sys.path[0]  # the script's own directory: its modules are not top-level
    spec = importlib.util.spec_from_file_location(
        "benchmarks", here / "__init__.py", submodule_search_locations=[str(here)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the benchmarks package from {here}")
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)


if __name__ == "__main__":
    _load_benchmarks_package()
    from benchmarks import child

    sys.exit(child.main(sys.argv))
