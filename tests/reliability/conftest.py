"""Reliability tests: fuzzing, crash consistency, backup and restore. Prints the number of fuzzed requests."""
from __future__ import annotations

import pytest

FUZZ_EXAMPLES_KEY = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    count = config.stash.get(FUZZ_EXAMPLES_KEY, None)
    if count:
        terminalreporter.write_line(f"schemathesis: {count[0]} generated requests checked")
