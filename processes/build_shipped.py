"""Generate the shipped procedures from the decisions' step tables.

    python processes/build_shipped.py processes/sources/cases.json [--out DIR]

Writes ``bpmn_models/<key>.bpmn``, ``processes/<key>.json`` (catalog entries) and
``processes/forms/*.schema.json`` under DIR (default: the project). The output is deterministic, and
``tests/authoring`` regenerates it to compare bytes, so edit this script (or the table), never the outputs.
``processes/sources/cases.json`` is a copy of ``../shared/procedures/cases.json`` kept so the shipped files
can be checked without ``../shared``.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(PROJECT_DIR))

from app.authoring.bpmn_writer import (
    FORM_APPRAISAL,
    FORM_LEADER_REVIEW,
    FORM_RECEPTION,
    FORM_RESULT_RETURN,
    FORM_SIGNING,
    build_bpmn,
    default_form,
    lane_ids,
)
from app.authoring.step_table import meta_from_case, rows_from_case, validate_table

LEGAL_FRAME = (
    ("Nghị định số 118/2025/NĐ-CP của Chính phủ về thực hiện thủ tục hành chính theo cơ chế một cửa, "
     "một cửa liên thông"),
    "Thông tư số 03/2025/TT-VPCP của Văn phòng Chính phủ (các mẫu phiếu, sổ theo dõi hồ sơ)",
)

#: What the decisions leave implicit, per case of cases.json: process key, owning agency, kind, the unit
#: code of each responsible text (organisation.json), agencies of an interconnected procedure's steps, and
#: the leader-review steps that may send a dossier back to the officer's appraisal.
SHIPPED: dict[str, dict[str, Any]] = {
    "NA-3857-2025": {
        "key": "na_khau_tru_kinh_phi_boi_thuong",
        "agency": "NA-HN",
        "kind": "internal",
        "issuer": "UBND tỉnh Nghệ An",
        "return_to": {"4": "3"},  # Lãnh đạo phòng reviews the officer's draft
        # The papers of the procedure's card (thành phần hồ sơ) and its result. The step table does not list
        # them, so none is required here: the shipped receptions name papers freely (a deployment marks the
        # card's required ones with PUT …/components on its own amendment).
        "components": [
            {"key": "don_de_nghi", "name": "Đơn đề nghị khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư",
             "copy_kind": "ban_chinh", "copies": 1},
            {"key": "quyet_dinh_phuong_an",
             "name": "Quyết định phê duyệt phương án bồi thường, hỗ trợ, tái định cư",
             "copy_kind": "ban_sao_chung_thuc", "copies": 1},
            {"key": "van_ban_xac_nhan",
             "name": "Văn bản xác nhận số tiền bồi thường, hỗ trợ và tái định cư được khấu trừ",
             "result": True, "file_kinds": ["pdf"]},
        ],
        "units": {
            "Công chức, viên chức tại Trung tâm Phục vụ hành chính công tỉnh, cấp xã": "NA-HN-TTPVHCC-MC",
            "Lãnh đạo phòng Phòng Kinh tế/Kinh tế, Hạ tầng và Đô thị": "NA-HN-KTHTDT-LD",
            "Chuyên viên phòng Phòng Kinh tế/Kinh tế, Hạ tầng và Đô thị": "NA-HN-KTHTDT",
            "Lãnh đạo UBND cấp xã": "NA-HN-LD",
            "Văn thư UBND cấp xã": "NA-HN-VP-VT",
            "Trung tâm Phục vụ hành chính công tỉnh, cấp xã": "NA-HN-TTPVHCC-MC",
        },
    },
    "CB-2028-2025-TNXP-thanhlap": {
        "key": "cb_tnxp_thanh_lap",
        "agency": "CB-SNV",
        "kind": "interconnected_same_level",
        "issuer": "UBND tỉnh Cao Bằng",
        "return_to": {"4": "3"},  # Lãnh đạo Sở reviews the draft of step 3 (no division-leader step)
        "step_agencies": {"6": "CB-VPUB"},
        "units": {
            "Bộ phận tiếp nhận và trả kết quả của Sở Nội vụ tại TTPVHCC tỉnh; TTPVHCC các xã, phường":
                "CB-TTPVHCC-SNV",
            "Lãnh đạo Phòng Xây dựng chính quyền và Cải cách hành chính": "CB-SNV-XDCQ-LD",
            "Công chức (Phòng XDCQ&CCHC)": "CB-SNV-XDCQ",
            "Lãnh đạo Sở": "CB-SNV-LD",
            "Văn thư Sở": "CB-SNV-VT",
            "Chuyên viên phòng Nội chính, Văn phòng UBND tỉnh": "CB-VPUB-NC",
        },
    },
    "CB-2028-2025-TNXP-giaithe": {
        "key": "cb_tnxp_giai_the",
        "agency": "CB-SNV",
        "kind": "interconnected_same_level",
        "issuer": "UBND tỉnh Cao Bằng",
        "step_agencies": {"6": "CB-VPUB"},
        "units": {
            "Bộ phận tiếp nhận và trả kết quả của Sở Nội vụ tại TTPVHCC tỉnh; TTPVHCC các xã, phường":
                "CB-TTPVHCC-SNV",
            "Lãnh đạo Phòng Xây dựng chính quyền và Cải cách hành chính": "CB-SNV-XDCQ-LD",
            "Công chức (Phòng XDCQ&CCHC)": "CB-SNV-XDCQ",
            "Lãnh đạo Sở": "CB-SNV-LD",
            "Văn thư Sở": "CB-SNV-VT",
            "Chuyên viên phòng Nội chính (Văn phòng UBND tỉnh)": "CB-VPUB-NC",
            "Bộ phận tiếp nhận và trả kết quả": "CB-TTPVHCC-SNV",
        },
    },
    "CB-2028-2025-luutru-caplai": {
        "key": "cb_luu_tru_cap_lai_giay_chung_nhan",
        "agency": "CB-SNV",
        "kind": "internal",
        "issuer": "UBND tỉnh Cao Bằng",
        "units": {
            "Bộ phận tiếp nhận và trả kết quả của Sở Nội vụ tại TTPVHCC tỉnh; TTPVHCC các xã, phường":
                "CB-TTPVHCC-SNV",
            "Lãnh đạo Văn phòng (Sở)": "CB-SNV-VP-LD",
            "Công chức Văn phòng Sở": "CB-SNV-VP",
            "Lãnh đạo Văn phòng Sở": "CB-SNV-VP-LD",
            "Lãnh đạo Sở": "CB-SNV-LD",
            "Văn thư Sở": "CB-SNV-VT",
            "Bộ phận tiếp nhận và trả kết quả": "CB-TTPVHCC-SNV",
        },
    },
    "CB-2022-2025-QT17": {
        "key": "cb_tiep_nhan_doi_tuong_bao_tro_xa_hoi",
        "agency": "CB-SYT",
        "kind": "interconnected_cross_level",
        "issuer": "UBND tỉnh Cao Bằng",
        "step_agencies": {
            **{f"I.{i}": "CB-HA" for i in range(1, 7)},
            **{f"II.{i}": "CB-SYT" for i in range(1, 5)},
            **{f"II.{i}": "CB-TTBTXH" for i in range(5, 8)},
            "II.8": "CB-SYT",
        },
        "units": {
            "Bộ phận tiếp nhận và trả kết quả Sở Y tế tại TTPVHCC tỉnh; TTPVHCC các xã, phường":
                "CB-TTPVHCC-SYT",
            "Lãnh đạo Phòng Văn hoá - Xã hội": "CB-HA-VHXH-LD",
            "Công chức Văn hoá - Xã hội": "CB-HA-VHXH",
            "Lãnh đạo UBND xã, phường": "CB-HA-LD",
            "Văn thư UBND xã, phường": "CB-HA-VT",
            "Lãnh đạo Phòng BTXH và Trẻ em - Sở Y tế": "CB-SYT-BTXH-LD",
            "Chuyên viên Phòng BTXH và Trẻ em - Sở Y tế": "CB-SYT-BTXH",
            "Lãnh đạo Sở Y tế": "CB-SYT-LD",
            "Văn thư Sở Y tế": "CB-SYT-VT",
            "Viên chức Cơ sở trợ giúp xã hội": "CB-TTBTXH-CTXH",
            "Người đứng đầu Cơ sở trợ giúp xã hội": "CB-TTBTXH-LD",
        },
    },
}

_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

#: JSON Schemas of the forms officers fill in (form name -> schema).
FORMS: dict[str, dict[str, Any]] = {
    FORM_RECEPTION: {
        "title": "Tiếp nhận hồ sơ",
        "description": "Thông tin người nộp và thành phần hồ sơ đã nhận (Giấy tiếp nhận, mẫu 01 TT 03/2025/TT-VPCP).",
        "type": "object",
        "properties": {
            "applicant_name": {"title": "Họ và tên người nộp", "type": "string", "minLength": 1, "maxLength": 200},
            "id_number": {"title": "Số định danh cá nhân / CCCD", "type": "string", "pattern": "^[0-9]{12}$"},
            "phone": {"title": "Số điện thoại", "type": "string", "pattern": "^(\\+84|0)[0-9]{9,10}$"},
            "address": {"title": "Địa chỉ", "type": "string", "maxLength": 500},
            "documents_received": {
                "title": "Thành phần hồ sơ đã nhận",
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"title": "Tên giấy tờ", "type": "string", "minLength": 1, "maxLength": 500},
                        "copy_kind": {"title": "Loại bản", "type": "string",
                                      "enum": ["ban_chinh", "ban_sao", "ban_sao_chung_thuc", "ban_dien_tu"]},
                        "copies": {"title": "Số lượng", "type": "integer", "minimum": 1},
                    },
                    "required": ["name"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["applicant_name", "id_number", "documents_received"],
    },
    FORM_APPRAISAL: {
        "title": "Thẩm định hồ sơ",
        "description": "Ý kiến thẩm định của công chức, chuyên viên thụ lý và đề xuất.",
        "type": "object",
        "properties": {
            "opinion": {"title": "Ý kiến thẩm định", **_TEXT},
            "approved": {"title": "Đề xuất giải quyết", "type": "boolean"},
        },
        "required": ["opinion", "approved"],
    },
    FORM_LEADER_REVIEW: {
        "title": "Lãnh đạo xem xét",
        "description": "Lãnh đạo đồng ý chuyển bước tiếp theo hoặc trả lại để xử lý lại.",
        "type": "object",
        "properties": {
            "approved": {"title": "Đồng ý", "type": "boolean"},
            "comment": {"title": "Ý kiến chỉ đạo", "type": "string", "maxLength": 2000},
        },
        "required": ["approved"],
        "if": {"properties": {"approved": {"const": False}}},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
    },
    FORM_SIGNING: {
        "title": "Ký, vào sổ và phát hành văn bản",
        "description": "Số, ngày và người ký văn bản kết quả; văn thư vào sổ, đóng dấu và chuyển đi.",
        "type": "object",
        "properties": {
            "document_number": {"title": "Số, ký hiệu văn bản", "type": "string", "minLength": 1, "maxLength": 100},
            "signed_on": {"title": "Ngày ký", "type": "string", "format": "date"},
            "signer": {"title": "Người ký", "type": "string", "maxLength": 200},
            "sent_to": {"title": "Nơi nhận", "type": "array", "items": {"type": "string", "maxLength": 300}},
        },
        "required": ["document_number", "signed_on"],
    },
    FORM_RESULT_RETURN: {
        "title": "Trả kết quả",
        "description": "Trả kết quả giải quyết thủ tục hành chính cho cá nhân, tổ chức.",
        "type": "object",
        "properties": {
            "method": {"title": "Hình thức trả", "type": "string",
                       "enum": ["truc_tiep", "buu_chinh_cong_ich", "truc_tuyen"]},
            "receiver_name": {"title": "Người nhận kết quả", "type": "string", "maxLength": 200},
            "returned_at": {"title": "Thời điểm trả", "type": "string", "format": "date-time"},
            "note": {"title": "Ghi chú", "type": "string", "maxLength": 2000},
        },
        "required": ["method"],
    },
}


def form_path(name: str) -> str:
    return f"processes/forms/{name}.schema.json"


def _dump(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def table_of(case: dict[str, Any]):
    """``(meta, rows, unit_codes)`` of one case, with the shipped additions of :data:`SHIPPED`."""
    extra = SHIPPED[case["id"]]
    meta = meta_from_case(case, key=extra["key"], agency=extra["agency"], kind=extra["kind"])
    decision = f"Quyết định số {meta.decision_number} ngày {_vn_date(meta.decision_date)} của {extra['issuer']}"
    meta = replace(meta, legal_basis=(decision, *LEGAL_FRAME))
    rows = rows_from_case(case, return_to=extra.get("return_to"), agencies=extra.get("step_agencies"))
    return meta, rows, extra["units"]


def _vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(day):02d}/{int(month):02d}/{year}"


def build(cases_path: Path) -> dict[str, bytes]:
    """Every shipped file as ``{relative path: bytes}``."""
    cases = json.loads(cases_path.read_text(encoding="utf-8"))["cases"]
    files: dict[str, bytes] = {form_path(name): _dump({"$schema": _SCHEMA, "$id": form_path(name), **schema})
                               for name, schema in FORMS.items()}
    for case in cases:
        if case["id"] not in SHIPPED:
            continue
        meta, rows, units = table_of(case)
        extra = SHIPPED[case["id"]]
        errors = [i for i in validate_table(meta, rows) if i.severity == "error"]
        if errors:
            raise SystemExit(f"{case['id']}: {errors}")
        bpmn_path = f"bpmn_models/{meta.key}.bpmn"
        files[bpmn_path] = build_bpmn(meta, rows, unit_codes=units)
        forms = sorted({row.form or default_form(row, i, len(rows)) for i, row in enumerate(rows)})
        files[f"processes/{meta.key}.json"] = _dump({
            "key": meta.key,
            "code": meta.code,
            "case_id": meta.case_id,
            "name": meta.name,
            "agency": meta.agency,
            "kind": meta.kind,
            "legal_basis": list(meta.legal_basis),
            "decision": {"number": meta.decision_number, "date": meta.decision_date},
            "bpmn": bpmn_path,
            "declared_total": meta.declared_total,
            "unit": meta.unit,
            **({"declared_phase_totals": dict(meta.phase_totals)} if meta.phase_totals else {}),
            "forms": {name: form_path(name) for name in forms},
            "lanes": {lane_id: units[text] for text, lane_id in lane_ids(rows).items()},
            **({"components": extra["components"]} if extra.get("components") else {}),
        })
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="path of cases.json")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR, help="project folder to write into")
    args = parser.parse_args(argv)
    for relative, content in build(args.cases).items():
        target = args.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        print(relative)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
