"""How many due times per second ``add_working_time`` computes (target: 50,000/s on the 2-core box).

Realistic limits (4 h to 25 working days) from random starts over two years, in the calendar's zone.
Run: ``.venv/bin/python bench/calendar_bench.py [N]``. Timing lives here, never in pytest.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.calendar import add_working_time, build_calendar, working_time_between

TARGET_PER_SECOND = 50_000
LIMITS_HOURS = (4, 8, 12, 16, 24, 40, 56, 80, 112, 120, 168, 200)  # 0.5 to 25 working days


def main(n: int = 200_000) -> float:
    cal = build_calendar(years=range(2025, 2029))
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    rng = random.Random(20260101)
    base = datetime(2025, 1, 1, tzinfo=tz)
    span_minutes = 2 * 365 * 24 * 60
    starts = [base + timedelta(minutes=rng.randrange(span_minutes)) for _ in range(n)]
    limits = [timedelta(hours=rng.choice(LIMITS_HOURS)) for _ in range(n)]

    t0 = time.perf_counter()
    dues = [add_working_time(cal, s, d) for s, d in zip(starts, limits, strict=False)]
    elapsed = time.perf_counter() - t0
    rate = n / elapsed

    # Sanity, untimed: the inverse property holds on a sample.
    for s, d, due in list(zip(starts, limits, dues, strict=False))[:: max(1, n // 1000)]:
        assert working_time_between(cal, s, due) == d, (s, d, due)

    print(f"add_working_time: {n} computations in {elapsed:.3f} s = {rate:,.0f}/s")
    print(f"ratio to the {TARGET_PER_SECOND:,}/s target: {rate / TARGET_PER_SECOND:.2f}x")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
