"""Vietnamese first, English when the client asks (``Accept-Language``).

Messages live in one table keyed by a stable code so that clients can also switch on the code.
"""
from __future__ import annotations

from flask import has_request_context, request

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (Vietnamese, English)
    "bad_request": ("Yêu cầu không hợp lệ.", "The request is not valid."),
    "invalid_json": ("Nội dung JSON không đọc được.", "The JSON body could not be read."),
    "validation_failed": ("Dữ liệu gửi lên không hợp lệ.", "The submitted data is not valid."),
    "rule_violated": ("Yêu cầu đúng khuôn dạng nhưng trái quy định của dịch vụ.",
                      "The request is well-formed but breaks a rule of the service."),
    "unknown_reference": ("Dữ liệu tham chiếu tới một đối tượng không có.", "The data refer to something that does not exist."),
    "value_out_of_range": ("Giá trị vượt quá giới hạn lưu trữ.", "A value is out of the range that can be stored."),
    "wrong_password": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "form_data_invalid": ("Dữ liệu không đúng biểu mẫu.", "The data do not meet the form."),
    "data_key_invalid": ("Tên trường dữ liệu hồ sơ không hợp lệ.", "A dossier data key is not a valid name."),
    "unauthorized": ("Cần đăng nhập (thiếu hoặc sai mã truy cập).", "Authentication is required (missing or invalid token)."),
    "token_expired": ("Mã truy cập đã hết hạn.", "The access token has expired."),
    "token_revoked": ("Mã truy cập đã bị thu hồi.", "The access token has been revoked."),
    "bad_credentials": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."),
    "not_found": ("Không tìm thấy.", "Not found."),
    "method_not_allowed": ("Phương thức không được hỗ trợ cho địa chỉ này.", "This method is not allowed here."),
    "conflict": ("Xung đột dữ liệu.", "Conflict with the current state."),
    "too_large": ("Nội dung gửi lên quá lớn.", "The request body is too large."),
    "unsupported_media_type": ("Kiểu nội dung không được hỗ trợ.", "Unsupported content type."),
    "precondition_failed": ("Phiên bản dữ liệu đã thay đổi (If-Match không khớp).", "The resource has changed (If-Match does not match)."),
    "too_many_requests": ("Quá nhiều yêu cầu, vui lòng thử lại sau.", "Too many requests; try again later."),
    "database_unavailable": ("Cơ sở dữ liệu tạm thời không truy cập được.", "The database is temporarily unavailable."),
    "internal_error": ("Lỗi hệ thống. Sự cố đã được ghi lại.", "Internal error. It has been logged."),
    "duplicate": ("Giá trị đã tồn tại.", "This value already exists."),
    "in_use": ("Không thể xoá vì đang được sử dụng.", "Cannot delete: it is in use."),
}


def preferred_language() -> str:
    """``en`` when the request prefers English over Vietnamese, else ``vi``."""
    if not has_request_context():
        return "vi"
    best = request.accept_languages.best_match(["vi", "en"], default="vi")
    return best or "vi"


def message(code: str, vi: str | None = None, en: str | None = None) -> str:
    """The message for ``code`` in the client's language; ``vi``/``en`` override the table."""
    table_vi, table_en = MESSAGES.get(code, (None, None))
    text_vi = vi or table_vi or code
    text_en = en or table_en or text_vi
    return text_en if preferred_language() == "en" else text_vi
