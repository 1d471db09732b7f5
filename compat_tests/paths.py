# Locations of the harness's checked-in data (references, baselines, results, docs).
from __future__ import annotations

import platform
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
REFERENCE_DIR = PACKAGE_DIR / "reference"
BASELINE_DIR = PACKAGE_DIR / "baseline"
RESULTS_DIR = PACKAGE_DIR / "results"
KNOWN_FAILURES_FILE = PACKAGE_DIR / "known_failures.json"
DOCS_FILE = REPO_ROOT / "docs" / "compatibility.md"


def exact_version() -> str:
    """The running interpreter's full version, e.g. ``3.11.7``."""
    return platform.python_version()


def minor_version() -> str:
    """The running interpreter's ``major.minor`` version, e.g. ``3.11``."""
    major, minor = platform.python_version_tuple()[:2]
    return f"{major}.{minor}"


def reference_file(version: str) -> Path:
    return REFERENCE_DIR / f"{version}.json"


def baseline_file(minor: str) -> Path:
    return BASELINE_DIR / f"{minor}.txt"


def results_file(minor: str) -> Path:
    return RESULTS_DIR / f"{minor}.json"
