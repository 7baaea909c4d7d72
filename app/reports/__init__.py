"""Reports for leaders (form II.06a pattern), per officer, per step, overdue now; exports and charts.

Rules kept here:

- A period is ``[from 00:00, to + 1 day 00:00)`` in the service timezone; "at the end of the period" is
  ``min(end, now)`` so a period reaching into the future is read as of now.
- Grouped by procedure or month (or not grouped), a row counts **dossiers**. Grouped by unit or officer, a
  row counts a dossier's **passages** through that unit or officer (its steps): a leader of a division asks
  "how many dossiers came to us, how many did we finish on time", not who received them at the desk.
- Counting is SQL aggregates (``COUNT(*) FILTER``) — one statement per report, nothing loaded row by row;
  only working-time figures (medians, hours late) are computed in Python, with the agency's calendar.
- Steps carry copies of their dossier's agency, procedure and channel, their end (``ended_at``) and why they
  were cancelled, so step counts never join ``dossiers``. The summary by unit adds up the daily step rollup
  (:mod:`app.reports.rollup`, built by the scheduler) for the days it has built and counts only the rest from
  ``steps``: the same figures, without reading a year of steps.
"""
