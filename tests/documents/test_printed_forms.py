"""Every form as a PDF (issue #18): A4, the national heading, the agency's heading, number, place and date line,
signature block, Vietnamese text embedded in Tinos — read back as text and as a picture. Forms handed to the
applicant (01–05) are stored as documents of the dossier on their first print; 06 and 07 are rendered fresh.
"""
from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import segno

from app.printing import pdf as printing_pdf
from app.printing.qr import lookup_url, qr_svg
from tests.documents.driver import CHAIR, KEY, Docs, png
from tests.dossiers.flow import APPLICANT, CLERK

NATION, MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"


@pytest.fixture()
def docs(demo, client, clock) -> Docs:
    driver = Docs(client, clock)
    driver.publish()
    return driver


def read_pdf(data: bytes) -> tuple[str, list[tuple[float, float]], pdfium.PdfDocument]:
    """The text of every page (lines joined, so words a line broke read whole), and each page's size."""
    document = pdfium.PdfDocument(data)
    texts, sizes = [], []
    for page in document:
        texts.append(page.get_textpage().get_text_range().replace("\ufffe", "-"))  # pdfium marks a line's hyphen
        sizes.append(page.get_size())
    return " ".join(" ".join(texts).split()), sizes, document


def has(text: str, expected: str) -> bool:
    """``expected`` is printed (a line may break inside a code: spaces are not compared)."""
    return expected in text or expected.replace(" ", "") in text.replace(" ", "")


def embedded_fonts(data: bytes) -> set[str]:
    """The fonts of the first page that are embedded (a font file inside the PDF), by base name."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    page = PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Kids"][0].get_object()
    found = set()
    for key in page["/Resources"]["/Font"]:
        font = page["/Resources"]["/Font"][key]
        descriptor = font["/FontDescriptor"] if "/FontDescriptor" in font else font["/DescendantFonts"][0]["/FontDescriptor"]
        if any(name.startswith("/FontFile") for name in descriptor):
            found.add(str(font["/BaseFont"]).lstrip("/"))
    return found


def dark_fraction(document: pdfium.PdfDocument, box: tuple[float, float, float, float] | None = None) -> float:
    """How much of the first page (or of ``box``, fractions left/top/right/bottom) is printed dark."""
    image = document[0].render(scale=1).to_pil().convert("L")
    if box:
        w, h = image.size
        image = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    histogram = image.histogram()  # 256 grey levels
    return sum(histogram[:128]) / sum(histogram)


def get_pdf(client, url: str, headers: dict) -> bytes:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.get_json() if r.is_json else r.status_code
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF-")
    return r.data


def test_form_01_is_a_pdf_with_heading_qr_and_fonts_and_is_stored_once(docs, client):
    dossier = docs.receive()
    url = f"/api/v1/dossiers/{dossier['id']}/receipt?format=pdf"
    first = client.get(url, headers=docs.h(CLERK))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text, sizes, document = read_pdf(first.data)
    assert [(round(w), round(h)) for w, h in sizes] == [(595, 842)]  # A4 portrait, in points
    for expected in (NATION, MOTTO, "UBND XÃ HƯNG NGUYÊN", "Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                     f"Số: {dossier['code']}", "Hưng Nguyên, ngày 02 tháng 03 năm 2026", APPLICANT["name"],
                     APPLICANT["address"], "Đơn đề nghị cấp giấy phép", "Bản chính", "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ",
                     f"/tra-cuu/{dossier['code']}"):
        assert has(text, expected), (expected, text)
    assert {name.split("+")[-1] for name in embedded_fonts(first.data)} == {"Tinos", "Tinos-Bold", "Tinos-Italic"}
    assert dark_fraction(document) > 0.01
    qr, text_beside = dark_fraction(document, (0.78, 0.22, 0.92, 0.29)), dark_fraction(document, (0.15, 0.22, 0.29, 0.29))
    assert qr > 0.3 and qr > 3 * text_beside  # the QR code, top right under the title: about half its modules dark
    # stored as a document of the dossier, numbered; a second print is the very same bytes
    again = client.get(url, headers=docs.h("na.hn.chutich"))
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    listed = client.get(f"/api/v1/dossiers/{dossier['id']}/documents", headers=docs.h(CLERK)).get_json()
    forms = [d for d in listed if d["form_ref"]]
    assert [(d["form_ref"], d["component"], d["kind"]) for d in forms] == [("01", "mau-so-01", "pdf")]
    assert forms[0]["note"] == f"Mẫu số 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả, số {dossier['code']}"
    assert forms[0]["sha256"] == first.headers["ETag"].strip('"')
    sheet = client.get(f"/api/v1/dossiers/{dossier['id']}/control-sheet", headers=docs.h(CLERK)).get_json()
    assert [d["component_name"] for d in sheet["documents"]] == [forms[0]["note"]]  # named, not "mau-so-01"
    # a form is not an applicant's paper: never offered for reuse
    reusable = client.get(f"/api/v1/documents/reusable?id_number={APPLICANT['id_number']}",
                          headers=docs.h(CLERK)).get_json()
    assert not any(d.get("form_ref") for d in reusable)


def test_the_qr_code_encodes_the_lookup_page_and_the_page_works_without_javascript(docs, client):
    receipt = client.post(f"/api/v1/procedures/{KEY}/dossiers", json={
        "applicant": APPLICANT, "documents": [{"component": "don_de_nghi"}]}, headers=docs.h(CLERK)).get_json()
    code, secret = receipt["code"], receipt["lookup_secret"]
    html = client.get(f"/api/v1/dossiers/{receipt['id']}/receipt?format=html", headers=docs.h(CLERK)).text
    target = lookup_url(code, "http://localhost/")
    assert target == f"http://localhost/tra-cuu/{code}" and target in html
    assert str(qr_svg(target)) in html  # the very matrix segno makes of that URL
    assert segno.make_qr(target, error="m").designator.endswith("-M")
    ask = client.get(f"/tra-cuu/{code}")
    assert ask.status_code == 200 and 'name="secret"' in ask.text and "<script" not in ask.text
    shown = client.get(f"/tra-cuu/{code}?secret={secret}")
    assert shown.status_code == 200 and ("Đang giải quyết" in shown.text or "Đã tiếp nhận" in shown.text)
    assert "Bộ phận" in shown.text or "Phòng" in shown.text  # the unit handling it now
    for officer in ("na.hn.motcua", "Chủ tịch"):
        assert officer not in shown.text
    wrong = client.get(f"/tra-cuu/{code}?secret=wrong")
    assert wrong.status_code == 404 and "Không tìm thấy hồ sơ" in wrong.text
    assert client.get("/tra-cuu/NO-SUCH?secret=x").text.replace("NO-SUCH", code) == wrong.text  # same answer


def test_form_02_each_request_its_own_numbered_pdf(docs, client):
    dossier = docs.receive()
    url = f"/api/v1/dossiers/{dossier['id']}/supplement-requests"
    first = client.post(url, json={"components": ["ban_ve"], "items": ["Ký lại trang 2"], "reason": "Thiếu bản vẽ"},
                        headers=docs.h(CLERK)).get_json()
    text, _, _ = read_pdf(get_pdf(client, f"{url}/{first['id']}?format=pdf", docs.h(CLERK)))
    for expected in (NATION, "Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", f"Số: {first['number']}/PYCBS",
                     "Bản vẽ thiết kế", "Ký lại trang 2", "Lý do: Thiếu bản vẽ", "NGƯỜI HƯỚNG DẪN", dossier["code"]):
        assert has(text, expected), (expected, text)
    docs.upload(dossier["id"], "ban_ve", png(), "ban-ve.png")
    client.post(f"{url}/{first['id']}/answer", json={}, headers=docs.h(CLERK))
    second = client.post(url, json={"items": ["Ảnh 3x4"], "reason": "Thiếu ảnh"}, headers=docs.h(CLERK)).get_json()
    get_pdf(client, f"{url}/{second['id']}?format=pdf", docs.h(CLERK))
    listed = client.get(f"/api/v1/dossiers/{dossier['id']}/documents", headers=docs.h(CLERK)).get_json()
    assert sorted(d["form_ref"] for d in listed if d["form_ref"]) == [f"02:{first['id']}", f"02:{second['id']}"]


def test_forms_03_04_05_from_the_dossiers_history(docs, client, clock):
    refused = client.post(f"/api/v1/procedures/{KEY}/refusals", json={
        "applicant": APPLICANT, "reason": "Không thuộc thẩm quyền giải quyết"}, headers=docs.h(CLERK)).get_json()
    text, _, _ = read_pdf(get_pdf(client, f"/api/v1/dossiers/{refused['id']}/refusal?format=pdf", docs.h(CLERK)))
    for expected in (NATION, "Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Không thuộc thẩm quyền",
                     refused["code"]):
        assert has(text, expected), (expected, text)

    dossier = docs.receive()
    never = client.get(f"/api/v1/dossiers/{dossier['id']}/apology?format=pdf", headers=docs.h(CLERK))
    assert never.status_code == 404 and never.get_json()["code"] == "no_such_event"
    r = client.post(f"/api/v1/dossiers/{dossier['id']}/extension", headers=docs.h(CHAIR), json={
        "reason": "Chờ ý kiến cơ quan thuế", "new_due_at": "2026-03-31T17:00:00+07:00"})
    assert r.status_code == 200, r.get_json()
    text, _, _ = read_pdf(get_pdf(client, f"/api/v1/dossiers/{dossier['id']}/apology?format=pdf", docs.h(CLERK)))
    for expected in ("Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", f"Kính gửi: {APPLICANT['name']}",
                     "Chờ ý kiến cơ quan thuế", "17:00 31/03/2026", "NGƯỜI LẬP PHIẾU"):
        assert has(text, expected), (expected, text)

    never = client.get(f"/api/v1/dossiers/{dossier['id']}/stop-notice?format=pdf", headers=docs.h(CLERK))
    assert never.status_code == 404
    r = client.post(f"/api/v1/dossiers/{dossier['id']}/stop", json={"reason": "Người nộp không bổ sung"},
                    headers=docs.h(CHAIR))
    assert r.status_code == 200
    text, _, _ = read_pdf(get_pdf(client, f"/api/v1/dossiers/{dossier['id']}/stop-notice?format=pdf", docs.h(CLERK)))
    for expected in ("Mẫu số 05", "THÔNG BÁO VỀ VIỆC DỪNG XỬ LÝ HỒ SƠ", "Người nộp không bổ sung", "THỦ TRƯỞNG CƠ QUAN"):
        assert has(text, expected), (expected, text)
    refs = {d["form_ref"] for d in client.get(f"/api/v1/dossiers/{dossier['id']}/documents",
                                              headers=docs.h(CLERK)).get_json() if d["form_ref"]}
    assert refs == {"04", "05"}


def test_forms_06_and_07_are_rendered_fresh_and_not_stored(docs, client):
    dossier = docs.receive()
    sheet = get_pdf(client, f"/api/v1/dossiers/{dossier['id']}/control-sheet?format=pdf", docs.h(CLERK))
    text, sizes, _ = read_pdf(sheet)
    for expected in (NATION, "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", dossier["code"]):
        assert has(text, expected), (expected, text)
    book = get_pdf(client, "/api/v1/reports/tracking-book?from=2026-03-01&to=2026-03-31&format=pdf",
                   docs.h(CLERK))
    text, sizes, document = read_pdf(book)
    assert sizes[0][0] > sizes[0][1]  # A4 landscape
    for expected in (NATION, "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ", dossier["code"], APPLICANT["name"]):
        assert has(text, expected), (expected, text)
    listed = client.get(f"/api/v1/dossiers/{dossier['id']}/documents", headers=docs.h(CLERK)).get_json()
    assert [d for d in listed if d["form_ref"]] == []


def test_applicants_text_cannot_reach_files_or_the_network(docs, client, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-CONTENT")
    hostile = {**APPLICANT, "name": f'<img src="file://{secret_file}"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'}
    dossier = docs.receive(applicant=hostile)
    text, _, _ = read_pdf(get_pdf(client, f"/api/v1/dossiers/{dossier['id']}/receipt?format=pdf", docs.h(CLERK)))
    assert "<img src=" in text and "TOP-SECRET-CONTENT" not in text  # printed as text, never fetched
    # and the renderer itself refuses anything but its fonts, even in markup we would write
    sheet = tmp_path / "leak.css"
    sheet.write_text('p::after { content: " TOP-SECRET-CONTENT"; }')
    html = f'<html><head><link rel="stylesheet" href="file://{sheet}"></head><body><p>ok</p></body></html>'
    assert read_pdf(printing_pdf.html_to_pdf(html))[0] == "ok 1/1"  # the stylesheet was never read
    fonts = printing_pdf.FONTS_DIR.as_uri()
    assert printing_pdf.fetchable(f"{fonts}/Tinos-Regular.woff") and printing_pdf.fetchable("data:image/png;base64,")
    for refused in (f"file://{secret_file}", f"{fonts}/../pdf.py", f"{fonts}/%2e%2e/pdf.py", f"{fonts}/",
                    "http://127.0.0.1:9/x.css", "https://example.org/font.woff"):
        assert not printing_pdf.fetchable(refused), refused


def test_a_machine_without_weasyprint_answers_503_and_stores_nothing(docs, client, monkeypatch):
    dossier = docs.receive()

    def missing(*_args, **_kwargs):
        raise printing_pdf.PdfUnavailable("no pango")

    monkeypatch.setattr("app.printing.answer.html_to_pdf", missing)
    r = client.get(f"/api/v1/dossiers/{dossier['id']}/receipt?format=pdf", headers=docs.h(CLERK))
    assert r.status_code == 503 and r.get_json()["code"] == "pdf_unavailable"
    assert client.get(f"/api/v1/dossiers/{dossier['id']}/receipt?format=html", headers=docs.h(CLERK)).status_code == 200
    listed = client.get(f"/api/v1/dossiers/{dossier['id']}/documents", headers=docs.h(CLERK)).get_json()
    assert [d for d in listed if d["form_ref"]] == []
