"""What the applicant rates, 1 (rất không hài lòng) to 5 (rất hài lòng), after the result.

The criteria follow what the satisfaction part of Decision 766/QĐ-TTg and the national portal's rating ask
of one dossier: finding the procedure, the papers asked for, the officers, the time, the result.
"""
from __future__ import annotations

from typing import Final

#: criterion → (Vietnamese, English): the lookup page's questions.
CRITERIA: Final[dict[str, tuple[str, str]]] = {
    "access": ("Thông tin về thủ tục được công khai đầy đủ, dễ tìm, dễ hiểu",
               "Information about the procedure was public, easy to find and understand"),
    "papers": ("Giấy tờ phải nộp và số lần phải bổ sung đúng như đã công khai",
               "The papers asked for and the supplements matched what was published"),
    "officers": ("Thái độ, sự hướng dẫn của công chức tiếp nhận và giải quyết",
                 "The manner and guidance of the officers who received and handled it"),
    "timeliness": ("Thời gian giải quyết so với ngày hẹn trả kết quả", "The time taken, against the appointment"),
    "result": ("Kết quả giải quyết đúng quy định, đầy đủ, chính xác", "The result was lawful, complete and correct"),
}
SCORES: Final[dict[int, tuple[str, str]]] = {
    1: ("Rất không hài lòng", "Very dissatisfied"), 2: ("Không hài lòng", "Dissatisfied"),
    3: ("Bình thường", "Neutral"), 4: ("Hài lòng", "Satisfied"), 5: ("Rất hài lòng", "Very satisfied"),
}
#: A criterion scored at or below this is "not satisfied": the rating is low and the units' leaders are told.
LOW_SCORE: Final = 2
#: A rating whose mean is at least this counts as satisfied (the reports' satisfaction rate).
SATISFIED_MEAN: Final = 4.0
MAX_COMMENT: Final = 1000
