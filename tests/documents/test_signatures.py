"""Signature checking of uploaded PDFs (app.documents.signatures) against PDFs and a PKI generated here."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.documents.signatures import (
    Anchor,
    AnchorRefused,
    SignatureCheckFailed,
    SignatureReport,
    parse_anchor,
    verify_pdf,
)
from tests.documents import pki

UTC = timezone.utc
CA_FROM, CA_UNTIL = datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)
SIGNER_FROM, SIGNER_UNTIL = datetime(2025, 6, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)
#: 2026-03-02 08:00 in Hanoi, the suite's usual "now".
SIGNED_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CHECKED_AT = SIGNED_AT + timedelta(hours=2)


@pytest.fixture(scope="module")
def ca() -> pki.CA:
    return pki.make_ca(not_before=CA_FROM, not_after=CA_UNTIL)


@pytest.fixture(scope="module")
def other_ca() -> pki.CA:
    return pki.make_ca("Tổ chức chứng thực khác", not_before=CA_FROM, not_after=CA_UNTIL)


@pytest.fixture(scope="module")
def signer(ca: pki.CA) -> pki.Signer:
    return pki.issue_signer(ca, not_before=SIGNER_FROM, not_after=SIGNER_UNTIL)


@pytest.fixture(scope="module")
def anchor(ca: pki.CA) -> Anchor:
    return parse_anchor(pki.ca_pem(ca))


@pytest.fixture(scope="module")
def signed(signer: pki.Signer) -> bytes:
    return pki.sign_pdf(pki.make_pdf(), signer, signing_time=SIGNED_AT)


def _verify(tmp_path: Path, pdf: bytes, anchors: list[Anchor], at: datetime = CHECKED_AT) -> list[SignatureReport]:
    path = tmp_path / "upload.pdf"
    path.write_bytes(pdf)
    return verify_pdf(path, anchors=anchors, at=at)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


# ------------------------------------------------------------------------------------ parse_anchor


def test_pem_anchor_describes_the_ca(ca: pki.CA) -> None:
    parsed = parse_anchor(pki.ca_pem(ca))
    assert parsed.fingerprint_sha256 == hashlib.sha256(_der(ca.cert)).hexdigest() == pki.fingerprint(ca.cert)
    assert parsed.not_before == CA_FROM and parsed.not_after == CA_UNTIL
    assert parsed.not_before.utcoffset() == timedelta(0)
    assert x509.load_pem_x509_certificate(parsed.pem) == ca.cert


def test_der_anchor_is_the_same_anchor(ca: pki.CA) -> None:
    assert parse_anchor(_der(ca.cert)) == parse_anchor(pki.ca_pem(ca))


def test_text_around_the_pem_block_is_tolerated(ca: pki.CA) -> None:
    dump = b"Certificate:\n    Data: (openssl x509 -text)\n" + pki.ca_pem(ca) + b"\n"
    assert parse_anchor(dump) == parse_anchor(pki.ca_pem(ca))


def test_vietnamese_subject_is_kept_as_utf8_text(ca: pki.CA) -> None:
    subject = parse_anchor(pki.ca_pem(ca)).subject
    assert subject == "CN=Tổ chức chứng thực thử nghiệm,O=Motcua Flow – thử nghiệm,C=VN"
    assert "\\" not in subject  # accents are not escaped away


def test_a_signer_certificate_is_not_an_anchor(signer: pki.Signer) -> None:
    with pytest.raises(AnchorRefused) as refused:
        parse_anchor(signer.cert.public_bytes(serialization.Encoding.PEM))
    assert refused.value.code == "anchor_not_ca"
    assert "tổ chức chứng thực" in refused.value.detail


def test_a_certificate_without_basic_constraints_is_not_an_anchor() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Không có basicConstraints")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(CA_FROM).not_valid_after(CA_UNTIL).sign(key, hashes.SHA256()))
    with pytest.raises(AnchorRefused) as refused:
        parse_anchor(_der(cert))
    assert refused.value.code == "anchor_not_ca"


@pytest.mark.parametrize("garbage", [
    b"",
    b"not a certificate at all",
    b"\x30\x82\x01\x00" + b"\x00" * 20,  # a DER SEQUENCE header, then nothing sensible
    b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
], ids=["empty", "text", "truncated-der", "pem-of-garbage"])
def test_garbage_is_refused(garbage: bytes) -> None:
    with pytest.raises(AnchorRefused) as refused:
        parse_anchor(garbage)
    assert refused.value.code == "anchor_invalid"
    assert refused.value.detail


def test_two_certificates_are_refused(ca: pki.CA, other_ca: pki.CA) -> None:
    for bundle in (pki.ca_pem(ca) + pki.ca_pem(other_ca), _der(ca.cert) + _der(other_ca.cert)):
        with pytest.raises(AnchorRefused) as refused:
            parse_anchor(bundle)
        assert refused.value.code == "anchor_invalid"


def test_a_pem_with_a_private_key_is_refused(ca: pki.CA) -> None:
    key_pem = ca.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    with pytest.raises(AnchorRefused) as refused:
        parse_anchor(pki.ca_pem(ca) + key_pem)
    assert refused.value.code == "anchor_invalid"


# -------------------------------------------------------------------------------------- verify_pdf


def test_an_unsigned_pdf_has_no_signatures(tmp_path: Path, anchor: Anchor) -> None:
    assert _verify(tmp_path, pki.make_pdf(pages=2), [anchor]) == []


def test_a_signature_from_a_trusted_ca_is_valid(tmp_path: Path, anchor: Anchor, signer: pki.Signer,
                                                signed: bytes) -> None:
    [report] = _verify(tmp_path, signed, [anchor])
    assert report == SignatureReport(
        field="Sig1", signer="Nguyễn Văn A",
        signer_subject="CN=Nguyễn Văn A,O=Motcua Flow – thử nghiệm,C=VN",
        signer_serial=format(signer.cert.serial_number, "x"),
        signing_time=SIGNED_AT, time_source="signer",
        intact=True, valid=True, covers_whole_file=True, modified_after_signing=False, trusted=True,
        status="valid", reason=None,
    )
    assert report.signing_time is not None and report.signing_time.tzinfo is not None


@pytest.mark.parametrize("which", ["no anchors", "another CA"])
def test_a_chain_that_does_not_reach_an_anchor_is_untrusted(tmp_path: Path, other_ca: pki.CA, signed: bytes,
                                                            which: str) -> None:
    anchors = [] if which == "no anchors" else [parse_anchor(pki.ca_pem(other_ca))]
    [report] = _verify(tmp_path, signed, anchors)
    assert (report.status, report.intact, report.valid, report.trusted) == ("untrusted", True, True, False)
    assert report.reason == "Chứng thư số không thuộc tổ chức chứng thực được tin cậy."
    assert report.signer == "Nguyễn Văn A" and report.covers_whole_file


def test_content_appended_after_signing_is_modified(tmp_path: Path, anchor: Anchor, signed: bytes) -> None:
    [report] = _verify(tmp_path, pki.append_change(signed), [anchor])
    assert report.status == "modified"
    assert report.intact and report.valid and report.trusted  # the signed revision itself is untouched
    assert report.modified_after_signing and not report.covers_whole_file
    assert report.reason is not None and "sửa đổi sau khi ký" in report.reason


def test_altered_signed_bytes_are_invalid(tmp_path: Path, anchor: Anchor, signed: bytes) -> None:
    """pyHanko: the byte-range digest no longer matches (intact False) while the CMS signature over the signed
    attributes still verifies (valid True); its own summary is 'INVALID' and it never calls it trusted."""
    [report] = _verify(tmp_path, pki.tamper(signed), [anchor])
    assert report.status == "invalid"
    assert (report.intact, report.valid, report.trusted) == (False, True, False)
    assert report.modified_after_signing
    assert report.covers_whole_file  # nothing was appended: the bytes were changed in place
    assert report.reason == "Nội dung tệp đã bị thay đổi sau khi ký: dữ liệu được ký không còn khớp với chữ ký."


def test_two_signatures_are_reported_in_signing_order(tmp_path: Path, anchor: Anchor, signer: pki.Signer,
                                                      ca: pki.CA, signed: bytes) -> None:
    second = pki.issue_signer(ca, "Trần Thị B", not_before=SIGNER_FROM, not_after=SIGNER_UNTIL)
    twice = pki.sign_pdf(signed, second, field="Sig2", signing_time=SIGNED_AT + timedelta(minutes=30))
    first, last = _verify(tmp_path, twice, [anchor])
    assert (first.field, first.signer, first.signing_time) == ("Sig1", "Nguyễn Văn A", SIGNED_AT)
    assert (last.field, last.signer, last.signing_time) == ("Sig2", "Trần Thị B", SIGNED_AT + timedelta(minutes=30))
    # adding a signature is an allowed modification (FORM_FILLING): the first one stays valid
    assert first.status == last.status == "valid"
    assert not first.covers_whole_file and not first.modified_after_signing
    assert last.covers_whole_file


def test_a_certificate_expired_at_the_validation_moment_is_untrusted(tmp_path: Path, anchor: Anchor,
                                                                     signed: bytes) -> None:
    """pyHanko judges the chain at ``at`` (moment), not at the self-reported signing time."""
    [report] = _verify(tmp_path, signed, [anchor], at=SIGNER_UNTIL + timedelta(days=1))
    assert (report.status, report.intact, report.valid, report.trusted) == ("untrusted", True, True, False)
    assert report.reason == "Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra."
    [before] = _verify(tmp_path, signed, [anchor], at=SIGNER_UNTIL - timedelta(days=1))
    assert before.status == "valid"


def test_an_anchor_expired_at_the_validation_moment_makes_the_chain_untrusted(tmp_path: Path) -> None:
    """pyHanko reports an expired CA as CERTIFICATE_CHAIN_GENERAL_FAILURE (not the end-entity 'out of bounds')."""
    short_ca = pki.make_ca(not_before=CA_FROM, not_after=datetime(2026, 6, 1, tzinfo=UTC))
    signer = pki.issue_signer(short_ca, not_before=SIGNER_FROM, not_after=SIGNER_UNTIL)
    pdf = pki.sign_pdf(pki.make_pdf(), signer, signing_time=SIGNED_AT)
    anchors = [parse_anchor(pki.ca_pem(short_ca))]
    assert _verify(tmp_path, pdf, anchors)[0].status == "valid"
    [report] = _verify(tmp_path, pdf, anchors, at=datetime(2026, 12, 1, tzinfo=UTC))
    assert (report.status, report.trusted) == ("untrusted", False)
    assert report.reason is not None and report.reason.startswith("Không xác lập được chuỗi chứng thư hợp lệ")


def test_a_trusted_timestamp_token_gives_the_signing_time(tmp_path: Path, anchor: Anchor, ca: pki.CA,
                                                          signer: pki.Signer) -> None:
    tsa = pki.issue_tsa(ca, not_before=CA_FROM, not_after=CA_UNTIL)
    stamped_at = SIGNED_AT + timedelta(seconds=5)
    pdf = pki.sign_pdf(pki.make_pdf(), signer, signing_time=SIGNED_AT, timestamp_by=tsa, timestamp_at=stamped_at)
    [report] = _verify(tmp_path, pdf, [anchor])
    assert (report.status, report.signing_time, report.time_source) == ("valid", stamped_at, "timestamp")


def test_an_untrusted_timestamp_token_is_ignored(tmp_path: Path, anchor: Anchor, other_ca: pki.CA,
                                                 signer: pki.Signer) -> None:
    tsa = pki.issue_tsa(other_ca, not_before=CA_FROM, not_after=CA_UNTIL)
    pdf = pki.sign_pdf(pki.make_pdf(), signer, signing_time=SIGNED_AT, timestamp_by=tsa,
                       timestamp_at=SIGNED_AT - timedelta(days=300))
    [report] = _verify(tmp_path, pdf, [anchor])
    assert (report.status, report.signing_time, report.time_source) == ("valid", SIGNED_AT, "signer")


def test_a_broken_signature_is_a_report_not_an_error(tmp_path: Path, anchor: Anchor, signed: bytes) -> None:
    contents = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", signed)
    assert contents is not None
    start, end = contents.span(1)
    broken = signed[:start] + b"0" * (end - start) + signed[end:]
    [report] = _verify(tmp_path, broken, [anchor])
    assert (report.field, report.status, report.intact, report.valid, report.trusted) == (
        "Sig1", "invalid", False, False, False)
    assert report.reason


def test_a_file_that_is_not_a_pdf_cannot_be_checked(tmp_path: Path, anchor: Anchor) -> None:
    with pytest.raises(SignatureCheckFailed) as failed:
        _verify(tmp_path, b"PK\x03\x04 this is a zip, not a PDF", [anchor])
    assert failed.value.detail
    with pytest.raises(SignatureCheckFailed):
        verify_pdf(tmp_path / "missing.pdf", anchors=[anchor], at=CHECKED_AT)


def test_the_validation_moment_must_be_tz_aware(tmp_path: Path, anchor: Anchor, signed: bytes) -> None:
    with pytest.raises(ValueError):
        _verify(tmp_path, signed, [anchor], at=datetime(2026, 3, 2, 3, 0))


def test_make_pdf_is_deterministic_and_readable() -> None:
    assert pki.make_pdf("Quyết định", pages=3) == pki.make_pdf("Quyết định", pages=3)
    assert pki.make_pdf().startswith(b"%PDF-1.7")
