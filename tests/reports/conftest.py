from __future__ import annotations

import pytest

from tests.reports.history import History

PERIOD = {"from": "2026-03-09", "to": "2026-03-20"}


@pytest.fixture()
def history(demo, client, clock) -> History:
    return History(demo, client, clock).build()


@pytest.fixture()
def auditor(history) -> dict[str, str]:
    return history.h("kiemtra.noibo")
