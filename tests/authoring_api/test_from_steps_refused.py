"""Bad step tables are refused with problem+json naming each row and column, and nothing is stored."""
from __future__ import annotations

import io
import zipfile
from urllib.parse import urlencode

import pytest

from .conftest import FROM_STEPS, case_payload
from .tables import VI_HEADERS, csv_bytes, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
META = {"key": "tbl_bad", "name": "Thủ tục thử nghiệm", "agency": "CB-SNV", "unit": "day"}
GOOD_ROWS = [["1", "Bộ phận tiếp nhận và trả kết quả", "Tiếp nhận hồ sơ", "0,5"],
             ["2", "Lãnh đạo Sở", "Phê duyệt", "1 ngày"],
             ["3", "Bộ phận tiếp nhận và trả kết quả", "Trả kết quả", "Không tính thời gian"]]


def _post_csv(client, headers, data, meta=META):
    return client.post(f"{FROM_STEPS}?{urlencode(meta)}", data=data, content_type="text/csv", headers=headers)


def _post_file(client, headers, data, filename, meta=META):
    return client.post(f"{FROM_STEPS}?{urlencode(meta)}", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename)})


def _refused(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    return [(e["row"], e["column"], e["code"]) for e in response.get_json()["errors"]]


@pytest.fixture(autouse=True)
def _nothing_stored(client, demo, admin_for_check):
    yield
    assert client.get("/api/v1/process-definitions/tbl_bad", headers=admin_for_check).status_code == 404


@pytest.fixture()
def admin_for_check(headers_of):
    return headers_of("admin")


def test_a_good_table_is_accepted_here_so_the_refusals_below_are_about_one_thing(client, designer):
    response = _post_csv(client, designer, csv_bytes(VI_HEADERS, GOOD_ROWS))
    assert response.status_code == 201, response.get_json()
    # the autouse check expects nothing stored: remove it
    from app.definitions.models import ProcessDefinition
    from app.extensions import db
    with client.application.app_context():
        db.session.delete(db.session.query(ProcessDefinition).filter_by(key="tbl_bad").one())
        db.session.commit()


def test_empty_tables(client, designer):
    assert _refused(client.post(FROM_STEPS, json={"meta": META, "steps": []}, headers=designer), 422) == [
        (None, None, "empty_table")]
    assert _refused(_post_csv(client, designer, csv_bytes(VI_HEADERS, [])), 422) == [(None, None, "empty_table")]
    assert _refused(_post_csv(client, designer, b""), 422) == [(None, None, "empty_table")]
    assert _refused(_post_file(client, designer, xlsx_bytes(VI_HEADERS, []), "t.xlsx"), 422) == [
        (None, None, "empty_table")]


def test_unknown_and_missing_columns(client, designer):
    data = csv_bytes((*VI_HEADERS[:3], "Thời gian", "Ghi chú"), [[*r, "x"] for r in GOOD_ROWS])
    assert _refused(_post_csv(client, designer, data), 422) == [(None, "Ghi chú", "unknown_column")]
    data = csv_bytes(VI_HEADERS[:3], [r[:3] for r in GOOD_ROWS])
    assert _refused(_post_csv(client, designer, data), 422) == [(None, "time", "missing_column")]
    steps = [{"step": 1, "responsible": "A", "content": "B", "ghi_chu": "1"}]
    assert _refused(client.post(FROM_STEPS, json={"meta": META, "steps": steps}, headers=designer), 422) == [
        (1, "ghi_chu", "unknown_column"), (1, "time", "missing_column")]


def test_unreadable_times_name_the_row_column_and_csv_line(client, designer):
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:3], "hai ngày"], [*GOOD_ROWS[2][:3], ""]]
    response = _post_csv(client, designer, csv_bytes(VI_HEADERS, rows))
    assert _refused(response, 422) == [(2, "time", "bad_time"), (3, "time", "bad_time")]
    assert [e["line"] for e in response.get_json()["errors"]] == [3, 4]
    assert "hai ngày" in response.get_json()["errors"][0]["message"]


def test_duplicated_step_numbers(client, designer):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ["2", *GOOD_ROWS[2][1:]]]
    assert _refused(_post_csv(client, designer, csv_bytes(VI_HEADERS, rows)), 422) == [(3, "step", "duplicate_step")]


def test_a_step_with_no_responsible_unit(client, designer):
    rows = [GOOD_ROWS[0], ["2", "  ", "Phê duyệt", "1"], GOOD_ROWS[2]]
    assert _refused(_post_file(client, designer, xlsx_bytes(VI_HEADERS, rows), "t.xlsx"), 422) == [
        (2, "responsible", "empty_responsible")]


def test_a_spreadsheet_with_a_formula_is_refused_naming_the_cell(client, designer):
    data = xlsx_bytes(VI_HEADERS, GOOD_ROWS, formula_cells={"D3": "=0.5+0.5"})
    response = _post_file(client, designer, data, "t.xlsx")
    assert _refused(response, 422) == [(None, "D", "formula_refused")]
    assert "D3" in response.get_json()["errors"][0]["message"]


def _with_extra_entry(data: bytes, name: str, content: bytes, *, content_types: bytes | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "[Content_Types].xml" and content_types is not None:
                body = content_types
            target.writestr(item.filename, body)
        if name:
            target.writestr(name, content)
    return out.getvalue()


def test_macro_workbooks_are_refused(client, designer):
    good = xlsx_bytes(VI_HEADERS, GOOD_ROWS)
    assert _refused(_post_file(client, designer, good, "quy-trinh.xlsm"), 415) == [(None, None, "macros_refused")]
    with_vba = _with_extra_entry(good, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really VBA")
    assert _refused(_post_file(client, designer, with_vba, "t.xlsx"), 422) == [(None, None, "macros_refused")]
    types = zipfile.ZipFile(io.BytesIO(good)).read("[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"spreadsheetml.sheet.main+xml\"/><Override PartName=\"/x\" "
        b"ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    macro_typed = _with_extra_entry(good, "", b"", content_types=types)
    assert _refused(_post_file(client, designer, macro_typed, "t.xlsx"), 422) == [(None, None, "macros_refused")]


def test_files_that_are_not_xlsx_are_refused(client, designer):
    assert _refused(_post_file(client, designer, b"PK\x03\x04 broken zip", "t.xlsx"), 415) == [
        (None, None, "not_xlsx")]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert _refused(_post_file(client, designer, out.getvalue(), "t.xlsx"), 415) == [(None, None, "not_xlsx")]
    assert _refused(_post_file(client, designer, b"\xd0\xcf\x11\xe0old xls", "t.xls"), 415) == [
        (None, None, "not_xlsx")]
    response = client.post(FROM_STEPS, data=b"<x/>", content_type="application/xml", headers=designer)
    assert response.status_code == 415


def test_a_zip_bomb_is_refused_before_it_is_opened(client, designer):
    bomb = _with_extra_entry(xlsx_bytes(VI_HEADERS, GOOD_ROWS), "xl/media/zeros.bin", b"\0" * (25 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert _refused(_post_file(client, designer, bomb, "t.xlsx"), 413) == [(None, None, "too_large")]


def test_huge_files_and_tables_are_refused(client, designer, app):
    rows = [[str(i), "Lãnh đạo Sở", "Phê duyệt", "1"] for i in range(1, 502)]
    assert _refused(_post_csv(client, designer, csv_bytes(VI_HEADERS, rows)), 413) == [(501, None, "too_many_rows")]
    steps = [{"step": r[0], "responsible": r[1], "content": r[2], "time": r[3]} for r in rows]
    assert _refused(client.post(FROM_STEPS, json={"meta": META, "steps": steps}, headers=designer), 413) == [
        (501, None, "too_many_rows")]
    app.config["AUTHORING_MAX_BYTES"] = 1000
    big = csv_bytes(VI_HEADERS, [[*GOOD_ROWS[0][:2], "x" * 2000, "1"]])
    assert _refused(_post_csv(client, designer, big), 413) == [(None, None, "too_large")]
    assert _refused(_post_file(client, designer, xlsx_bytes(VI_HEADERS, GOOD_ROWS), "t.xlsx"), 413) == [
        (None, None, "too_large")]


def test_text_that_is_not_utf8_or_not_xml_safe(client, designer):
    data = "Bước,Trách nhiệm,Nội dung,Thời gian\r\n1,Lãnh đạo Sở,Phê duyệt,1\r\n".encode("utf-16")  # Excel's "Unicode text"
    assert _refused(_post_csv(client, designer, data), 422) == [(None, None, "bad_encoding")]
    rows = [GOOD_ROWS[0], ["2", "Lãnh đạo Sở", "Phê\x07 duyệt", "1"], GOOD_ROWS[2]]
    assert _refused(_post_csv(client, designer, csv_bytes(VI_HEADERS, rows)), 422) == [
        (2, "content", "bad_character")]


def test_metadata_problems_are_named_by_field(client, designer):
    response = _post_csv(client, designer, csv_bytes(VI_HEADERS, GOOD_ROWS),
                         meta={"key": "tbl_bad", "kind": "sometimes", "colour": "red"})
    assert sorted(_refused(response, 422)) == sorted([
        (None, "name", "invalid_meta"), (None, "kind", "invalid_meta"), (None, "colour", "unknown_field")])
    response = _post_csv(client, designer, csv_bytes(VI_HEADERS, GOOD_ROWS), meta={**META, "agency": "XX"})
    assert _refused(response, 422) == [(None, "agency", "unknown_agency")]
    steps = [{"step": 1, "responsible": "A", "content": "B", "time": "1", "agency": "NOPE"}]
    response = client.post(FROM_STEPS, json={"meta": META, "steps": steps}, headers=designer)
    assert _refused(response, 422) == [(1, "agency", "unknown_agency")]
    response = client.post(f"{FROM_STEPS}?key=x", json={"meta": META, "steps": steps}, headers=designer)
    assert _refused(response, 422) == [(None, "?key", "unknown_field")]
    response = client.post(FROM_STEPS, json={"meta": {**META, "key": "Bad Key"}, "steps": steps[:1]}, headers=designer)
    assert (None, "key", "bad_key") in _refused(response, 422)


def test_json_steps_must_say_their_time_even_when_not_counted(client, designer, cases):
    payload = case_payload(cases["CB-2028-2025-luutru-caplai"], key="tbl_bad")
    del payload["steps"][6]["time"]
    assert _refused(client.post(FROM_STEPS, json=payload, headers=designer), 422) == [(7, "time", "missing_column")]


def test_only_designers_and_admins_may_draft(client, headers_of, cases):
    payload = case_payload(cases["CB-2028-2025-luutru-caplai"], key="tbl_bad")
    for username in ("cb.snv.giamdoc", "kiemtra.noibo", "cb.snv.vp.chuyenvien"):
        assert client.post(FROM_STEPS, json=payload, headers=headers_of(username)).status_code == 403
    assert client.post(FROM_STEPS, json=payload).status_code == 401
