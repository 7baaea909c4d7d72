"""Throw-away PKI and PDFs for signature tests: everything is generated in memory, nothing is committed.

Keys are EC P-256 (fast to generate, so every test can have its own CA); certificates are built with
``cryptography`` and handed to pyHanko as ``asn1crypto`` objects. PDFs are written by hand (classic xref
table, no random /ID, no dates) so that an unsigned document is byte-for-byte reproducible; signing adds
pyHanko's own incremental update on top.

Import as ``from tests.documents import pki`` (``tests`` is a namespace package, ``tests/documents`` a
regular one; that works under ``--import-mode=importlib`` because pytest runs from the project root).
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

with warnings.catch_warnings():
    # pyHanko 0.38 imports cryptography's DSAPrivateKey at module level and cryptography 51 warns on that
    # import (filterwarnings = error would turn it into an ImportError). No DSA is used; only that message.
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = ["CA", "Signer", "append_change", "ca_pem", "fingerprint", "issue_signer", "issue_tsa", "make_ca", "make_pdf",
           "sign_pdf", "tamper"]

_serials = iter(range(0x1000, 1 << 62))
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class CA:
    """A certification authority: its (self-signed) certificate and key."""
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Signer:
    """An end-entity certificate with its key, and the CA that issued it."""
    cert: x509.Certificate
    key: PrivateKey
    ca: CA


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Motcua Flow – thử nghiệm"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("certificate validity needs a tz-aware datetime")
    return moment.astimezone(timezone.utc)


def make_ca(common_name: str = "Tổ chức chứng thực thử nghiệm", *, not_before: datetime,
            not_after: datetime) -> CA:
    """A self-signed root CA (basicConstraints cA=true, keyCertSign + cRLSign)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(next(_serials))
        .not_valid_before(_utc(not_before)).not_valid_after(_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return CA(cert=cert, key=key)


def _issue(ca: CA, common_name: str, not_before: datetime, not_after: datetime, *, tsa: bool) -> Signer:
    # pyHanko's in-process DummyTimeStamper signs with RSA only; everything else uses fast EC P-256 keys
    key: PrivateKey = rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name)).issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(next(_serials))
        .not_valid_before(_utc(not_before)).not_valid_after(_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not tsa, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if tsa:  # RFC 3161 §2.3: the TSA certificate carries exactly this EKU, critical
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return Signer(cert=builder.sign(ca.key, hashes.SHA256()), key=key, ca=ca)


def issue_signer(ca: CA, common_name: str = "Nguyễn Văn A", *, not_before: datetime,
                 not_after: datetime) -> Signer:
    """A signer's certificate (digitalSignature + nonRepudiation) issued by ``ca``."""
    return _issue(ca, common_name, not_before, not_after, tsa=False)


def issue_tsa(ca: CA, common_name: str = "Máy chủ cấp dấu thời gian thử nghiệm", *, not_before: datetime,
              not_after: datetime) -> Signer:
    """A time-stamping authority certificate (EKU timeStamping, RSA key) issued by ``ca``, for
    ``sign_pdf(timestamp_by=...)``."""
    return _issue(ca, common_name, not_before, not_after, tsa=True)


def ca_pem(ca: CA) -> bytes:
    """The CA certificate, PEM-encoded (what an agency uploads as a trust anchor)."""
    return ca.cert.public_bytes(serialization.Encoding.PEM)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: PrivateKey) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


# --------------------------------------------------------------------------------------------- PDF


def _ascii(text: str) -> str:
    """The base-14 Helvetica only knows WinAnsi: draw "Quyết định" as "Quyet dinh" (the /Title keeps accents)."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if ord(c) < 128 and not unicodedata.combining(c))


def _pdf_literal(text: str) -> bytes:
    return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(text: str = "Quyết định", pages: int = 1) -> bytes:
    """A small valid unsigned PDF, one line of text per page; deterministic (no /ID, no dates)."""
    if pages < 1:
        raise ValueError("a PDF needs at least one page")
    objects: list[bytes] = []  # objects[i] is object number i + 1
    title = "\ufeff" + text
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages)).encode()
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i in range(pages):
        content = b"BT /F1 24 Tf 72 720 Td " + _pdf_literal(f"{_ascii(text)} - trang {i + 1}") + b" Tj ET\n"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents " + str(5 + 2 * i).encode() + b" 0 R >>")
        objects.append(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"endstream")
    objects.append(b"<< /Title <" + title.encode("utf-16-be").hex().upper().encode() + b"> >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref_at = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
              f"startxref\n{xref_at}\n%%EOF\n".encode())
    return out.getvalue()


class _FixedTimePdfSigner(signers.PdfSigner):
    """pyHanko takes the signing time from the system clock; tests need to choose it."""

    def __init__(self, *args, signing_time: datetime | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):  # type: ignore[override]
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        if self._signing_time is not None:
            session.system_time = self._signing_time
        return session


def sign_pdf(pdf: bytes, signer: Signer, *, field: str = "Sig1", signing_time: datetime | None = None,
             timestamp_by: Signer | None = None, timestamp_at: datetime | None = None) -> bytes:
    """Sign ``pdf`` as an incremental update (PAdES baseline B, invisible field ``field``).

    ``signing_time`` becomes the signer-reported time (/M; PAdES forbids the CMS signingTime attribute).
    ``timestamp_by`` (a TSA from :func:`issue_tsa`) adds a signature timestamp token dated ``timestamp_at``
    (PAdES B-T) from pyHanko's in-process dummy TSA — no network.
    """
    simple = signers.SimpleSigner(
        signing_cert=_asn1_cert(signer.cert), signing_key=_asn1_key(signer.key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(signer.ca.cert)]),
    )
    timestamper = None
    if timestamp_by is not None:
        timestamper = DummyTimeStamper(
            tsa_cert=_asn1_cert(timestamp_by.cert), tsa_key=_asn1_key(timestamp_by.key),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(timestamp_by.ca.cert)]),
            fixed_dt=timestamp_at,
        )
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256")
    pdf_signer = _FixedTimePdfSigner(meta, simple, timestamper=timestamper, signing_time=signing_time)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return pdf_signer.sign_pdf(writer).getvalue()


def append_change(signed_pdf: bytes) -> bytes:
    """An incremental update after signing that draws new text on page 1: signature intact, document modified."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    content = b"BT /F1 18 Tf 72 680 Td (Da sua sau khi ky) Tj ET\n"
    stream = writer.add_object(generic.StreamObject(stream_data=content))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def tamper(signed_pdf: bytes) -> bytes:
    """Change one letter of the page text inside the first signature's signed byte range (same length, still
    parseable), so that the byte-range digest no longer matches."""
    match = _BYTE_RANGE.search(signed_pdf)
    if match is None:
        raise ValueError("not a signed PDF: no /ByteRange")
    first_len = int(match.group(2))
    at = signed_pdf.find(b" Tj ET")
    if not 0 < at < first_len:
        raise ValueError("no page text inside the signed range")
    position = at - 2  # the last letter of the drawn string, before ')'
    data = bytearray(signed_pdf)
    data[position] = ord("X") if data[position] != ord("X") else ord("Y")
    return bytes(data)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lowercase hex (as ``Anchor.fingerprint_sha256``)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
