"""What the applicant is told, when, and which placeholders each notice may use (Vietnamese first).

The placeholders are plain names between braces (``{ma_ho_so}``); :mod:`app.applicant_notices.templating`
refuses any other when a template is saved, so a saved template never fails when a notice is sent.
"""
from __future__ import annotations

from typing import Final

#: Event → its name as the console and the templates' list show it.
EVENTS: Final[dict[str, str]] = {
    "received": "Tiếp nhận hồ sơ",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ",
    "extended": "Xin lỗi và hẹn lại ngày trả kết quả",
    "result_ready": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "refused": "Từ chối tiếp nhận hồ sơ",
    "stopped": "Dừng xử lý hồ sơ",
    "withdrawn": "Rút hồ sơ",
    "transferred": "Chuyển hồ sơ đến cơ quan có thẩm quyền",
}

#: Placeholder → what it holds (the templates' documentation, served by the API).
PLACEHOLDERS: Final[dict[str, str]] = {
    "ma_ho_so": "mã hồ sơ",
    "nguoi_nop": "tên người nộp hồ sơ",
    "thu_tuc": "tên thủ tục",
    "co_quan": "cơ quan giải quyết",
    "ngay_tiep_nhan": "thời điểm tiếp nhận (giờ:phút ngày/tháng/năm)",
    "ngay_hen_tra": "ngày hẹn trả kết quả",
    "lien_ket": "địa chỉ trang tra cứu hồ sơ (không cần mã tra cứu)",
    "ngay_hen_moi": "ngày hẹn trả kết quả mới",
    "ly_do": "lý do (gia hạn, bổ sung, từ chối, dừng, rút, chuyển)",
    "loi_xin_loi": "lời xin lỗi của cơ quan",
    "can_bo_sung": "những giấy tờ, nội dung cần bổ sung",
    "co_quan_moi": "cơ quan tiếp nhận hồ sơ được chuyển đến",
    "lien_ket_danh_gia": "địa chỉ đánh giá mức độ hài lòng",
}

COMMON: Final = frozenset({"ma_ho_so", "nguoi_nop", "thu_tuc", "co_quan", "ngay_tiep_nhan", "ngay_hen_tra",
                           "lien_ket"})
#: The placeholders an event's templates may use: the common ones and the event's own.
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "received": COMMON,
    "supplement_requested": COMMON | {"ly_do", "can_bo_sung"},
    "extended": COMMON | {"ngay_hen_moi", "ly_do", "loi_xin_loi"},
    "result_ready": COMMON,
    "returned": COMMON | {"lien_ket_danh_gia"},
    "refused": COMMON - {"ngay_hen_tra"} | {"ly_do"},
    "stopped": COMMON | {"ly_do"},
    "withdrawn": COMMON | {"ly_do"},
    "transferred": COMMON | {"ly_do", "co_quan_moi"},
}

CHANNELS: Final = ("email", "sms", "zalo")
CHANNEL_NAMES: Final[dict[str, str]] = {"email": "Thư điện tử", "sms": "Tin nhắn SMS", "zalo": "Zalo"}
#: Where each channel's address is read from the applicant's data at reception.
ADDRESS_FIELD: Final[dict[str, str]] = {"email": "email", "sms": "phone", "zalo": "phone"}

_SIGN = "\n\n{co_quan}"
#: The built-in templates: (subject, body) for e-mail; a short body for SMS and Zalo (``short``).
DEFAULTS: Final[dict[str, dict[str, str]]] = {
    "received": {
        "subject": "Đã tiếp nhận hồ sơ {ma_ho_so}",
        "body": "Kính gửi {nguoi_nop},\n\n{co_quan} đã tiếp nhận hồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) lúc "
                "{ngay_tiep_nhan}.\nNgày hẹn trả kết quả: {ngay_hen_tra}.\n\nTheo dõi tiến độ giải quyết tại: "
                "{lien_ket}" + _SIGN,
        "short": "{co_quan}: đã tiếp nhận hồ sơ {ma_ho_so}, hẹn trả kết quả {ngay_hen_tra}. Tra cứu: {lien_ket}",
    },
    "supplement_requested": {
        "subject": "Hồ sơ {ma_ho_so} cần bổ sung",
        "body": "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) cần được bổ sung:\n{can_bo_sung}\n\n"
                "Lý do: {ly_do}\nThời gian chờ bổ sung không tính vào thời hạn giải quyết.\n\nChi tiết: {lien_ket}"
                + _SIGN,
        "short": "{co_quan}: hồ sơ {ma_ho_so} cần bổ sung: {can_bo_sung}. Chi tiết: {lien_ket}",
    },
    "extended": {
        "subject": "Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {ma_ho_so}",
        "body": "Kính gửi {nguoi_nop},\n\n{loi_xin_loi}\n\nHồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) chưa giải quyết "
                "được đúng hẹn ({ngay_hen_tra}).\nLý do: {ly_do}\nNgày hẹn trả kết quả mới: {ngay_hen_moi}.\n\n"
                "Theo dõi tại: {lien_ket}" + _SIGN,
        "short": "{co_quan} xin lỗi: hồ sơ {ma_ho_so} hẹn lại ngày trả kết quả {ngay_hen_moi}. Tra cứu: {lien_ket}",
    },
    "result_ready": {
        "subject": "Hồ sơ {ma_ho_so} đã có kết quả",
        "body": "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) đã có kết quả giải quyết.\n"
                "Mời Ông/Bà nhận kết quả tại bộ phận một cửa hoặc tải về tại: {lien_ket}" + _SIGN,
        "short": "{co_quan}: hồ sơ {ma_ho_so} đã có kết quả. Nhận/tải về: {lien_ket}",
    },
    "returned": {
        "subject": "Đã trả kết quả hồ sơ {ma_ho_so} — mời đánh giá",
        "body": "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) đã được trả kết quả.\n"
                "Xin Ông/Bà dành một phút đánh giá mức độ hài lòng: {lien_ket_danh_gia}" + _SIGN,
        "short": "{co_quan}: đã trả kết quả hồ sơ {ma_ho_so}. Mời đánh giá mức độ hài lòng: {lien_ket_danh_gia}",
    },
    "refused": {
        "subject": "Hồ sơ {ma_ho_so} không được tiếp nhận",
        "body": "Kính gửi {nguoi_nop},\n\n{co_quan} từ chối tiếp nhận hồ sơ {ma_ho_so} (thủ tục: {thu_tuc}).\n"
                "Lý do: {ly_do}\n\nChi tiết: {lien_ket}" + _SIGN,
        "short": "{co_quan}: từ chối tiếp nhận hồ sơ {ma_ho_so}. Lý do: {ly_do}",
    },
    "stopped": {
        "subject": "Dừng xử lý hồ sơ {ma_ho_so}",
        "body": "Kính gửi {nguoi_nop},\n\n{co_quan} dừng xử lý hồ sơ {ma_ho_so} (thủ tục: {thu_tuc}).\n"
                "Lý do: {ly_do}\n\nChi tiết: {lien_ket}" + _SIGN,
        "short": "{co_quan}: dừng xử lý hồ sơ {ma_ho_so}. Lý do: {ly_do}",
    },
    "withdrawn": {
        "subject": "Đã rút hồ sơ {ma_ho_so}",
        "body": "Kính gửi {nguoi_nop},\n\nTheo đề nghị của Ông/Bà, hồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) đã được "
                "rút.\nGhi chú: {ly_do}" + _SIGN,
        "short": "{co_quan}: hồ sơ {ma_ho_so} đã được rút theo đề nghị.",
    },
    "transferred": {
        "subject": "Hồ sơ {ma_ho_so} được chuyển đến {co_quan_moi}",
        "body": "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} (thủ tục: {thu_tuc}) được chuyển đến {co_quan_moi}, "
                "cơ quan có thẩm quyền giải quyết.\nLý do: {ly_do}\nNgày hẹn trả kết quả: {ngay_hen_tra}.\n\n"
                "Theo dõi tại: {lien_ket}",
        "short": "Hồ sơ {ma_ho_so} được chuyển đến {co_quan_moi}, hẹn trả {ngay_hen_tra}. Tra cứu: {lien_ket}",
    },
}
