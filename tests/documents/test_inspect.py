"""``app.documents.inspect``: every refusal code, every accepted kind, ``allowed``, names never mattering, memory.

Every input is generated here (``zipfile``, ``struct``, hand-written PDFs, pyHanko's writer and signer) — no
binary fixtures. Files are named to mislead (an EXE called ``scan.pdf``): the name must never matter.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from app.documents import inspect
from app.documents.inspect import CONTENT_TYPES, DEFAULT_KINDS, EXTENSIONS, KNOWN_KINDS, FileRefused, inspect_file

with warnings.catch_warnings():
    # as in the module: pyHanko 0.38 imports cryptography's deprecated DSA names (only that message)
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.writer import PdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

MiB = 1024 * 1024


# ------------------------------------------------------------------------------------------------ helpers

def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(path: Path, **kwargs) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        inspect_file(path, **kwargs)
    return caught.value


class Big:
    """A stream object of ``size`` bytes, written in pieces (for the large-file test)."""

    def __init__(self, size: int) -> None:
        self.size = size


def write_pdf(path: Path, objects: list[bytes | Big], trailer: bytes = b"") -> Path:
    """A classic-xref PDF; ``objects[i]`` is the body of object ``i + 1``, object 1 the catalog."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(f"{number} 0 obj\n".encode())
            if isinstance(body, Big):
                out.write(f"<< /Length {body.size} >>\nstream\n".encode())
                chunk = b" " * MiB
                for start in range(0, body.size, MiB):
                    out.write(chunk[:min(MiB, body.size - start)])
                out.write(b"\nendstream")
            else:
                out.write(body)
            out.write(b"\nendobj\n")
        xref_at = out.tell()
        out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            out.write(f"{offset:010d} 00000 n \n".encode())
        out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer
                  + f" >>\nstartxref\n{xref_at}\n%%EOF\n".encode())
    return path


def pdf_objects(catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = (),
                contents: bytes | Big = b"<< /Length 8 >>\nstream\n0 0 m S\n\nendstream") -> list[bytes | Big]:
    """Catalog (1), page tree (2), one page (3) and its contents (4); ``extra`` objects are 5, 6, ..."""
    return [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page + b" >>",
            contents, *extra]


def pdf_bytes(tmp_path: Path, **kwargs) -> bytes:
    return write_pdf(tmp_path / "scratch.pdf", pdf_objects(**kwargs)).read_bytes()


def pyhanko_pdf(*, encrypt: bool = False, open_action_js: bool = False) -> bytes:
    """A one-page PDF from pyHanko's writer (object streams and an xref stream)."""
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(n) for n in (0, 0, 595, 842))}))
    if open_action_js:
        action = generic.DictionaryObject({pdf_name("/S"): pdf_name("/JavaScript"),
                                           pdf_name("/JS"): generic.TextStringObject("app.alert(1)")})
        writer.root[pdf_name("/OpenAction")] = writer.add_object(action, obj_stream=writer.prepare_object_stream())
    if encrypt:
        writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_pdf() -> bytes:
    """A PDF signed by pyHanko with a throw-away self-signed EC certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cán bộ thử nghiệm")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs([]))
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pyhanko_pdf())),
                           signers.PdfSignatureMetadata(field_name="ChuKy1"), signer=signer)
    return out.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def tiff(order: str = "<") -> bytes:
    magic = b"II*\x00" if order == "<" else b"MM\x00*"
    return (magic + struct.pack(order + "I", 8) + struct.pack(order + "H", 1)
            + struct.pack(order + "HHII", 256, 4, 1, 1) + struct.pack(order + "I", 0))


def webp() -> bytes:
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"  # odd size: one pad byte
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"/>')


def content_types(*overrides: tuple[str, str], defaults: tuple[tuple[str, str], ...] = ()) -> bytes:
    rows = [("rels", "application/vnd.openxmlformats-package.relationships+xml"), ("xml", "application/xml"),
            *defaults]
    body = "".join(f'<Default Extension="{ext}" ContentType="{ct}"/>' for ext, ct in rows)
    body += "".join(f'<Override PartName="{part}" ContentType="{ct}"/>' for part, ct in overrides)
    return f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">{body}</Types>'.encode()


def docx_entries(main: str = WORD_MAIN, part: str = "word/document.xml") -> dict[str, bytes]:
    return {"[Content_Types].xml": content_types((f"/{part}", main)), "_rels/.rels": RELS,
            part: b'<?xml version="1.0"?><w:document xmlns:w="urn:w"/>'}


def xlsx_entries() -> dict[str, bytes]:
    return docx_entries(EXCEL_MAIN, "xl/workbook.xml")


MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="{mime}"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml">{extra}</manifest:file-entry></manifest:manifest>')


def odf_entries(mime: str = "application/vnd.oasis.opendocument.text", extra: str = "") -> dict[str, bytes]:
    return {"mimetype": mime.encode(), "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": MANIFEST.format(mime=mime, extra=extra).encode()}


def make_zip(path: Path, entries: dict[str, bytes], *, deflated_mimetype: bool = False) -> Path:
    """Entries in order; ``mimetype`` stored (unless told), everything else deflated."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            stored = name == "mimetype" and not deflated_mimetype
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return path


def patch_central_directory(path: Path, patch: Callable[[bytearray, int], None]) -> Path:
    """Call ``patch(data, offset)`` for every central-directory record (offset of its ``PK\\1\\2``)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        patch(data, at)
        at = data.find(b"PK\x01\x02", at + 46)
    path.write_bytes(bytes(data))
    return path


# --------------------------------------------------------------------------------------------- interface

def test_tables_cover_every_kind() -> None:
    assert set(DEFAULT_KINDS) <= set(KNOWN_KINDS)
    assert set(CONTENT_TYPES) == set(EXTENSIONS) == set(KNOWN_KINDS)
    assert EXTENSIONS["jpeg"] == ".jpg"
    assert CONTENT_TYPES["docx"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert all(ext.startswith(".") for ext in EXTENSIONS.values())


def test_known_kinds_match_what_components_may_declare() -> None:
    from app.definitions.components import DEFAULT_FILE_KINDS, FILE_KINDS
    assert set(KNOWN_KINDS) == set(FILE_KINDS)
    assert DEFAULT_KINDS == DEFAULT_FILE_KINDS


def test_unknown_allowed_kind_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exe"):
        inspect_file(write(tmp_path, "a.png", png()), allowed=("png", "exe"))


def test_refusal_carries_code_detail_and_status() -> None:
    exc = FileRefused("file_empty", "Tệp rỗng.")
    assert (exc.code, exc.detail, exc.status) == ("file_empty", "Tệp rỗng.", 422)
    assert "file_empty" in str(exc)


# --------------------------------------------------------------------------------------- accepted kinds

@pytest.mark.parametrize(("kind", "make", "name"), [
    ("png", png, "giay-to.pdf"),
    ("jpeg", jpeg, "anh.png"),
    ("tiff", tiff, "scan.jpg"),
    ("tiff", lambda: tiff(">"), "scan"),
    ("webp", webp, "anh.tiff"),
])
def test_images_are_recognised_by_their_bytes(tmp_path: Path, kind: str, make: Callable[[], bytes],
                                              name: str) -> None:
    found = inspect_file(write(tmp_path, name, make()), allowed=KNOWN_KINDS)
    assert (found.kind, found.content_type, found.pdf_signed) == (kind, CONTENT_TYPES[kind], False)


@pytest.mark.parametrize(("kind", "entries", "name"), [
    ("docx", docx_entries, "don.xlsx"),
    ("xlsx", xlsx_entries, "bang.pdf"),
    ("odt", odf_entries, "van-ban.docx"),
    ("ods", lambda: odf_entries("application/vnd.oasis.opendocument.spreadsheet"), "bang.odt"),
])
def test_office_documents_are_recognised_by_their_parts(tmp_path: Path, kind: str,
                                                        entries: Callable[[], dict[str, bytes]], name: str) -> None:
    found = inspect_file(make_zip(tmp_path / name, entries()), allowed=KNOWN_KINDS)
    assert (found.kind, found.content_type, found.pdf_signed) == (kind, CONTENT_TYPES[kind], False)


def test_workbook_written_by_openpyxl(tmp_path: Path) -> None:
    import openpyxl
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Họ và tên"
    workbook.save(tmp_path / "bang-ke")
    assert inspect_file(tmp_path / "bang-ke").kind == "xlsx"


def test_office_document_with_ordinary_media_is_accepted(tmp_path: Path) -> None:
    entries = docx_entries() | {"word/media/image1.png": png(), "word/media/image2.jpeg": jpeg()}
    assert inspect_file(make_zip(tmp_path / "don.docx", entries)).kind == "docx"


def test_plain_pdf(tmp_path: Path) -> None:
    found = inspect_file(write_pdf(tmp_path / "anh.jpg", pdf_objects()))
    assert (found.kind, found.content_type, found.pdf_signed) == ("pdf", "application/pdf", False)


def test_pdf_with_object_streams_from_pyhanko(tmp_path: Path) -> None:
    assert inspect_file(write(tmp_path, "x.pdf", pyhanko_pdf())).kind == "pdf"


@pytest.mark.parametrize("benign", [
    b"/OpenAction [3 0 R /Fit]",
    b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>",
    b"/Names << /Dests << /Names [] >> >>",
])
def test_pdf_with_harmless_catalog_entries(tmp_path: Path, benign: bytes) -> None:
    assert inspect_file(write_pdf(tmp_path / "x.pdf", pdf_objects(catalog=benign))).kind == "pdf"


def test_pdf_with_an_ordinary_web_link(tmp_path: Path) -> None:
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://dichvucong.gov.vn) >> >>"
    assert inspect_file(write_pdf(tmp_path / "x.pdf", pdf_objects(page=b"/Annots [5 0 R]", extra=(link,)))).kind == "pdf"


# ------------------------------------------------------------------------------------------ pdf_signed

SIG_VALUE = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 1 2 3] "
             b"/Contents <" + b"00" * 64 + b"> >>")


def sig_field(value: bytes) -> bytes:
    return b"<< /FT /Sig /T (ChuKy1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /F 132 " + value + b" >>"


def test_pdf_with_a_filled_signature_field_built_by_hand(tmp_path: Path) -> None:
    objects = pdf_objects(catalog=b"/AcroForm << /Fields [5 0 R] /SigFlags 3 >>", page=b"/Annots [5 0 R]",
                          extra=(sig_field(b"/V 6 0 R"), SIG_VALUE))
    assert inspect_file(write_pdf(tmp_path / "x.pdf", objects)).pdf_signed is True


def test_pdf_with_an_empty_signature_field_is_not_signed(tmp_path: Path) -> None:
    objects = pdf_objects(catalog=b"/AcroForm << /Fields [5 0 R] >>", page=b"/Annots [5 0 R]",
                          extra=(sig_field(b""),))
    assert inspect_file(write_pdf(tmp_path / "x.pdf", objects)).pdf_signed is False


def test_pdf_signed_by_pyhanko(tmp_path: Path) -> None:
    found = inspect_file(write(tmp_path, "quyet-dinh.docx", signed_pdf()), allowed=("pdf",))
    assert (found.kind, found.pdf_signed) == ("pdf", True)


# ----------------------------------------------------------------------------------------- file_empty

def test_empty_file(tmp_path: Path) -> None:
    exc = refusal(write(tmp_path, "don.pdf", b""))
    assert (exc.code, exc.status) == ("file_empty", 422)


# ------------------------------------------------------------------------------------ file_executable

@pytest.mark.parametrize("head", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
    b"\x7fELF\x02\x01\x01\x00",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe\x00\x00\x00\x02",  # fat Mach-O ...
    b"\xca\xfe\xba\xbe\x00\x00\x00\x41",  # ... and a Java class: same magic, both refused
    b"\xbe\xba\xfe\xca", b"\xca\xfe\xba\xbf", b"\xbf\xba\xfe\xca",
    b"#!/bin/sh\nrm -rf /\n",
    b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46",
    b"\x00asm\x01\x00\x00\x00",
    b"dex\n035\x00",
], ids=["pe", "elf", "macho32", "macho64", "macho32-le", "macho64-le", "fat", "java", "fat-le", "fat64",
        "fat64-le", "shebang", "lnk", "wasm", "dex"])
def test_programs_are_refused_whatever_their_name(tmp_path: Path, head: bytes) -> None:
    exc = refusal(write(tmp_path, "scan.pdf", head + b"\x00" * 200 + b"%PDF-1.7"))
    assert (exc.code, exc.status) == ("file_executable", 422)


def test_program_inside_a_document(tmp_path: Path) -> None:
    exe = b"MZ" + b"\x00" * 0x3A + struct.pack("<I", 0x40) + b"PE\x00\x00" + b"\x00" * 64
    exc = refusal(make_zip(tmp_path / "don.docx", docx_entries() | {"word/media/image1.png": exe}))
    assert exc.code == "file_executable"


# ---------------------------------------------------------------------------------- file_macro_enabled

@pytest.mark.parametrize(("name", "entries"), [
    ("vba-part", docx_entries() | {"word/vbaProject.bin": b"vba"}),
    ("docm", docx_entries("application/vnd.ms-word.document.macroEnabled.main+xml")),
    ("xlsm", docx_entries("application/vnd.ms-excel.sheet.macroEnabled.main+xml", "xl/workbook.xml")),
    ("pptm", docx_entries("application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "ppt/p.xml")),
    ("vba-default", docx_entries() | {"[Content_Types].xml": content_types(
        ("/word/document.xml", WORD_MAIN), defaults=(("bin", "application/vnd.ms-office.vbaProject"),))}),
    ("xlm-sheet", xlsx_entries() | {"[Content_Types].xml": content_types(
        ("/xl/workbook.xml", EXCEL_MAIN), ("/xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml"))}),
    ("odf-basic", odf_entries() | {"Basic/Standard/Module1.xml": b"<script:module/>"}),
    ("odf-scripts", odf_entries() | {"Scripts/python/run.py": b"import os"}),
])
def test_macros_are_refused(tmp_path: Path, name: str, entries: dict[str, bytes]) -> None:
    exc = refusal(make_zip(tmp_path / "bao-cao.docx", entries))
    assert (exc.code, exc.status) == ("file_macro_enabled", 422)


# ------------------------------------------------------------------------------------- file_encrypted

def test_ole_compound_file_is_refused_as_encrypted_or_legacy(tmp_path: Path) -> None:
    exc = refusal(write(tmp_path, "don.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504))
    assert (exc.code, exc.status) == ("file_encrypted", 422)
    assert "DOCX/XLSX" in exc.detail and "mật khẩu" in exc.detail
    assert "legacy" in exc.detail_en


def test_encrypted_pdf(tmp_path: Path) -> None:
    exc = refusal(write(tmp_path, "x.pdf", pyhanko_pdf(encrypt=True)))
    assert (exc.code, exc.status) == ("file_encrypted", 422)


def test_pdf_with_an_encrypt_entry_pyhanko_cannot_interpret_is_still_encrypted(tmp_path: Path) -> None:
    objects = [*pdf_objects(), b"<< /Filter /NoSuchHandler /V 9 >>"]
    exc = refusal(write_pdf(tmp_path / "x.pdf", objects, trailer=b"/Encrypt 5 0 R"))
    assert exc.code == "file_encrypted"


def test_zip_entry_with_the_encryption_flag(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "don.docx", docx_entries())

    def set_flag(data: bytearray, at: int) -> None:
        data[at + 8] |= 0x01
    exc = refusal(patch_central_directory(path, set_flag))
    assert (exc.code, exc.status) == ("file_encrypted", 422)


def test_password_protected_opendocument(tmp_path: Path) -> None:
    extra = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
             '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
             '</manifest:encryption-data>')
    exc = refusal(make_zip(tmp_path / "x.odt", odf_entries(extra=extra)))
    assert exc.code == "file_encrypted"


# -------------------------------------------------------------------------------- file_nested_archive

def _tar_header() -> bytes:
    header = bytearray(512)
    header[:8] = b"note.txt"
    header[257:263] = b"ustar\x00"
    return bytes(header)


@pytest.mark.parametrize("inner", [
    b"PK\x03\x04" + b"\x00" * 40,
    b"Rar!\x1a\x07\x01\x00",
    b"7z\xbc\xaf\x27\x1c\x00\x04",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    b"BZh91AY&SY" + b"\x00" * 8,
    b"\xfd7zXZ\x00\x00\x04",
    b"MSCF\x00\x00\x00\x00",
    _tar_header(),
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56,
], ids=["zip", "rar", "7z", "gz", "bz2", "xz", "cab", "tar", "ole"])
def test_archive_inside_a_document(tmp_path: Path, inner: bytes) -> None:
    # named like an image: it is the bytes that count
    exc = refusal(make_zip(tmp_path / "don.docx", docx_entries() | {"word/embeddings/image1.png": inner}))
    assert (exc.code, exc.status) == ("file_nested_archive", 422)


def test_a_chart_workbook_inside_a_docx_is_inspected_as_a_document(tmp_path: Path) -> None:
    """Word keeps a chart's data as an embedded XLSX: accepted when it passes the same checks, one level deep."""
    inner = make_zip(tmp_path / "inner.xlsx", xlsx_entries()).read_bytes()
    entries = docx_entries() | {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": inner}
    assert inspect_file(make_zip(tmp_path / "bao_cao.docx", entries)).kind == "docx"


def test_an_embedded_workbook_with_macros_or_a_nested_archive_is_refused(tmp_path: Path) -> None:
    macro = make_zip(tmp_path / "m.xlsx", xlsx_entries() | {"xl/vbaProject.bin": b"\x00" * 64}).read_bytes()
    entries = docx_entries() | {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": macro}
    assert refusal(make_zip(tmp_path / "a.docx", entries)).code == "file_macro_enabled"
    deeper = make_zip(tmp_path / "d.xlsx", xlsx_entries() | {
        "xl/embeddings/x.xlsx": make_zip(tmp_path / "x.xlsx", xlsx_entries()).read_bytes()}).read_bytes()
    entries = docx_entries() | {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": deeper}
    assert refusal(make_zip(tmp_path / "b.docx", entries)).code == "file_nested_archive"
    plain = make_zip(tmp_path / "p.zip", {"a.txt": b"hello"}).read_bytes()
    entries = docx_entries() | {"word/embeddings/thing.xlsx": plain}
    assert refusal(make_zip(tmp_path / "c.docx", entries)).code == "file_nested_archive"


def test_archive_inside_an_opendocument(tmp_path: Path) -> None:
    entries = odf_entries() | {"Object 1/data": b"\x1f\x8b\x08\x00" + b"\x00" * 16}
    assert refusal(make_zip(tmp_path / "x.odt", entries)).code == "file_nested_archive"


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    exc = refusal(make_zip(tmp_path / "don.docx", docx_entries() | {"word/media/big.bmp": bytes(2 * MiB)}))
    assert exc.code == "file_nested_archive" and "bom" in exc.detail


def test_zip_bomb_by_declared_total_size(tmp_path: Path) -> None:
    entries = docx_entries() | {f"word/media/p{i}.bin": b"x" for i in range(520)}
    path = make_zip(tmp_path / "don.docx", entries)

    def declare_one_mib(data: bytearray, at: int) -> None:  # exactly 1 MiB: the ratio rule does not apply
        struct.pack_into("<I", data, at + 24, MiB)
    exc = refusal(patch_central_directory(path, declare_one_mib))
    assert exc.code == "file_nested_archive" and "512 MiB" in exc.detail


def test_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "don.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in docx_entries().items():
            archive.writestr(name, data)
        for i in range(inspect.ZIP_MAX_ENTRIES):
            archive.writestr(f"word/p{i}.xml", b"")
    exc = refusal(path)
    assert exc.code == "file_nested_archive" and "10.000" in exc.detail


def test_large_stored_entry_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "don.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in docx_entries().items():
            archive.writestr(name, data)
        with archive.open(zipfile.ZipInfo("word/media/scan.tif"), "w") as entry:
            entry.write(tiff())
            chunk = bytes(MiB)
            for _ in range(24):
                entry.write(chunk)
    tracemalloc.start()
    try:
        found = inspect_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.kind == "docx"
    assert peak < 20 * MiB


# -------------------------------------------------------------------------------- file_active_content

JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


@pytest.mark.parametrize("objects", [
    pdf_objects(catalog=b"/Names << /JavaScript 5 0 R >>", extra=(b"<< /Names [(a) 6 0 R] >>", JS)),
    pdf_objects(catalog=b"/OpenAction " + JS),
    pdf_objects(catalog=b"/OpenAction 5 0 R", extra=(JS,)),
    pdf_objects(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
    pdf_objects(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [<< /S /URI /URI (x) >> 5 0 R] >>",
                extra=(JS,)),
    pdf_objects(catalog=b"/AA << /WC " + JS + b" >>"),
    pdf_objects(catalog=b"/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>",
                extra=(b"<< /Type /Filespec /F (a.exe) >>",)),
    pdf_objects(page=b"/AA << /O " + JS + b" >>"),
    pdf_objects(page=b"/Annots [5 0 R]",
                extra=(b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (a.exe) >> >>",)),
    pdf_objects(page=b"/Annots [5 0 R]",
                extra=(b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 6 0 R >>",
                       b"<< /Type /Filespec /F (a.exe) >>")),
    pdf_objects(page=b"/Annots [5 0 R]", extra=(b"<< /Type /Annot /Subtype /Screen /Rect [0 0 9 9] "
                                                b"/A << /S /Rendition /JS (x) >> >>",)),
    pdf_objects(catalog=b"/AcroForm << /Fields [5 0 R] >>",
                extra=(b"<< /T (tong) /FT /Tx /AA << /C " + JS + b" >> /Kids [6 0 R] >>",
                       b"<< /Parent 5 0 R /Type /Annot /Subtype /Widget /Rect [0 0 9 9] >>")),
    pdf_objects(catalog=b"/AcroForm << /Fields [] /XFA 5 0 R >>",
                extra=(b"<< /Length 4 >>\nstream\n<x/>\nendstream",)),
    pdf_objects(catalog=b"/Outlines 5 0 R",
                extra=(b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
                       b"<< /Title (Muc 1) /Parent 5 0 R /A " + JS + b" >>")),
], ids=["names-js", "openaction-js", "openaction-indirect", "launch", "next-chain", "catalog-aa",
        "embedded-files", "page-aa", "link-launch", "file-attachment", "rendition-js", "field-aa", "xfa",
        "outline-js"])
def test_pdf_active_content(tmp_path: Path, objects: list[bytes | Big]) -> None:
    exc = refusal(write_pdf(tmp_path / "don.pdf", objects))
    assert (exc.code, exc.status) == ("file_active_content", 422)


def test_javascript_hidden_in_an_object_stream_is_found_in_the_tree(tmp_path: Path) -> None:
    data = pyhanko_pdf(open_action_js=True)
    assert b"JavaScript" not in data  # compressed: a byte scan would miss it
    assert refusal(write(tmp_path, "x.pdf", data)).code == "file_active_content"


# ------------------------------------------------------------------------------------- file_malformed

def test_truncated_pdf(tmp_path: Path) -> None:
    data = pdf_bytes(tmp_path)
    assert refusal(write(tmp_path, "x.pdf", data[: len(data) // 2])).code == "file_malformed"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n" + bytes(range(256)) * 8,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    b"%PDF-1.4\n1 0 obj << >> endobj\nstartxref\n9999\n%%EOF\n",
    b"garbage before the header\n%PDF-1.7\n",
], ids=["garbage-after-header", "no-xref-no-trailer", "startxref-nowhere", "header-not-at-start"])
def test_unparseable_pdf(tmp_path: Path, data: bytes) -> None:
    exc = refusal(write(tmp_path, "x.pdf", data))
    assert (exc.code, exc.status) == ("file_malformed", 422)


def test_pdf_without_catalog(tmp_path: Path) -> None:
    objects: list[bytes | Big] = [b"42", *pdf_objects()[1:]]
    assert refusal(write_pdf(tmp_path / "x.pdf", objects)).code == "file_malformed"


def test_pdf_form_tree_with_a_shared_node(tmp_path: Path) -> None:
    objects = pdf_objects(catalog=b"/AcroForm << /Fields [5 0 R 5 0 R] >>", extra=(sig_field(b""),))
    assert refusal(write_pdf(tmp_path / "x.pdf", objects)).code == "file_malformed"


def test_pdf_beyond_the_walk_budget_is_refused_not_let_through(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inspect, "PDF_MAX_OBJECTS", 2)
    assert refusal(write_pdf(tmp_path / "x.pdf", pdf_objects())).code == "file_malformed"


def test_broken_zip(tmp_path: Path) -> None:
    exc = refusal(write(tmp_path, "x.docx", b"PK\x03\x04" + os.urandom(300)))
    assert (exc.code, exc.status) == ("file_malformed", 422)


def test_zip_with_a_corrupt_central_directory(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "x.docx", docx_entries())

    def smash(data: bytearray, at: int) -> None:
        data[at + 1] = 0
    assert refusal(patch_central_directory(path, smash)).code == "file_malformed"


def test_ooxml_without_content_types(tmp_path: Path) -> None:
    entries = {k: v for k, v in docx_entries().items() if k != "[Content_Types].xml"}
    assert refusal(make_zip(tmp_path / "x.docx", entries)).code == "file_malformed"


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaa">]><Types xmlns="' + CT_NS.encode() + b'"/>',
    b"<Types",
    b"<Other/>",
], ids=["doctype", "broken", "wrong-root"])
def test_ooxml_with_unacceptable_content_types(tmp_path: Path, xml: bytes) -> None:
    entries = docx_entries() | {"[Content_Types].xml": xml}
    assert refusal(make_zip(tmp_path / "x.docx", entries)).code == "file_malformed"


def test_ooxml_whose_main_part_is_missing(tmp_path: Path) -> None:
    entries = {k: v for k, v in docx_entries().items() if k != "word/document.xml"}
    assert refusal(make_zip(tmp_path / "x.docx", entries)).code == "file_malformed"


def test_oversized_content_types_is_not_read(tmp_path: Path) -> None:
    padding = b"<!--" + os.urandom(inspect.XML_PART_MAX // 2 + 1).hex().encode() + b"-->"  # not compressible
    huge = content_types(("/word/document.xml", WORD_MAIN)).replace(b"</Types>", padding + b"</Types>")
    exc = refusal(make_zip(tmp_path / "x.docx", docx_entries() | {"[Content_Types].xml": huge}))
    assert exc.code == "file_malformed"


def test_zip_with_duplicate_names(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns "Duplicate name" while writing
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in docx_entries().items():
                archive.writestr(name, data)
            archive.writestr("[Content_Types].xml", content_types())
    assert refusal(path).code == "file_malformed"


def test_zip_with_an_unsupported_compression_method(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in docx_entries().items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_BZIP2)
    assert refusal(path).code == "file_malformed"


def test_opendocument_with_compressed_mimetype(tmp_path: Path) -> None:
    assert refusal(make_zip(tmp_path / "x.odt", odf_entries(), deflated_mimetype=True)).code == "file_malformed"


@pytest.mark.parametrize(("kind", "data"), [
    ("png", png()[:20]),
    ("png", png()[:8] + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17),  # bad CRC, zero size
    ("png", png()[:-12]),  # no IEND
    ("png", png() + b"PK\x05\x06" + b"\x00" * 18),  # something appended
    ("jpeg", b"\xff\xd8\xff"),
    ("jpeg", jpeg()[:-2]),
    ("jpeg", jpeg() + b"PK\x03\x04zip after the image"),
    ("tiff", b"II*\x00"),
    ("tiff", b"II*\x00" + struct.pack("<I", 4000) + b"\x00" * 8),
    ("tiff", b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 20) + b"\x00" * 12),
    ("tiff", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0) + b"\x00" * 8),
    ("webp", webp()[:-4]),
    ("webp", webp() + b"\x01" * 10),
    ("webp", b"RIFF\x04\x00\x00\x00WEBP"),
], ids=["png-short", "png-bad-ihdr", "png-no-iend", "png-appended", "jpeg-short", "jpeg-no-eoi",
        "jpeg-appended", "tiff-short", "tiff-ifd-outside", "tiff-ifd-cut", "tiff-ifd-empty", "webp-cut",
        "webp-appended", "webp-no-vp8"])
def test_malformed_images(tmp_path: Path, kind: str, data: bytes) -> None:
    exc = refusal(write(tmp_path, f"x.{kind}", data), allowed=KNOWN_KINDS)
    assert (exc.code, exc.status) == ("file_malformed", 422)


def test_jpeg_with_trailing_zero_padding_is_accepted(tmp_path: Path) -> None:
    assert inspect_file(write(tmp_path, "x.jpg", jpeg() + b"\x00" * 100)).kind == "jpeg"


# --------------------------------------------------------------------------------------- type_unknown

@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b'\xef\xbb\xbf  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<?xml version="1.0"?><root/>',
], ids=["html", "svg-bom", "xml"])
def test_markup_is_refused_because_it_can_carry_scripts(tmp_path: Path, data: bytes) -> None:
    exc = refusal(write(tmp_path, "don.pdf", data))
    assert (exc.code, exc.status) == ("type_unknown", 415)
    assert "script" in exc.detail


@pytest.mark.parametrize("data", [
    bytes(range(7, 256)) * 4,
    b"Just some plain text, not a document format.\n",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    b"Rar!\x1a\x07\x01\x00" + b"\x00" * 32,
    b"II+\x00\x08\x00\x00\x00",  # BigTIFF
], ids=["random", "text", "gif", "heic", "rar", "bigtiff"])
def test_unknown_bytes(tmp_path: Path, data: bytes) -> None:
    exc = refusal(write(tmp_path, "scan.png", data))
    assert (exc.code, exc.status) == ("type_unknown", 415)


@pytest.mark.parametrize("entries", [
    {"readme.txt": b"hello", "photo.png": b"not really"},
    docx_entries("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                 "ppt/presentation.xml"),
    docx_entries("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
    odf_entries("application/vnd.oasis.opendocument.presentation"),
    {"mimetype": b"application/epub+zip", "META-INF/container.xml": b"<container/>"},
    {"[Content_Types].xml": content_types(), "_rels/.rels": RELS},
], ids=["plain-zip", "pptx", "dotx", "odp", "epub", "opc-without-main"])
def test_other_zip_based_files_are_unknown(tmp_path: Path, entries: dict[str, bytes]) -> None:
    exc = refusal(make_zip(tmp_path / "don.docx", entries))
    assert (exc.code, exc.status) == ("type_unknown", 415)


def test_empty_zip_is_unknown(tmp_path: Path) -> None:
    assert refusal(make_zip(tmp_path / "x.docx", {})).code == "type_unknown"


# ----------------------------------------------------------------------------------- type_not_allowed

def test_allowed_narrows_the_kinds(tmp_path: Path) -> None:
    exc = refusal(write(tmp_path, "scan.pdf", png()), allowed=("pdf",))
    assert (exc.code, exc.status) == ("type_not_allowed", 415)
    assert "PNG" in exc.detail and "PDF" in exc.detail


def test_known_kinds_outside_the_defaults_must_be_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "anh.jpg", webp())
    assert refusal(path).code == "type_not_allowed"
    assert inspect_file(path, allowed={"webp"}).kind == "webp"


def test_zip_based_kind_not_allowed(tmp_path: Path) -> None:
    exc = refusal(make_zip(tmp_path / "x.pdf", xlsx_entries()), allowed=("pdf", "docx"))
    assert exc.code == "type_not_allowed" and "XLSX" in exc.detail and "DOCX" in exc.detail


def test_a_kind_not_allowed_is_not_parsed(tmp_path: Path) -> None:
    """A broken PDF where only images are accepted: wrong type is what the officer needs to hear."""
    assert refusal(write(tmp_path, "x.pdf", b"%PDF-1.7\ngarbage"), allowed=("png",)).code == "type_not_allowed"


# -------------------------------------------------------------------------------------- hostile bytes

def test_mutated_files_are_inspected_or_refused_never_crash(tmp_path: Path) -> None:
    """Seeded random damage to every kind: the answer is an Inspection or a FileRefused, nothing else."""
    rng = random.Random(20260302)
    seeds = [png(), jpeg(), tiff(), webp(), pdf_bytes(tmp_path), pyhanko_pdf(),
             make_zip(tmp_path / "a.docx", docx_entries() | {"word/media/a.png": png()}).read_bytes(),
             make_zip(tmp_path / "a.odt", odf_entries()).read_bytes()]
    path, outcomes = tmp_path / "mutant", set()
    for _ in range(400):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            if rng.random() < 0.7 or len(data) < 128:
                data[at] = rng.randrange(256)
            else:
                del data[at:at + rng.randint(1, 64)]
        path.write_bytes(bytes(data))
        try:
            outcomes.add(inspect_file(path, allowed=KNOWN_KINDS).kind)
        except FileRefused as exc:
            outcomes.add(exc.code)
    assert {"file_malformed", "type_unknown"} <= outcomes


# ----------------------------------------------------------------------------- names and large files

def test_the_name_never_matters(tmp_path: Path) -> None:
    for name in ("don.pdf", "don.exe", "don", ".hidden", "ảnh chụp.JPG"):
        assert inspect_file(write(tmp_path, name, png())).kind == "png"
        assert refusal(write(tmp_path, name, b"MZ" + b"\x00" * 64)).code == "file_executable"


def test_large_pdf_is_inspected_with_bounded_memory(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "ho-so.pdf", pdf_objects(contents=Big(50 * MiB)))
    assert path.stat().st_size > 50 * MiB
    tracemalloc.start()
    try:
        found = inspect_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.kind == "pdf"
    assert peak < 20 * MiB
