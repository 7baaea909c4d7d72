"""The lookup page's words in Vietnamese and English (the page's language toggle)."""
from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("vi", "en")

_VI: Final[dict[str, str]] = {
    "title": "Tra cứu hồ sơ", "code": "Mã hồ sơ", "procedure": "Thủ tục", "agency": "Cơ quan giải quyết",
    "status": "Tình trạng", "received": "Ngày tiếp nhận", "appointment": "Hẹn trả kết quả",
    "new_date": "Ngày hẹn mới", "extension_reason": "Lý do gia hạn", "apology": "Lời xin lỗi",
    "current_units": "Đơn vị đang giải quyết", "finished": "Hoàn thành", "close_reason": "Lý do",
    "steps_done": "Các bước đã hoàn thành", "results": "Kết quả", "signed": "đã ký số",
    "supplement": "Cần bổ sung", "supplement_reason": "Lý do", "secret_label": "Mã tra cứu (ghi trên giấy tiếp nhận hồ sơ)",
    "submit": "Tra cứu", "bad_secret": "Mã tra cứu không hợp lệ.",
    "not_found": "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này.",
    "too_many": "Bạn đã tra cứu quá nhiều lần; hãy thử lại sau ít phút.",
    "rating": "Đánh giá mức độ hài lòng", "rating_intro": "Xin Ông/Bà cho biết mức độ hài lòng với từng nội dung "
    "(1: rất không hài lòng, 5: rất hài lòng).", "comment": "Ý kiến khác (không bắt buộc)",
    "send_rating": "Gửi đánh giá", "rated": "Cảm ơn Ông/Bà đã đánh giá.",
    "rated_at": "Ông/Bà đã đánh giá hồ sơ này lúc", "rating_incomplete": "Xin chọn mức hài lòng cho mọi nội dung.",
    "comment_too_long": "Ý kiến dài quá giới hạn cho phép.", "already_rated": "Hồ sơ này đã được đánh giá.",
    "rating_not_open": "Chỉ đánh giá được sau khi hồ sơ đã trả kết quả.", "missing_mark": "chưa chọn",
    "notices": "Thông báo về hồ sơ", "notices_on": "Ông/Bà đang nhận thông báo qua",
    "notices_stopped": "Ông/Bà đã ngừng nhận thông báo về hồ sơ này.", "stop": "Ngừng nhận thông báo",
    "stop_confirm": "Ông/Bà muốn ngừng nhận mọi thông báo về hồ sơ này?", "stopped": "Đã ngừng gửi thông báo.",
    "language": "English", "language_code": "en", "language_name": "Tiếng Việt",
    "email": "thư điện tử", "sms": "tin nhắn SMS", "zalo": "Zalo",
}
_EN: Final[dict[str, str]] = {
    "title": "Dossier lookup", "code": "Dossier code", "procedure": "Procedure", "agency": "Handling agency",
    "status": "Status", "received": "Received", "appointment": "Result due", "new_date": "New date",
    "extension_reason": "Reason for the delay", "apology": "Apology", "current_units": "Being handled by",
    "finished": "Completed", "close_reason": "Reason", "steps_done": "Steps completed", "results": "Results",
    "signed": "digitally signed", "supplement": "To supplement", "supplement_reason": "Reason",
    "secret_label": "Lookup code (printed on the receipt)", "submit": "Look up",
    "bad_secret": "The lookup code is not valid.", "not_found": "No dossier with this code and lookup code.",
    "too_many": "Too many lookups; please try again in a few minutes.",
    "rating": "How satisfied are you?", "rating_intro": "Please rate each point (1: very dissatisfied, "
    "5: very satisfied).", "comment": "Other comments (optional)", "send_rating": "Send",
    "rated": "Thank you for your rating.", "rated_at": "You rated this dossier at",
    "rating_incomplete": "Please choose a score for every point.", "comment_too_long": "The comment is too long.",
    "already_rated": "This dossier has already been rated.",
    "rating_not_open": "A dossier can be rated once its result has been returned.", "missing_mark": "not chosen",
    "notices": "Notices about this dossier", "notices_on": "You receive notices by",
    "notices_stopped": "You no longer receive notices about this dossier.", "stop": "Stop the notices",
    "stop_confirm": "Stop every notice about this dossier?", "stopped": "The notices are stopped.",
    "language": "Tiếng Việt", "language_code": "vi", "language_name": "English",
    "email": "e-mail", "sms": "SMS", "zalo": "Zalo",
}
STATUS: Final[dict[str, dict[str, str]]] = {
    "vi": {"received": "Đã tiếp nhận", "processing": "Đang giải quyết", "paused": "Tạm dừng, chờ bổ sung",
           "finished": "Đã trả kết quả", "withdrawn": "Đã rút hồ sơ", "stopped": "Đã dừng xử lý",
           "incident": "Đang giải quyết", "refused": "Từ chối tiếp nhận"},
    "en": {"received": "Received", "processing": "Being handled", "paused": "Paused, waiting for a supplement",
           "finished": "Result returned", "withdrawn": "Withdrawn", "stopped": "Stopped", "incident": "Being handled",
           "refused": "Refused at reception"},
}


def texts(lang: str) -> dict:
    words = dict(_EN if lang == "en" else _VI)
    words["statuses"] = STATUS["en" if lang == "en" else "vi"]
    return words
