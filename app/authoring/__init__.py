"""Authoring: from a decision's step table (quy trình nội bộ) to a BPMN draft.

Pure functions, no I/O, no SpiffWorkflow, no Flask:
- ``time_text.parse_time_text`` reads "0,5 ngày", "04 giờ làm việc", "Không tính thời gian"…;
- ``step_table.validate_table`` reports a table's problems by row and column (Vietnamese and English);
- ``bpmn_writer.build_bpmn`` draws the table as BPMN 2.0 with lanes, properties and diagram layout.
"""
from app.authoring.bpmn_writer import build_bpmn
from app.authoring.step_table import (
    ProcedureMeta,
    StepRow,
    StepTableError,
    TableIssue,
    validate_table,
)
from app.authoring.time_text import TimeTextError, parse_time_text

__all__ = [
    "ProcedureMeta", "StepRow", "StepTableError", "TableIssue", "TimeTextError", "build_bpmn",
    "parse_time_text", "validate_table",
]
