"""Shared fixtures. Tests read ``../shared`` when it exists and skip with a message when it does not."""
from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder beside the project (CI always has it)."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not beside the project; these tests need its material")
    return SHARED_DIR
