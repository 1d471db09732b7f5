# Package root of the CPython `test_logging` compatibility harness for femtologging.
"""Run CPython's own ``test/test_logging.py`` against femtologging.

Entry point: ``python -m compat_tests`` from the repository root (see README.md).
"""
