"""Checking the digital signatures (chữ ký số) of an uploaded PDF against the CAs an agency trusts.

The cryptography is pyHanko's: this module only reads the PDF, asks
``pyhanko.sign.validation.async_validate_pdf_signature`` about each signature and translates its
``PdfSignatureStatus`` into a :class:`SignatureReport` a clerk can read. It holds no state, touches neither
Flask nor the database, and never reads the clock: the validation moment ``at`` is an argument, so a result
can be reproduced later ("was it valid when the dossier was received?").

Choices worth knowing:

* **Trust** comes only from the ``anchors`` passed in (the agency's configured CA certificates). An empty
  list means nothing is trusted — pyHanko's fallback to the operating system's TLS roots is never used.
  Intermediate CAs are taken from the certificates embedded in the signature itself. An anchor counts only
  within its own validity period: RFC 5280 leaves a trust anchor's dates out of band and
  pyhanko-certvalidator ignores them by default, so they are passed explicitly as ``TrustQualifiers``
  (an anchor expired at ``at`` anchors nothing; pyHanko then says ``CERTIFICATE_CHAIN_GENERAL_FAILURE``).
* **Offline.** ``allow_fetching=False`` and revocation mode ``soft-fail``: CRL and OCSP responses are never
  fetched, and their absence does not fail a signature: revocation is in effect not checked (revocation
  data embedded in the PDF's DSS is not consulted either). Withdrawing trust means removing the anchor.
* **Validation time.** The certificate chain is judged at ``at`` (``moment=at``, and ``best_signature_time``
  is ``at`` too): the signer-reported time is self-asserted and cannot serve as proof of existence, so a
  certificate that has expired by ``at`` makes the signature ``untrusted`` even if it was valid when the
  signer says they signed. Pass the reception time as ``at`` to ask "was it valid when received?". pyHanko
  reports this as ``AdESIndeterminate.OUT_OF_BOUNDS_NO_POE`` (signer certificate) or
  ``CERTIFICATE_CHAIN_GENERAL_FAILURE`` (an expired CA); both become ``untrusted``. (pyHanko's AdES
  past-signature validation with proofs of existence is not used.)
* **Key usage.** The signer's certificate must allow ``digitalSignature`` or ``nonRepudiation`` (one
  suffices; pyHanko's default would demand ``nonRepudiation``, which some CA profiles omit).
* **Signing time.** PAdES signatures carry no CMS ``signingTime`` attribute (the standard forbids it); the
  signer's claim is the ``/M`` entry of the signature dictionary, which lies inside the signed bytes.
  pyHanko reads either; a date without a UTC offset is taken as UTC. A signature timestamp token (RFC 3161)
  whose TSA chains to an anchor wins over the claim (``time_source="timestamp"``); an untrusted but
  intact token is ignored, a broken one makes the signature ``invalid``.
* **Tampering.** When the signed bytes were altered pyHanko says ``intact=False`` (its own summary is
  ``INVALID``) and never ``trusted``; the report says ``status="invalid"`` with ``modified_after_signing``.
* **Status precedence:** ``invalid`` > ``modified`` > ``untrusted`` > ``valid``.
* Only approval/certification signatures (``/Sig``) are reported; document timestamps (``/DocTimeStamp``)
  are not somebody's signature and are skipped (pyHanko's diff analysis accepts them as LTA updates).
* The PDF is read in pyHanko's strict mode (hybrid-reference files, a known way to show different content
  to different readers, are refused per signature) with its default decoding limits for untrusted input.
* ``verify_pdf`` runs its own event loop (``asyncio.run``): call it from ordinary synchronous code.
"""
from __future__ import annotations

import asyncio
import contextlib
import pathlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    # pyHanko 0.38 imports cryptography's DSAPrivateKey at module level and cryptography 51 warns on that
    # import ("DSA is deprecated"); under the test suite's filterwarnings = error it would become an
    # ImportError. Only that message is silenced, only while importing.
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import (
        EmbeddedPdfSignature,
        PdfSignatureStatus,
        SignatureCoverageLevel,
        SignatureStatus,
    )
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.authority import CertTrustAnchor, TrustQualifiers

__all__ = ["Anchor", "AnchorRefused", "SignatureCheckFailed", "SignatureReport", "parse_anchor", "verify_pdf"]


# ------------------------------------------------------------------------------------------ anchors


@dataclass(frozen=True)
class Anchor:
    """A CA certificate an agency trusts, with what a settings page shows about it."""
    subject: str  # RFC 4514, accents kept
    fingerprint_sha256: str  # lowercase hex of SHA-256(DER)
    not_before: datetime  # tz-aware UTC
    not_after: datetime  # tz-aware UTC
    pem: bytes  # the certificate re-encoded as a single PEM block


class AnchorRefused(Exception):
    """An uploaded trust anchor was refused; ``code`` is for programs, ``detail`` (Vietnamese) for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


_PEM_BEGIN = b"-----BEGIN "
_INVALID = "Tệp không phải là một chứng thư số X.509 hợp lệ (định dạng PEM hoặc DER)."
_SEVERAL = "Tệp chứa nhiều hơn một chứng thư số hoặc dữ liệu khác; hãy nạp từng chứng thư của tổ chức chứng thực."
_NOT_CA = "Chứng thư số này không phải của tổ chức chứng thực (CA) nên không dùng làm gốc tin cậy được."


def parse_anchor(pem_or_der: bytes) -> Anchor:
    """Accept one X.509 CA certificate (PEM or DER); refuse garbage, several certs, a non-CA certificate
    (basicConstraints cA false/absent, or a keyUsage without keyCertSign) with
    AnchorRefused(code='anchor_invalid' | 'anchor_not_ca').

    A PEM file must hold exactly one block, a CERTIFICATE: a bundle or a stray private key is refused rather
    than silently trusting (or storing) more than the agency meant to.
    """
    data = bytes(pem_or_der)
    try:
        if _PEM_BEGIN in data:  # text around the block (e.g. `openssl x509 -text` output) is tolerated
            if data.count(_PEM_BEGIN) != 1:
                raise AnchorRefused("anchor_invalid", _SEVERAL)
            certs = x509.load_pem_x509_certificates(data)
            if len(certs) != 1:
                raise AnchorRefused("anchor_invalid", _SEVERAL if certs else _INVALID)
            cert = certs[0]
        else:
            cert = x509.load_der_x509_certificate(data)  # refuses trailing bytes, hence a second DER cert
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except AnchorRefused:
        raise
    except x509.ExtensionNotFound:
        raise AnchorRefused("anchor_not_ca", _NOT_CA) from None
    except ValueError:  # not a certificate, or a malformed extension
        raise AnchorRefused("anchor_invalid", _INVALID) from None
    if not constraints.ca:
        raise AnchorRefused("anchor_not_ca", _NOT_CA)
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if key_usage is not None and not key_usage.key_cert_sign:
        raise AnchorRefused("anchor_not_ca", _NOT_CA)
    return Anchor(
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=cert.public_bytes(serialization.Encoding.PEM),
    )


# ----------------------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class SignatureReport:
    """What one signature of a PDF says, judged at the validation moment."""
    field: str
    signer: str | None  # subject CN, or the whole RFC 4514 subject when there is no CN
    signer_subject: str | None
    signer_serial: str | None  # lowercase hex
    signing_time: datetime | None  # UTC
    time_source: str | None  # "signer" | "timestamp" | None
    intact: bool
    valid: bool
    covers_whole_file: bool
    modified_after_signing: bool
    trusted: bool
    status: str  # "valid" | "untrusted" | "modified" | "invalid"
    reason: str | None  # Vietnamese, when status != "valid"


class SignatureCheckFailed(Exception):
    """The file could not be read as a PDF at all (as opposed to a PDF with a bad signature)."""

    code = "pdf_unreadable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


#: One usage is enough: CA profiles differ on which of the two they set for signing certificates.
_SIGNER_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                        match_all_key_usages=False)

_REASON_BROKEN = "Chữ ký bị hỏng hoặc không đúng định dạng nên không xác minh được."
_REASON_NOT_VALID = "Chữ ký không hợp lệ về mặt mật mã (không khớp với chứng thư số của người ký)."
_REASON_ALTERED = "Nội dung tệp đã bị thay đổi sau khi ký: dữ liệu được ký không còn khớp với chữ ký."
_REASON_TIMESTAMP = "Dấu thời gian kèm theo chữ ký không hợp lệ."
_REASON_MODIFIED = "Tài liệu đã bị sửa đổi sau khi ký (không chỉ thêm chữ ký hay điền biểu mẫu)."
_REASON_NOT_ANCHORED = "Chứng thư số không thuộc tổ chức chứng thực được tin cậy."
_REASON_EXPIRED = "Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra."
_REASON_REVOKED = "Chứng thư số đã bị thu hồi."
_REASON_USAGE = "Chứng thư số không được phép dùng để ký văn bản (sai mục đích sử dụng)."
_REASON_ALGORITHM = "Chữ ký dùng thuật toán mật mã không còn được chấp nhận."
_REASON_CHAIN = ("Không xác lập được chuỗi chứng thư hợp lệ đến tổ chức chứng thực được tin cậy tại thời điểm "
                 "kiểm tra (chứng thư trong chuỗi có thể đã hết hạn hoặc chưa có hiệu lực).")

_UNTRUSTED_REASONS = {
    "NO_CERTIFICATE_CHAIN_FOUND": _REASON_NOT_ANCHORED,
    "OUT_OF_BOUNDS_NO_POE": _REASON_EXPIRED,
    "OUT_OF_BOUNDS_NOT_REVOKED": _REASON_EXPIRED,
    "EXPIRED": _REASON_EXPIRED,
    "NOT_YET_VALID": _REASON_EXPIRED,
    "REVOKED_NO_POE": _REASON_REVOKED,
    "REVOKED_CA_NO_POE": _REASON_REVOKED,
    "REVOKED": _REASON_REVOKED,
    "CHAIN_CONSTRAINTS_FAILURE": _REASON_USAGE,
    "CRYPTO_CONSTRAINTS_FAILURE": _REASON_ALGORITHM,
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": _REASON_ALGORITHM,
}


def verify_pdf(path: pathlib.Path, *, anchors: Sequence[Anchor], at: datetime) -> list[SignatureReport]:
    """One report per signature (in file order); [] for an unsigned PDF. Never raises for a bad signature (that
    is a report with status 'invalid'); raises SignatureCheckFailed(detail) only if the PDF cannot be read at all.

    Chains are checked against ``anchors`` only, at ``at`` (tz-aware); CRL/OCSP are not fetched (offline,
    soft-fail revocation). See the module docstring for how pyHanko's verdicts are mapped.
    """
    if at.utcoffset() is None:
        raise ValueError("verify_pdf needs a tz-aware validation moment")
    roots = [_trust_anchor(anchor) for anchor in anchors]
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise SignatureCheckFailed(f"Không đọc được tệp: {exc.strerror or exc}.") from None
    with stream:
        reader = _open_reader(stream)
        try:
            found = _embedded_signatures(reader)
        except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # the form structure itself (/AcroForm /Fields) is unreadable
            raise SignatureCheckFailed(f"Không đọc được cấu trúc biểu mẫu chữ ký trong tệp PDF ({exc}).") from None
        return asyncio.run(_verify_all(found, roots, at))


def _trust_anchor(anchor: Anchor) -> CertTrustAnchor:
    """The anchor's certificate, trusted only between its own notBefore and notAfter."""
    der = x509.load_pem_x509_certificate(anchor.pem).public_bytes(serialization.Encoding.DER)
    cert = asn1_x509.Certificate.load(der)
    return CertTrustAnchor(cert, quals=TrustQualifiers(valid_from=cert.not_valid_before,
                                                       valid_until=cert.not_valid_after))


def _open_reader(stream: Any) -> PdfFileReader:
    try:
        reader = PdfFileReader(stream)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SignatureCheckFailed(f"Tệp không phải là PDF hợp lệ hoặc đã bị hỏng ({exc}).") from None
    try:
        if reader.encrypted and reader.decrypt(b"").status == AuthStatus.FAILED:
            raise SignatureCheckFailed("Tệp PDF được mã hoá bằng mật khẩu nên không kiểm tra được chữ ký.")
    except SignatureCheckFailed:
        raise
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SignatureCheckFailed(f"Tệp PDF được mã hoá theo cách không hỗ trợ ({exc}).") from None
    return reader


@dataclass(frozen=True)
class _Found:
    """A filled /Sig field: the pyHanko object, or why it could not even be built."""
    field: str
    order: int  # the revision that last changed the signature object, for "file order"
    embedded: EmbeddedPdfSignature | None
    error: str | None


def _embedded_signatures(reader: PdfFileReader) -> list[_Found]:
    """Like pyHanko's ``reader.embedded_signatures``, but a malformed signature becomes an entry with an error
    instead of aborting the whole list (or being dropped with only a log line)."""
    found: list[_Found] = []
    for fq_name, sig_obj_ref, sig_field in enumerate_sig_fields(reader, filled_status=True):
        try:
            order = reader.xrefs.get_last_change(sig_obj_ref.reference)
        except (PdfError, AttributeError, KeyError, ValueError):
            order = 1 << 30
        try:
            sig_obj = sig_obj_ref.get_object()
            if sig_obj.get("/Type", "/Sig") == "/DocTimeStamp":
                continue
            found.append(_Found(fq_name, order, EmbeddedPdfSignature(reader, sig_field, fq_name), None))
        except Exception as exc:  # a malformed signature object is a report, never a crash
            found.append(_Found(fq_name, order, None, f"{type(exc).__name__}: {exc}"))
    return sorted(found, key=lambda item: item.order)


async def _verify_all(found: list[_Found], roots: list[CertTrustAnchor], at: datetime) -> list[SignatureReport]:
    reports = []
    for item in found:
        if item.embedded is None:
            reports.append(_broken(item.field, None))
            continue
        # a fresh context per signature: certificates embedded in one signature must not help another's chain
        context = ValidationContext(trust_roots=list(roots), moment=at, best_signature_time=at,
                                    allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = await async_validate_pdf_signature(item.embedded, signer_validation_context=context,
                                                        key_usage_settings=_SIGNER_KEY_USAGE)
        except Exception:  # SignatureValidationError, PdfReadError, asn1crypto's ValueError...: a broken signature
            reports.append(_broken(item.field, item.embedded))
            continue
        finally:
            await context.aclose()
        reports.append(_report(item.field, status))
    return reports


def _report(field: str, status: PdfSignatureStatus) -> SignatureReport:
    signing_time, time_source = _signing_time(status)
    subject, common_name, serial = _describe_signer(status.signing_cert)
    coverage = status.coverage
    level = status.modification_level
    later_changes = (
        level is None
        or level > ModificationLevel.FORM_FILLING
        or status.docmdp_ok is False
        or coverage is None
        or coverage < SignatureCoverageLevel.ENTIRE_REVISION
    )
    broken_timestamp = any(
        token is not None and not (token.intact and token.valid)
        for token in (status.timestamp_validity, status.content_timestamp_validity)
    )
    if not status.intact:
        verdict, reason = "invalid", _REASON_ALTERED
    elif not status.valid:
        verdict, reason = "invalid", _REASON_NOT_VALID
    elif broken_timestamp:
        verdict, reason = "invalid", _REASON_TIMESTAMP
    elif later_changes:
        verdict, reason = "modified", _REASON_MODIFIED
    elif not status.trusted:
        verdict, reason = "untrusted", _untrusted_reason(status)
    else:
        verdict, reason = "valid", None
    return SignatureReport(
        field=field, signer=common_name, signer_subject=subject, signer_serial=serial,
        signing_time=signing_time, time_source=time_source,
        intact=status.intact, valid=status.valid,
        covers_whole_file=coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modified_after_signing=later_changes or not status.intact,
        trusted=status.trusted, status=verdict, reason=reason,
    )


def _broken(field: str, embedded: EmbeddedPdfSignature | None) -> SignatureReport:
    """A signature pyHanko could not evaluate: say who it claims to be from, if that much is readable."""
    subject = common_name = serial = None
    if embedded is not None:
        with contextlib.suppress(Exception):  # no (matching) signer certificate in the CMS blob
            subject, common_name, serial = _describe_signer(embedded.signer_cert)
    return SignatureReport(
        field=field, signer=common_name, signer_subject=subject, signer_serial=serial,
        signing_time=None, time_source=None, intact=False, valid=False, covers_whole_file=False,
        modified_after_signing=False, trusted=False, status="invalid", reason=_REASON_BROKEN,
    )


def _untrusted_reason(status: SignatureStatus) -> str:
    indication = status.trust_problem_indic
    if status.revoked:
        return _REASON_REVOKED
    if indication is None:  # no path and no stated problem: treat as not anchored
        return _REASON_NOT_ANCHORED
    return _UNTRUSTED_REASONS.get(indication.name, _REASON_CHAIN)


def _signing_time(status: PdfSignatureStatus) -> tuple[datetime | None, str | None]:
    """A trusted timestamp token beats the signer's own claim; an untrusted one proves nothing."""
    for token in (status.timestamp_validity, status.content_timestamp_validity):
        if token is not None and token.trusted:
            return _as_utc(token.timestamp), "timestamp"
    if status.signer_reported_dt is not None:
        return _as_utc(status.signer_reported_dt), "signer"
    return None, None


def _as_utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:  # a PDF date without offset: read as UTC (documented guess)
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _describe_signer(cert: asn1_x509.Certificate) -> tuple[str, str, str]:
    """(RFC 4514 subject, CN or the subject, lowercase hex serial) of the signer's certificate."""
    serial = format(cert.serial_number, "x")
    try:
        name = x509.load_der_x509_certificate(cert.dump()).subject
        subject = name.rfc4514_string()
        common_names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        value = common_names[0].value if common_names else None
        common_name = value if isinstance(value, str) else None
    except ValueError:  # cryptography is stricter than asn1crypto: fall back to its rendering
        subject = cert.subject.human_friendly
        common_name = cert.subject.native.get("common_name") if isinstance(cert.subject.native, dict) else None
        if isinstance(common_name, list):
            common_name = common_name[0] if common_name else None
    return subject, common_name or subject, serial
