from __future__ import annotations

import pytest

from tests.dossiers.flow import Flow


@pytest.fixture()
def flow(demo, client, clock):
    return Flow(client, clock)
