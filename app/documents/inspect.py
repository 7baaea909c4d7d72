"""What an uploaded file *is*, decided from its bytes (never its name), and which files are refused before storing.

:func:`inspect_file` either says what the file is (:class:`Inspection`) or raises :class:`FileRefused` with a
stable ``code``, a Vietnamese ``detail`` for the officer (``detail_en`` for logs and API clients) and an HTTP
``status``. The module is pure: no Flask, no database, no clock.

Kinds (:data:`KNOWN_KINDS`, the same set as ``app.definitions.components.FILE_KINDS``): PDF, PNG, JPEG, TIFF,
WebP images and DOCX, XLSX, ODT, ODS documents. Deliberately *not* kinds:

* **plain text** — text has no signature in its bytes, and HTML, SVG and scripts are text: there is no safe way
  to tell a harmless ``.txt`` from them. Markup (HTML/SVG/XML) is refused as ``type_unknown`` saying that it
  can carry scripts.
* **PPTX, Office templates, other OpenDocument kinds, plain ZIP and other archives, GIF, HEIC, BigTIFF** — no
  procedure asks for them; they are recognised only to word the ``type_unknown`` refusal usefully.

Codes (status 422 unless said):

* ``file_empty`` — zero bytes.
* ``file_executable`` — a program or script: Windows PE (``MZ``), ELF, Mach-O (thin, both byte orders, fat
  32/64), Java class (``CAFEBABE``: the fat Mach-O magic too — both refused), ``#!`` scripts, Windows
  shortcuts (``.lnk``), WebAssembly, Android DEX; also a PE/ELF/Mach-O inside an accepted ZIP-based document.
* ``file_macro_enabled`` — OOXML with a ``vbaProject.bin`` part or a macro content type (docm/xlsm/pptm,
  ``macroEnabled``, Excel 4 macro sheets); OpenDocument with ``Basic/`` or ``Scripts/`` entries.
* ``file_encrypted`` — any OLE/CFB compound file (how Office stores a password-protected DOCX/XLSX, and the
  legacy DOC/XLS formats that carry macros); a PDF with ``/Encrypt`` (an owner password alone counts too);
  a ZIP with an encrypted entry; an OpenDocument whose manifest declares encryption.
* ``file_nested_archive`` — a ZIP-based document with an entry that is itself an archive or an embedded OLE
  (CFB) object, judged by the entry's first bytes; and zip bombs: more than 10,000 entries, more than 512 MiB
  declared uncompressed, or an entry over 1 MiB compressed more than 100:1. Note that Word puts a chart's data
  in ``word/embeddings/*.xlsx`` — a nested ZIP — which is therefore inspected as a document itself, one level
  deep (macros, encryption and programs refused there too), instead of refusing every report with a chart.
* ``file_active_content`` — a PDF that can run something: JavaScript (name tree, any action with ``/JS`` or
  ``/S /JavaScript``), ``/Launch`` actions, embedded files (``/EmbeddedFiles``, file-attachment annotations),
  rich media, XFA forms. Actions are looked for in the catalog's ``/OpenAction`` and ``/AA``, every page's
  ``/AA``, every annotation's ``/A`` and ``/AA``, every form field's and every outline item's actions,
  following ``/Next`` chains — in the parsed object tree, so object streams cannot hide them.
* ``file_malformed`` — a PDF pyHanko cannot parse (or one too complex to inspect within the budget below); a
  ZIP with a broken central directory, a compression method other than stored/deflate, duplicate names; an
  OOXML without ``[Content_Types].xml`` (or with a DOCTYPE in it); an image whose structure is cut short or
  has data after its end (PNG IHDR and IEND; JPEG SOI and EOI; TIFF header and first IFD; WebP RIFF size).
* ``type_unknown`` (415) — nothing known matched.
* ``type_not_allowed`` (415) — a known kind, but not one of ``allowed``.

Order: what the first bytes and a ZIP's central directory, ``[Content_Types].xml``, ``mimetype`` and manifest
decide comes first (empty, executable, CFB, ZIP structure and bombs, encryption, macros, the kind); then
``allowed``; then the checks that read further (PDF parsing, image structure, entry contents) — a file of a
kind that is not allowed is not parsed at all.

Bounded work: the file is read in small pieces (its first KiB, its last 4 KiB, a ZIP's central directory —
counted record by record first, then at most 8 MiB of it read by :mod:`zipfile` — at most 512 bytes of each
entry and 1 MiB of an XML part) — a 1 GiB upload never sits in memory. PDFs are parsed by pyHanko, which
reads objects from the file on demand with its decoding limits for untrusted input; the object walk is capped
at :data:`PDF_MAX_OBJECTS` objects and :data:`PDF_MAX_SECONDS` seconds, and a form field reached twice (a
cycle or shared node, which would make field enumeration exponential) is malformed. Beyond either cap the
file is refused (``file_malformed``): a security check that gives up must not let the file through.
"""
from __future__ import annotations

import os
import pathlib
import re
import struct
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from cryptography.utils import CryptographyDeprecationWarning
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

with warnings.catch_warnings():
    # pyHanko 0.38 imports cryptography's DSAPrivateKey at module level and cryptography 51 warns on that
    # import; under the test suite's filterwarnings = error it would be an ImportError. Only that message.
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

__all__ = ["CONTENT_TYPES", "DEFAULT_KINDS", "EXTENSIONS", "KNOWN_KINDS", "FileRefused", "Inspection",
           "inspect_file"]

DEFAULT_KINDS: tuple[str, ...] = ("pdf", "png", "jpeg", "tiff", "docx", "xlsx", "odt")
#: Every kind this module recognises and can accept (see the module docstring for what is left out, and why).
KNOWN_KINDS: tuple[str, ...] = (*DEFAULT_KINDS, "webp", "ods")
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "webp": "image/webp",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
EXTENSIONS: dict[str, str] = {
    "pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif", "docx": ".docx", "xlsx": ".xlsx",
    "odt": ".odt", "webp": ".webp", "ods": ".ods",
}

MiB = 1024 * 1024
#: ZIP limits (zip bombs and resource exhaustion).
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL_SIZE = 512 * MiB
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 1 * MiB
#: The central directory is read whole by :mod:`zipfile`; 10,000 honest entries need far less.
ZIP_MAX_DIRECTORY = 8 * MiB
#: ``[Content_Types].xml`` and ``META-INF/manifest.xml`` larger than this are refused, not read.
XML_PART_MAX = 1 * MiB
#: How many objects, and how many seconds, the PDF walk may spend before it refuses the file.
PDF_MAX_OBJECTS = 50_000
PDF_MAX_SECONDS = 10.0

_HEAD = 1024  # bytes read from the start: every signature looked for, and "%PDF-" anywhere in them
_ENTRY_PEEK = 512  # bytes read from a ZIP entry: archive magic (tar at 257) and a PE header offset


@dataclass(frozen=True)
class Inspection:
    """What the file is; ``pdf_signed`` tells the caller a PDF has a filled signature field to verify."""
    kind: str  # one of KNOWN_KINDS
    content_type: str
    pdf_signed: bool  # a PDF with at least one filled /Sig field (its /V): the caller must verify it


class FileRefused(Exception):
    """Why a file is refused; `code` is a stable machine name, `detail` a Vietnamese sentence for the officer.

    ``detail_en`` is the same in English (logs, API clients); ``status`` the HTTP status (422, or 415 for the
    ``type_*`` codes).
    """

    def __init__(self, code: str, detail: str, status: int = 422, *, detail_en: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.detail_en = detail_en or code


def inspect_file(path: pathlib.Path, *, allowed: Collection[str] = DEFAULT_KINDS) -> Inspection:
    """Raise FileRefused, or say what the file is.

    ``allowed`` must name kinds of :data:`KNOWN_KINDS`; another name is the caller's mistake (ValueError),
    not the file's.
    """
    unknown = set(allowed) - set(KNOWN_KINDS)
    if unknown:
        raise ValueError(f"unknown file kinds in allowed: {sorted(unknown)}")
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise FileRefused("file_empty", "Tệp rỗng (0 byte).", detail_en="The file is empty (0 bytes).")
        head = fh.read(_HEAD)
        _refuse_program(head)
        if head.startswith(_CFB):
            raise FileRefused("file_encrypted", "Tệp được mã hóa hoặc ở định dạng Office cũ (DOC/XLS); hãy lưu "
                              "lại dưới dạng DOCX/XLSX không đặt mật khẩu rồi nộp lại.",
                              detail_en="The file is encrypted or in the legacy Office format; save it as "
                                        "DOCX/XLSX without a password.")
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return _inspect_zip(fh, size, allowed)
        kind = _simple_kind(head)
        _check_allowed(kind, allowed)
        if kind == "pdf":
            return Inspection("pdf", CONTENT_TYPES["pdf"], _inspect_pdf(fh))
        _IMAGE_CHECKS[kind](fh, size, head)
        return Inspection(kind, CONTENT_TYPES[kind], False)


# --------------------------------------------------------------------------------- signatures in bytes

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LNK = b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_PROGRAMS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "chương trình Windows (EXE/DLL)"),
    (b"\x7fELF", "chương trình ELF (Linux)"),
    (b"\xfe\xed\xfa\xce", "chương trình Mach-O (macOS)"),
    (b"\xfe\xed\xfa\xcf", "chương trình Mach-O (macOS)"),
    (b"\xce\xfa\xed\xfe", "chương trình Mach-O (macOS)"),
    (b"\xcf\xfa\xed\xfe", "chương trình Mach-O (macOS)"),
    (b"\xca\xfe\xba\xbe", "chương trình Mach-O hoặc lớp Java"),
    (b"\xbe\xba\xfe\xca", "chương trình Mach-O (macOS)"),
    (b"\xca\xfe\xba\xbf", "chương trình Mach-O (macOS)"),
    (b"\xbf\xba\xfe\xca", "chương trình Mach-O (macOS)"),
    (b"#!", "tập lệnh (script)"),
    (_LNK, "lối tắt Windows (.lnk)"),
    (b"\x00asm", "chương trình WebAssembly"),
    (b"dex\n", "chương trình Android (DEX)"),
)
_ARCHIVES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "tệp nén ZIP"), (b"PK\x05\x06", "tệp nén ZIP"), (b"PK\x07\x08", "tệp nén ZIP"),
    (b"Rar!\x1a\x07", "tệp nén RAR"), (b"7z\xbc\xaf\x27\x1c", "tệp nén 7z"), (b"\x1f\x8b\x08", "tệp nén gzip"),
    (b"\xfd7zXZ\x00", "tệp nén xz"), (b"MSCF\x00\x00\x00\x00", "tệp nén CAB"), (b"\x28\xb5\x2f\xfd", "tệp nén zstd"),
    (_CFB, "đối tượng OLE nhúng"),
)
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17\x72\x45\x38\x50\x90)")


def _program(head: bytes) -> str | None:
    return next((what for magic, what in _PROGRAMS if head.startswith(magic)), None)


def _archive(head: bytes) -> str | None:
    """Which archive (or embedded OLE object) these first bytes start, if any."""
    found = next((what for magic, what in _ARCHIVES if head.startswith(magic)), None)
    if found is None and _BZIP2.match(head):
        found = "tệp nén bzip2"
    if found is None and head[257:262] == b"ustar":
        found = "tệp nén tar"
    return found


def _refuse_program(head: bytes) -> None:
    what = _program(head)
    if what is not None:
        raise FileRefused("file_executable", f"Tệp là {what}, không được phép nộp.",
                          detail_en="The file is a program or script, which cannot be submitted.")


def _simple_kind(head: bytes) -> str:
    """The kind of a file that is not a ZIP, from its first bytes; ``type_unknown`` if none."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in head[:_HEAD]:
        return "pdf"
    raise _unknown(head)


def _unknown(head: bytes) -> FileRefused:
    """``type_unknown``, worded after what the bytes look like."""
    archive = _archive(head)
    if head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<"):  # BOMs, UTF-16 zeros, blanks
        vi = "Tệp HTML/SVG/XML không được chấp nhận vì có thể chứa mã script; hãy nộp bản PDF."
        en = "HTML/SVG/XML files are refused: they can carry scripts. Submit a PDF instead."
    elif archive is not None:
        vi = f"Tệp là {archive}; không nhận tệp nén, hãy nộp từng tài liệu riêng."
        en = "Archives are not accepted; submit each document separately."
    elif head.startswith((b"GIF87a", b"GIF89a")):
        vi, en = "Ảnh GIF không được chấp nhận; hãy nộp ảnh PNG hoặc JPEG.", "GIF images are not accepted; use PNG or JPEG."
    elif head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        vi = "Ảnh HEIC/HEIF không được chấp nhận; hãy chuyển sang JPEG rồi nộp lại."
        en = "HEIC/HEIF images are not accepted; convert to JPEG."
    else:
        vi = "Không nhận ra định dạng tệp từ nội dung của nó."
        en = "The file's format is not recognised from its content."
    return FileRefused("type_unknown", vi, 415, detail_en=en)


def _label(kind: str) -> str:
    return kind.upper()


def _check_allowed(kind: str, allowed: Collection[str]) -> None:
    if kind not in allowed:
        labels = ", ".join(_label(k) for k in KNOWN_KINDS if k in allowed)
        raise FileRefused("type_not_allowed", f"Tệp là {_label(kind)}, nhưng ở đây chỉ nhận: "
                          f"{labels or '(không loại nào)'}.", 415,
                          detail_en=f"The file is {_label(kind)}; accepted here: {labels or '(none)'}.")


def _malformed(vi: str, en: str) -> FileRefused:
    return FileRefused("file_malformed", vi, detail_en=en)


def _shown(name: str) -> str:
    """An entry name from the file, safe to put in a sentence (printable, at most 80 characters)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)
    return clean if len(clean) <= 80 else clean[:77] + "..."


# ----------------------------------------------------------------------------------------------- images

def _tail(fh: BinaryIO, size: int, length: int = 4096) -> bytes:
    """The file's last bytes, trailing zero padding removed (some writers pad to a block, up to 4 KiB here)."""
    fh.seek(max(0, size - length))
    return fh.read(length).rstrip(b"\x00")


def _check_png(fh: BinaryIO, size: int, head: bytes) -> None:
    ihdr = head[8:33]
    if (len(ihdr) < 25 or ihdr[:8] != b"\x00\x00\x00\x0dIHDR"
            or zlib.crc32(ihdr[4:21]) != struct.unpack(">I", ihdr[21:25])[0]
            or 0 in struct.unpack(">II", ihdr[8:16])):
        raise _malformed("Ảnh PNG bị hỏng: thiếu phần đầu IHDR hợp lệ.", "The PNG has no valid IHDR chunk.")
    if not _tail(fh, size).endswith(b"IEND\xaeB`\x82"):
        raise _malformed("Ảnh PNG bị cắt cụt hoặc có dữ liệu lạ sau phần kết thúc (IEND).",
                         "The PNG is truncated or has data after its IEND chunk.")


def _check_jpeg(fh: BinaryIO, size: int, head: bytes) -> None:
    if len(head) < 4 or head[3] < 0xC0 or head[3] == 0xFF:
        raise _malformed("Ảnh JPEG bị hỏng: phần đầu không hợp lệ.", "The JPEG's first marker is invalid.")
    if not _tail(fh, size).endswith(b"\xff\xd9"):
        raise _malformed("Ảnh JPEG bị cắt cụt hoặc có dữ liệu lạ sau phần kết thúc (EOI).",
                         "The JPEG is truncated or has data after its EOI marker.")


def _check_tiff(fh: BinaryIO, size: int, head: bytes) -> None:
    order = "<" if head.startswith(b"II") else ">"
    offset = struct.unpack(order + "I", head[4:8])[0] if len(head) >= 8 else 0
    count = 0
    if offset >= 8 and offset + 2 <= size:
        fh.seek(offset)
        (count,) = struct.unpack(order + "H", fh.read(2))
    if count == 0 or offset + 2 + 12 * count + 4 > size:
        raise _malformed("Ảnh TIFF bị hỏng hoặc bị cắt cụt (thư mục ảnh IFD không hợp lệ).",
                         "The TIFF is truncated or its first IFD is invalid.")


def _check_webp(fh: BinaryIO, size: int, head: bytes) -> None:
    (riff_size,) = struct.unpack("<I", head[4:8])
    if len(head) < 16 or head[12:15] != b"VP8" or head[15:16] not in (b" ", b"L", b"X"):
        raise _malformed("Ảnh WebP bị hỏng: phần đầu không hợp lệ.", "The WebP has no valid VP8 chunk.")
    if not 0 <= size - (riff_size + 8) <= 1:
        raise _malformed("Ảnh WebP bị cắt cụt hoặc có dữ liệu lạ sau phần kết thúc.",
                         "The WebP is truncated or has data after its RIFF container.")


_IMAGE_CHECKS = {"png": _check_png, "jpeg": _check_jpeg, "tiff": _check_tiff, "webp": _check_webp}


# -------------------------------------------------------------------------------------------------- zip

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": "ppsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "dotx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xltx",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": "potx",
}
_OOXML_MACRO_TYPES = ("macroenabled", "vbaproject", "macrosheet")
_OOXML_MACRO_PARTS = {"vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"}
_ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt",
              "application/vnd.oasis.opendocument.spreadsheet": "ods"}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
#: What :mod:`zipfile` raises on a hostile archive (a "zip file version 12.4" is a NotImplementedError).
_ZIP_ERRORS = (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, NotImplementedError, RuntimeError,
               zlib.error)


def _bad_zip() -> FileRefused:
    return _malformed("Tệp nén (ZIP) của tài liệu bị hỏng: không đọc được mục lục.",
                      "The ZIP container is broken: its central directory cannot be read.")


def _central_directory(fh: BinaryIO, size: int) -> tuple[int, int]:
    """Where the central directory starts and how long it is, from the end record (ZIP64 too)."""
    tail_length = min(size, _EOCD.size + 0xFFFF)
    fh.seek(size - tail_length)
    tail = fh.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise _bad_zip()
    fields = _EOCD.unpack_from(tail, at)
    end, length = size - tail_length + at, fields[5]
    if fields[4] == 0xFFFF or fields[5] == 0xFFFFFFFF or fields[6] == 0xFFFFFFFF:
        locator_at = end - _ZIP64_LOCATOR.size
        if locator_at - _ZIP64_EOCD.size < 0:
            raise _bad_zip()
        fh.seek(locator_at)
        if _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))[0] != b"PK\x06\x07":
            raise _bad_zip()
        end = locator_at - _ZIP64_EOCD.size
        fh.seek(end)
        record = _ZIP64_EOCD.unpack(fh.read(_ZIP64_EOCD.size))
        if record[0] != b"PK\x06\x06":
            raise _bad_zip()
        length = record[8]
    if end - length < 0:
        raise _bad_zip()
    return end - length, length


def _count_entries(fh: BinaryIO, size: int) -> int:
    """Count central-directory records header by header (stopping past the limit), before zipfile reads them."""
    start, length = _central_directory(fh, size)
    if length > ZIP_MAX_DIRECTORY:
        raise _malformed("Mục lục của tệp nén (ZIP) lớn bất thường.", "The ZIP central directory is abnormally large.")
    position, end, count = start, start + length, 0
    while position + _CENTRAL_HEADER.size <= end and count <= ZIP_MAX_ENTRIES:
        fh.seek(position)
        record = _CENTRAL_HEADER.unpack(fh.read(_CENTRAL_HEADER.size))
        if record[0] != b"PK\x01\x02":
            break
        count += 1
        position += _CENTRAL_HEADER.size + record[12] + record[13] + record[14]  # name, extra, comment
    return count


def _nested(vi: str, en: str) -> FileRefused:
    return FileRefused("file_nested_archive", vi, detail_en=en)


def _too_many_entries() -> FileRefused:
    limit = f"{ZIP_MAX_ENTRIES:,}".replace(",", ".")  # Vietnamese thousands separator
    return _nested(f"Tệp nén có quá nhiều thành phần (hơn {limit}).", f"The ZIP has more than {ZIP_MAX_ENTRIES} entries.")


def _open_zip(fh: BinaryIO, size: int) -> zipfile.ZipFile:
    """Count the entries first (zipfile would build every one of them), then let zipfile read the directory."""
    if _count_entries(fh, size) > ZIP_MAX_ENTRIES:
        raise _too_many_entries()
    try:
        return zipfile.ZipFile(fh)
    except _ZIP_ERRORS as exc:
        raise _bad_zip() from exc


def _checked_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The entries, after the checks that need only the central directory: bombs, encryption, structure."""
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise _too_many_entries()
    total = sum(info.file_size for info in infos)
    if total > ZIP_MAX_TOTAL_SIZE:
        raise _nested(f"Tệp nén giải nén ra {total // MiB} MiB, vượt giới hạn {ZIP_MAX_TOTAL_SIZE // MiB} MiB "
                      "(nghi là “bom nén”).", f"The ZIP declares {total} bytes uncompressed (a zip bomb?).")
    names: set[str] = set()
    for info in infos:
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * info.compress_size:
            raise _nested(f"Thành phần “{_shown(info.filename)}” có tỉ lệ nén bất thường (nghi là “bom nén”).",
                          f"Entry {info.filename!r} is compressed more than {ZIP_MAX_RATIO}:1 (a zip bomb?).")
        if info.flag_bits & 0x1:
            raise FileRefused("file_encrypted", f"Thành phần “{_shown(info.filename)}” của tệp được đặt mật khẩu; "
                              "hãy lưu lại tài liệu không đặt mật khẩu rồi nộp lại.",
                              detail_en=f"ZIP entry {info.filename!r} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _malformed(f"Thành phần “{_shown(info.filename)}” dùng phương thức nén không được hỗ trợ.",
                             f"Entry {info.filename!r} uses compression method {info.compress_type}.")
        folded = info.filename.casefold()
        if folded in names:
            raise _malformed(f"Tệp nén có hai thành phần cùng tên “{_shown(info.filename)}”.",
                             f"The ZIP has two entries named {info.filename!r}.")
        names.add(folded)
    return infos


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of an entry (decompressed piece by piece, never whole)."""
    try:
        with archive.open(info) as entry:
            return entry.read(limit)
    except _ZIP_ERRORS as exc:
        raise _malformed(f"Không đọc được thành phần “{_shown(info.filename)}” của tệp nén.",
                         f"ZIP entry {info.filename!r} cannot be read.") from exc


def _read_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Element:
    """Parse a small XML part from an untrusted file: size-capped, no DTD, no entities."""
    def bad() -> FileRefused:
        return _malformed(f"Phần “{_shown(info.filename)}” của tài liệu không phải XML hợp lệ hoặc quá lớn.",
                          f"Part {info.filename!r} is not acceptable XML (too large, a DOCTYPE, or broken).")
    if info.file_size > XML_PART_MAX:
        raise bad()
    data = _read_entry(archive, info, XML_PART_MAX + 1)
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise bad() from exc


def _inspect_zip(fh: BinaryIO, size: int, allowed: Collection[str], *, embedded: bool = False) -> Inspection:
    with _open_zip(fh, size) as archive:
        infos = _checked_entries(archive)
        kind = _zip_kind(archive, infos)
        _check_allowed(kind, allowed)
        _refuse_nested(archive, infos, embedded=embedded)
    return Inspection(kind, CONTENT_TYPES[kind], False)


#: An Office document embedded in another (a chart's workbook) is inspected when at most this big.
EMBEDDED_DOCUMENT_MAX = 20 * MiB


def _embedded_document(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Is this entry an Office document embedded in the document, acceptable by the same rules?

    Why: Word keeps a native chart's data as ``word/embeddings/*.xlsx`` (PowerPoint and Excel likewise), so
    refusing every nested ZIP would refuse every report with a chart. Such an entry — under ``embeddings/``,
    at most :data:`EMBEDDED_DOCUMENT_MAX` — is copied out in chunks and inspected as a DOCX/XLSX itself
    (macros, encryption, programs refused), one level deep: anything nested inside it is refused.
    """
    if "/embeddings/" not in f"/{info.filename.casefold()}" or info.file_size > EMBEDDED_DOCUMENT_MAX:
        return False
    with tempfile.TemporaryFile() as copy:
        try:
            with archive.open(info) as entry:
                while chunk := entry.read(1 << 16):
                    copy.write(chunk)
        except _ZIP_ERRORS as exc:
            raise _malformed(f"Không đọc được thành phần “{_shown(info.filename)}” của tệp nén.",
                             f"ZIP entry {info.filename!r} cannot be read.") from exc
        size = copy.tell()
        copy.seek(0)
        try:
            _inspect_zip(copy, size, ("docx", "xlsx"), embedded=True)
        except FileRefused as exc:
            if exc.code in ("type_unknown", "type_not_allowed", "file_malformed"):
                return False  # not an Office document of ours: the caller refuses it as a nested archive
            raise
    return True


def _zip_kind(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    """DOCX, XLSX, ODT or ODS — after refusing macros and encryption; ``type_unknown`` for other ZIPs."""
    by_name = {info.filename.casefold(): info for info in infos}
    if infos and infos[0].filename == "mimetype":
        return _odf_kind(archive, infos[0], by_name)
    content_types = by_name.get("[content_types].xml")
    if content_types is not None:
        return _ooxml_kind(archive, content_types, by_name)
    if "_rels/.rels" in by_name or any(name.startswith(("word/", "xl/", "ppt/")) for name in by_name):
        raise _malformed("Tài liệu Office bị hỏng: thiếu phần [Content_Types].xml.",
                         "The Office document has no [Content_Types].xml part.")
    raise _unknown(b"PK\x03\x04")


def _refuse_macros(vi_what: str) -> FileRefused:
    return FileRefused("file_macro_enabled", f"Tài liệu chứa macro ({vi_what}); hãy lưu lại dưới dạng tài liệu "
                       "không có macro (DOCX/XLSX/ODT/ODS) rồi nộp lại.",
                       detail_en=f"The document contains macros ({vi_what}).")


def _ooxml_kind(archive: zipfile.ZipFile, content_types: zipfile.ZipInfo, by_name: dict[str, zipfile.ZipInfo]) -> str:
    for name in by_name:
        if name.rsplit("/", 1)[-1] in _OOXML_MACRO_PARTS:
            raise _refuse_macros(_shown(name))
    root = _read_xml(archive, content_types)
    if root.tag != _CT_NS + "Types":
        raise _malformed("Phần [Content_Types].xml của tài liệu Office không hợp lệ.",
                         "[Content_Types].xml is not an OPC content-types part.")
    mains: dict[str, str] = {}
    for element in root:
        content_type = (element.get("ContentType") or "").split(";")[0].strip().lower()
        if any(marker in content_type for marker in _OOXML_MACRO_TYPES):
            raise _refuse_macros(_shown(content_type))
        if element.tag == _CT_NS + "Override" and content_type in _OOXML_MAIN:
            mains[(element.get("PartName") or "").lstrip("/").casefold()] = _OOXML_MAIN[content_type]
    kinds = set(mains.values())
    if len(kinds) > 1 or any(part not in by_name for part in mains):
        raise _malformed("Tài liệu Office không đúng cấu trúc (phần chính thiếu hoặc không rõ loại).",
                         "The Office document's main part is missing or ambiguous.")
    if not kinds:
        raise FileRefused("type_unknown", "Tệp là gói Office/ZIP không rõ loại tài liệu.", 415,
                          detail_en="An OPC/ZIP package that is neither DOCX nor XLSX.")
    (kind,) = kinds
    if kind not in KNOWN_KINDS:
        raise FileRefused("type_unknown", f"Tài liệu Office loại {_label(kind)} không được hỗ trợ; hãy nộp bản "
                          "PDF, DOCX hoặc XLSX.", 415, detail_en=f"{_label(kind)} documents are not supported.")
    return kind


def _odf_kind(archive: zipfile.ZipFile, mimetype: zipfile.ZipInfo, by_name: dict[str, zipfile.ZipInfo]) -> str:
    def bad() -> FileRefused:
        return _malformed("Tài liệu OpenDocument không đúng cấu trúc.", "The OpenDocument package is malformed.")
    if mimetype.compress_type != zipfile.ZIP_STORED or mimetype.file_size > 100:
        raise bad()
    declared = _read_entry(archive, mimetype, 101).decode("ascii", "replace")
    kind = _ODF_TYPES.get(declared)
    if kind is None:
        if declared.startswith("application/vnd.oasis.opendocument."):
            raise FileRefused("type_unknown", "Tài liệu OpenDocument loại này không được hỗ trợ; hãy nộp bản PDF, "
                              "ODT hoặc ODS.", 415, detail_en=f"OpenDocument type {declared!r} is not supported.")
        raise _unknown(b"PK\x03\x04")
    for name in by_name:
        if name.startswith(("basic/", "scripts/")):
            raise _refuse_macros(_shown(name))
    manifest = by_name.get("meta-inf/manifest.xml")
    if manifest is None:
        raise bad()
    if any(element.tag.endswith("}encryption-data") for element in _read_xml(archive, manifest).iter()):
        raise FileRefused("file_encrypted", "Tài liệu OpenDocument được đặt mật khẩu; hãy lưu lại không đặt mật "
                          "khẩu rồi nộp lại.", detail_en="The OpenDocument file is password-protected.")
    return kind


def _refuse_nested(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, embedded: bool = False) -> None:
    """Look at the first bytes of every entry: an archive, an OLE object or a program inside is refused
    (an embedded Office document, one level deep, is inspected instead: :func:`_embedded_document`)."""
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        head = _read_entry(archive, info, _ENTRY_PEEK)
        what = _archive(head)
        if what is not None and head.startswith(b"PK\x03\x04") and not embedded and _embedded_document(archive, info):
            continue
        if what is not None:
            raise _nested(f"Tài liệu chứa {what} bên trong (“{_shown(info.filename)}”); không nhận tài liệu có tệp "
                          "nén hoặc đối tượng nhúng.", f"Entry {info.filename!r} is itself an archive or OLE object.")
        if _embedded_program(head):
            raise FileRefused("file_executable", f"Tài liệu chứa chương trình bên trong (“{_shown(info.filename)}”).",
                              detail_en=f"Entry {info.filename!r} is a program.")


def _embedded_program(head: bytes) -> bool:
    """A PE (MZ with its PE header), ELF or Mach-O inside a document (2-byte "MZ" alone is too weak there)."""
    if head.startswith(b"MZ") and len(head) >= 0x40:
        (pe_at,) = struct.unpack("<I", head[0x3C:0x40])
        return head[pe_at:pe_at + 4] == b"PE\x00\x00"
    return head.startswith((b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                            b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"))


# -------------------------------------------------------------------------------------------------- pdf

def _inspect_pdf(fh: BinaryIO) -> bool:
    """Parse with pyHanko (non-strict, its default limits for untrusted input); return whether it is signed."""
    fh.seek(0)
    try:
        reader = PdfFileReader(fh, strict=False)
        encrypted = _pdf_encrypted(reader)
    except Exception as exc:  # any failure of the parser on this file is the file's fault
        raise _bad_pdf() from exc
    if encrypted:
        raise FileRefused("file_encrypted", "Tệp PDF được đặt mật khẩu hoặc mã hóa; hãy lưu lại bản không mã hóa "
                          "rồi nộp lại.", detail_en="The PDF is encrypted (/Encrypt); save it without a password.")
    try:
        found = _PdfWalk(reader).active_content()
        signed = found is None and next(enumerate_sig_fields(reader, filled_status=True), None) is not None
    except FileRefused:
        raise
    except Exception as exc:
        raise _bad_pdf() from exc
    if found is not None:
        raise FileRefused("file_active_content", f"Tệp PDF chứa nội dung tự thực thi ({found}); cơ quan nhà nước "
                          "không tiếp nhận PDF có thể chạy mã hoặc mang tệp đính kèm. Hãy in lại ra PDF (Print to "
                          "PDF) rồi nộp.", detail_en=f"The PDF has active content ({found}).")
    return signed


def _bad_pdf() -> FileRefused:
    return _malformed("Tệp PDF bị hỏng hoặc không đúng cấu trúc, không đọc được.",
                      "The PDF cannot be parsed (truncated, no xref/trailer, or corrupt).")


def _pdf_encrypted(reader: PdfFileReader) -> bool:
    """pyHanko's ``encrypted``; an /Encrypt it cannot even interpret still means encrypted."""
    try:
        return bool(reader.encrypted)
    except Exception:
        return "/Encrypt" in reader.trailer


_ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "lệnh mở chương trình /Launch"}
_ACTIVE_ANNOTATIONS = {"/FileAttachment": "tệp đính kèm", "/RichMedia": "nội dung đa phương tiện /RichMedia"}


class _PdfWalk:
    """A walk of the parts of the object tree where a PDF can carry active content, within the budget."""

    def __init__(self, reader: PdfFileReader) -> None:
        self.reader = reader
        self.objects = 0
        self.deadline = time.monotonic() + PDF_MAX_SECONDS
        self.seen: set[tuple[int, int]] = set()

    def resolve(self, obj: object) -> object:
        """Dereference, counting against the budget (a file over it is refused, never let through)."""
        while isinstance(obj, generic.IndirectObject):
            self.objects += 1
            if self.objects > PDF_MAX_OBJECTS or time.monotonic() > self.deadline:
                raise _malformed("Tệp PDF quá phức tạp để kiểm tra an toàn.",
                                 "The PDF is too complex to inspect within the limits.")
            obj = obj.get_object()
        return obj

    def first_time(self, obj: object) -> bool:
        """False for an indirect object already walked (trees in hostile files may have cycles)."""
        if not isinstance(obj, generic.IndirectObject):
            return True
        key = (obj.idnum, obj.generation)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def get(self, obj: object, key: str) -> object:
        """``obj[key]`` resolved, or None (for a non-dictionary too)."""
        return self.resolve(dict.get(obj, key)) if isinstance(obj, generic.DictionaryObject) else None

    def name(self, obj: object, key: str) -> str | None:
        """``obj[key]`` if it is a name (``/JavaScript``), else None."""
        value = self.get(obj, key)
        return str(value) if isinstance(value, generic.NameObject) else None

    def items(self, obj: object) -> Iterator[object]:
        """The raw (unresolved) items of an array, or nothing."""
        resolved = self.resolve(obj)
        return iter(list.__iter__(resolved)) if isinstance(resolved, generic.ArrayObject) else iter(())

    def action(self, raw: object) -> str | None:
        """What an action (and the ``/Next`` actions it chains) runs, if anything active."""
        stack = [raw]
        while stack:
            current = stack.pop()
            if not self.first_time(current):
                continue
            act = self.resolve(current)
            if not isinstance(act, generic.DictionaryObject):
                continue
            kind = self.name(act, "/S")
            if kind in _ACTIVE_ACTIONS:
                return _ACTIVE_ACTIONS[kind]
            if "/JS" in act:
                return "JavaScript"
            following = dict.get(act, "/Next")
            chained = self.resolve(following)
            if isinstance(chained, generic.ArrayObject):
                stack.extend(list.__iter__(chained))
            elif following is not None:
                stack.append(following)
        return None

    def additional_actions(self, holder: object) -> str | None:
        """The first active action among a dictionary's ``/A`` and ``/AA`` (trigger → action) entries."""
        if not isinstance(holder, generic.DictionaryObject):
            return None
        found = self.action(dict.get(holder, "/A")) if "/A" in holder else None
        triggers = self.get(holder, "/AA")
        if found is None and isinstance(triggers, generic.DictionaryObject):
            found = next(filter(None, (self.action(dict.get(triggers, key)) for key in list(triggers))), None)
        return found

    def active_content(self) -> str | None:
        """The first active content found (a short Vietnamese name), or None."""
        root = self.resolve(self.reader.trailer.raw_get("/Root"))
        if not isinstance(root, generic.DictionaryObject):
            raise _malformed("Tệp PDF không có danh mục tài liệu (/Root).", "The PDF has no document catalog.")
        names = self.get(root, "/Names")
        if isinstance(names, generic.DictionaryObject):
            if "/JavaScript" in names:
                return "JavaScript"
            if "/EmbeddedFiles" in names:
                return "tệp đính kèm /EmbeddedFiles"
        opening = self.get(root, "/OpenAction")
        found = self.action(dict.get(root, "/OpenAction")) if isinstance(opening, generic.DictionaryObject) else None
        return (found or self.additional_actions(root) or self._form(root) or self._pages(root)
                or self._outlines(root))

    def _form(self, root: generic.DictionaryObject) -> str | None:
        form = self.get(root, "/AcroForm")
        if not isinstance(form, generic.DictionaryObject):
            return None
        if "/XFA" in form:
            return "biểu mẫu XFA"
        stack = list(self.items(dict.get(form, "/Fields")))
        while stack:
            raw = stack.pop()
            if not self.first_time(raw):
                # pyHanko enumerates fields along every path: a shared node would make that exponential
                raise _malformed("Tệp PDF có cây trường biểu mẫu bị lặp.", "The PDF's form field tree has a cycle.")
            field = self.resolve(raw)
            found = self.additional_actions(field)
            if found:
                return found
            if isinstance(field, generic.DictionaryObject):
                stack.extend(self.items(dict.get(field, "/Kids")))
        return None

    def _pages(self, root: generic.DictionaryObject) -> str | None:
        stack = [dict.get(root, "/Pages")]
        while stack:
            raw = stack.pop()
            if not self.first_time(raw):
                continue
            node = self.resolve(raw)
            if not isinstance(node, generic.DictionaryObject):
                continue
            if "/Kids" in node:
                stack.extend(self.items(dict.get(node, "/Kids")))
                continue
            found = self.additional_actions(node)
            for annotation_raw in self.items(dict.get(node, "/Annots")):
                if found or not self.first_time(annotation_raw):
                    continue
                annotation = self.resolve(annotation_raw)
                subtype = self.name(annotation, "/Subtype")
                found = _ACTIVE_ANNOTATIONS.get(subtype or "") or self.additional_actions(annotation)
            if found:
                return found
        return None

    def _outlines(self, root: generic.DictionaryObject) -> str | None:
        outlines = self.get(root, "/Outlines")
        stack = [dict.get(outlines, "/First")] if isinstance(outlines, generic.DictionaryObject) else []
        while stack:
            raw = stack.pop()
            if raw is None or not self.first_time(raw):
                continue
            item = self.resolve(raw)
            if not isinstance(item, generic.DictionaryObject):
                continue
            found = self.additional_actions(item)
            if found:
                return found
            stack.extend([dict.get(item, "/Next"), dict.get(item, "/First")])
        return None
