"""What every form's heading and date line say (Decree 30/2020/NĐ-CP's layout of an administrative document).

The heading has two columns: on the left the governing body (the parent agency) above the issuing agency, in
capitals, with the paper's number under a short rule; on the right the national heading ("CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM" / "Độc lập - Tự do - Hạnh phúc") above the place and date line ("Nghệ An, ngày 07 tháng 12 năm
2026"). Pure functions: the template gives the agency and the moment.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def heading_of(agency: Any) -> dict[str, str | None]:
    """The left column of the heading and the place of the date line, from an agency row (or None)."""
    if agency is None:
        return {"parent": None, "name": "", "place": None}
    parent = getattr(agency, "parent", None)
    return {"parent": parent.name if parent is not None else None, "name": agency.name,
            "place": place_of(agency)}


def place_of(agency: Any) -> str | None:
    """The agency's place name (địa danh), else its nearest ancestor's."""
    seen = 0
    while agency is not None and seen < 16:  # a tree, but bounded whatever the data say
        if getattr(agency, "place", None):
            return agency.place
        agency, seen = getattr(agency, "parent", None), seen + 1
    return None


def date_line(moment: datetime | None, place: str | None = None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """``Nghệ An, ngày 07 tháng 12 năm 2026`` in local time (dots where the place or the date is not known)."""
    where = place or "…………"
    if moment is None:
        return f"{where}, ngày … tháng … năm …"
    day = moment.astimezone(ZoneInfo(timezone)).date()
    return f"{where}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


#: The forms of Circular 03/2025/TT-VPCP the service prints, by number.
FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Thông báo về việc dừng xử lý hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "07": "Sổ theo dõi hồ sơ",
}

#: How the receipt names a paper's copy kind (``copy_kind`` of a component).
COPY_KIND_NAMES = {"ban_chinh": "Bản chính", "ban_sao": "Bản sao", "ban_sao_chung_thuc": "Bản sao chứng thực",
                   "ban_dien_tu": "Bản điện tử"}


def copy_kind_name(kind: str | None) -> str:
    return COPY_KIND_NAMES.get(kind or "", kind or "")
