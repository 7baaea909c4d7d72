"""The dossier's documents: upload (a new version), reuse, soft delete, what a step must produce, results.

Rules:

- **Where a file may go.** A dossier that is open (not finished, withdrawn or stopped). With a step: an open
  step of *this* dossier that the officer may work (their unit, not claimed by another). Without one: a
  clerk (at reception, at the desk) or a leader; an officer attaches at the step they work.
- **What a file may be.** The component's file kinds, recognised from the bytes (``inspect.py``: the name
  never counts), at most its ``max_bytes``; executables, macros, encrypted files, nested archives and
  malformed PDFs are refused. A PDF's signatures are verified against the trust anchors of the dossier's
  agency and the agencies above it (``signatures.py``), at the upload's moment.
- **Order, so nothing half-recorded is visible.** The bytes are staged, inspected, verified and stored
  (content-addressed: idempotent) *before* the dossier is locked; then, under the dossier's row lock, the
  dossier and step are checked again and the rows written with the audit event (``app.flows`` takes the
  lock and asks the tasks' rule whether the officer works the step; this module keeps to its own rows). A
  store that is down is a 503 with nothing recorded; a refusal after storing leaves only bytes no row names
  (``flask documents check`` lists them).
- **A deletion is soft**: the version stays, marked with who deleted it, when and why; the component's
  current document is its newest version not deleted.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.definitions.components import DEFAULT_FILE_KINDS, DEFAULT_MAX_BYTES
from app.definitions.models import DefinitionVersion
from app.documents import inspect, signatures, staging
from app.documents.models import OTHER_COMPONENT, Document, StoredFile, TrustAnchor
from app.documents.storage import Storage, StorageUnavailable
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step, StepStatus
from app.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
    UnsupportedMediaType,
)
from app.org.models import Agency, Officer

#: The component every version has without declaring it: other papers (giấy tờ khác), never required.
OTHER = {"key": OTHER_COMPONENT, "name": "Giấy tờ khác", "required": False, "copy_kind": "ban_chinh", "copies": 1,
         "file_kinds": list(DEFAULT_FILE_KINDS), "max_bytes": DEFAULT_MAX_BYTES, "result": False,
         "signature_required": False}
#: Worst first: a document's verdict is the worst of its signatures'.
_SEVERITY = ("invalid", "modified", "untrusted", "valid")


# --- components -----------------------------------------------------------------------------------

def components_of_version(version: DefinitionVersion) -> list[dict[str, Any]]:
    """The components a version declares, then "other papers"."""
    return [*(version.components or []), OTHER]


def components_of(dossier: Dossier) -> list[dict[str, Any]]:
    return components_of_version(dossier.version)


def component_of_version(version: DefinitionVersion, key: str) -> dict[str, Any]:
    for component in components_of_version(version):
        if component["key"] == key:
            return component
    raise Unprocessable(f"Quy trình không có thành phần hồ sơ '{key}'.", code="component_unknown",
                        detail_en=f"The procedure has no component '{key}'.", errors={"component": [key]})


def component_of(dossier: Dossier, key: str) -> dict[str, Any]:
    return component_of_version(dossier.version, key)


# --- reading --------------------------------------------------------------------------------------

def list_for(*, session: Session, dossier_id: int, include_deleted: bool = True) -> list[Document]:
    """Every version, by component then version (deleted ones too, marked: the trail stays readable)."""
    stmt = select(Document).where(Document.dossier_id == dossier_id).order_by(Document.component, Document.version)
    if not include_deleted:
        stmt = stmt.where(Document.deleted_at.is_(None))
    return list(session.scalars(stmt))


def current_of(documents: Sequence[Document]) -> dict[str, Document]:
    """Component key → its current document (the newest version not deleted)."""
    current: dict[str, Document] = {}
    for document in documents:
        if document.deleted_at is None and (document.component not in current
                                            or document.version > current[document.component].version):
            current[document.component] = document
    return current


def get(*, session: Session, dossier_id: int, document_id: int) -> Document:
    """A document of this dossier (another dossier's id is the same 404 as none)."""
    document = session.get(Document, document_id)
    if document is None or document.dossier_id != dossier_id:
        raise NotFound(f"Hồ sơ không có tài liệu {document_id}.", detail_en=f"The dossier has no document {document_id}.")
    return document


def dossier_components(*, session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """Each component with the reception checklist's entry for it, the steps that produce it, its current
    document and its version count."""
    documents = list_for(session=session, dossier_id=dossier.id)
    current = current_of(documents)
    handed = {entry.get("component"): entry for entry in dossier.documents or [] if entry.get("component")}
    steps = dossier.version.validation.get("steps", [])
    return [{**component, "handed_in": handed.get(component["key"]),
             "produced_at": [s["id"] for s in steps if s.get("produces") == component["key"]],
             "current": current.get(component["key"]),
             "versions": sum(1 for d in documents if d.component == component["key"])}
            for component in components_of(dossier)]


def results_of(*, session: Session, dossier: Dossier, released: bool = False) -> list[Document]:
    """The current documents of the result components (and nothing else).

    ``released``: only what the applicant may have — a result whose step is done (a draft the signer is
    still working on is not the result yet), or any result once the dossier is finished.
    """
    keys = {c["key"] for c in components_of(dossier) if c.get("result")}
    current = current_of(list_for(session=session, dossier_id=dossier.id))
    found = [current[key] for key in sorted(current) if key in keys]
    if not released or dossier.status == DossierStatus.FINISHED:
        return found
    done = {step.id for step in dossier.steps if step.status == StepStatus.COMPLETED}
    return [document for document in found if document.step_id in done]


def reusable(*, session: Session, id_number: str, visible: tuple[set[int], set[int]] | None) -> list[Document]:
    """The applicant's digitised documents (not deleted) in dossiers ``visible`` (agencies, units) lets one read.

    One row per distinct file and component: the same scan reused many times is offered once, by its origin.
    """
    stmt = (select(Document).join(Dossier, Dossier.id == Document.dossier_id)
            .where(Document.applicant_id_number == id_number, Document.deleted_at.is_(None),
                   Document.origin_id.is_(None), Document.form_ref.is_(None))
            .order_by(Document.uploaded_at.desc(), Document.id.desc()).limit(200))
    if visible is not None:
        agencies, units = visible
        stmt = stmt.where(Dossier.agency_id.in_(agencies)
                          | Dossier.id.in_(select(Step.dossier_id).where(Step.unit_id.in_(units)))
                          | Dossier.receiving_unit_id.in_(units))
    return list(session.scalars(stmt))


def sheet_rows(*, session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """Form 06's list of papers: every version with its component, step, who and when, and its signature."""
    names = {c["key"]: c["name"] for c in components_of(dossier)}
    labels = {step.id: step.label or step.spec_id for step in dossier.steps}
    rows = []
    for document in list_for(session=session, dossier_id=dossier.id):
        signers = [s.get("signer") for s in document.signatures or [] if s.get("signer")]
        # a form the service issued is named by its note ("Mẫu số 01 – …, số …"): no component declares it
        name = document.note if document.form_ref else names.get(document.component, document.component)
        rows.append({"component": document.component, "component_name": name, "issued": document.form_ref is not None,
                     "version": document.version, "filename": document.filename,
                     "step": labels.get(document.step_id) if document.step_id else None,
                     "uploaded_by": document.uploaded_by.full_name if document.uploaded_by else None,
                     "uploaded_at": document.uploaded_at, "signature_status": document.signature_status,
                     "signers": signers, "deleted": document.deleted_at is not None,
                     "reused": document.origin_id is not None})
    return rows


def anchors_for(*, session: Session, agency_id: int) -> list[signatures.Anchor]:
    """The CA certificates the agency and every agency above it trust."""
    chain, seen = [], set()
    agency = session.get(Agency, agency_id)
    while agency is not None and agency.id not in seen:
        seen.add(agency.id)
        chain.append(agency.id)
        agency = agency.parent
    rows = session.scalars(select(TrustAnchor).where(TrustAnchor.agency_id.in_(chain)).order_by(TrustAnchor.id))
    return [signatures.parse_anchor(row.pem.encode("ascii")) for row in rows]


# --- checks ---------------------------------------------------------------------------------------

def check_open(dossier: Dossier) -> None:
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ {dossier.code} đã kết thúc ({dossier.status}); không thay đổi tài liệu được.",
                       code="dossier_closed", detail_en=f"Dossier {dossier.code} is {dossier.status}.")


def attach_point(*, session: Session, dossier: Dossier, officer: Officer, step_id: int | None) -> Step | None:
    """Where a file goes (the module's first rule): the step of this dossier named, or None at the desk.

    Whether the officer may work that step (their unit, not claimed by another) is the tasks' rule, which the
    caller applies (``app.flows``).
    """
    check_open(dossier)
    if step_id is None:
        if not officer.has_role("clerk", "leader"):
            raise Forbidden("Chuyên viên đính kèm tệp tại bước mình đang xử lý (step_id).", code="step_required",
                            detail_en="An officer attaches files at the step they work (step_id).")
        return None
    step = session.get(Step, step_id)
    if step is None or step.dossier_id != dossier.id:
        raise Unprocessable(f"Bước {step_id} không thuộc hồ sơ {dossier.code}.", code="step_not_in_dossier",
                            detail_en=f"Step {step_id} is not a step of dossier {dossier.code}.",
                            errors={"step_id": [str(step_id)]})
    return step


def _refused(exc: inspect.FileRefused) -> Exception:
    cls = UnsupportedMediaType if exc.status == 415 else Unprocessable
    return cls(exc.detail, code=exc.code, detail_en=exc.detail_en if hasattr(exc, "detail_en") else exc.code)


def too_large(component: dict[str, Any]) -> PayloadTooLarge:
    limit = component["max_bytes"]
    return PayloadTooLarge(f"Tệp vượt quá dung lượng tối đa của thành phần '{component['name']}' ({limit} byte).",
                           code="file_too_large",
                           detail_en=f"The file exceeds the largest size of component '{component['key']}' ({limit} bytes).",
                           max_bytes=limit)


def _verdict(reports: Sequence[signatures.SignatureReport]) -> str | None:
    if not reports:
        return None
    return min((r.status for r in reports), key=_SEVERITY.index)


def _report_dict(report: signatures.SignatureReport) -> dict[str, Any]:
    return {"field": report.field, "signer": report.signer, "signer_subject": report.signer_subject,
            "signer_serial": report.signer_serial,
            "signing_time": report.signing_time.isoformat() if report.signing_time else None,
            "time_source": report.time_source, "intact": report.intact, "valid": report.valid,
            "covers_whole_file": report.covers_whole_file, "modified_after_signing": report.modified_after_signing,
            "trusted": report.trusted, "status": report.status, "reason": report.reason}


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Kho lưu trữ tệp tạm thời không truy cập được; chưa có gì được ghi, hãy thử lại.",
                              code="storage_unavailable",
                              detail_en="The file store cannot be reached; nothing was recorded, try again.",
                              headers={"Retry-After": "30"})


# --- changing -------------------------------------------------------------------------------------

def _store_file(session: Session, *, sha256: str, size: int, kind: str, content_type: str, now: datetime) -> None:
    """The bytes' row, once per sha-256 (a concurrent upload of the same bytes is no conflict)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(StoredFile).values(sha256=sha256, size=size, kind=kind, content_type=content_type,
                                              created_at=now).on_conflict_do_nothing(index_elements=["sha256"]))


def _add_version(session: Session, *, dossier: Dossier, component: str, officer: Officer, now: datetime,
                 action: str, **fields: Any) -> Document:
    """Under the dossier's lock: the next version of the component, and its audit event."""
    latest = session.scalar(select(func.max(Document.version)).where(
        Document.dossier_id == dossier.id, Document.component == component)) or 0
    document = Document(dossier_id=dossier.id, component=component, version=latest + 1,
                        uploaded_by_id=officer.id if officer else None,
                        uploaded_at=now, applicant_id_number=(dossier.applicant or {}).get("id_number"), **fields)
    session.add(document)
    session.flush()
    audit.record(session=session, actor=officer, action=action, object_type="dossier", object_id=dossier.id,
                 summary=f"{component} v{document.version}: {document.filename}",
                 after={"document_id": document.id, "component": component, "version": document.version,
                        "sha256": document.sha256, "size": document.size, "step_id": document.step_id,
                        "origin_id": document.origin_id}, now=now)
    return document


@dataclass(frozen=True)
class Prepared:
    """A file staged, recognised, verified and stored: what its document row will say."""

    filename: str
    sha256: str
    size: int
    kind: str
    content_type: str
    signatures: list[dict[str, Any]] | None
    signature_status: str | None


def prepare(*, session: Session, storage: Storage, declared: dict[str, Any], source: BinaryIO, filename: str | None,
            agency_id: int, now: datetime, staging_dir: Path) -> Prepared:
    """Stage, inspect, verify and store one file for ``declared`` (a component); no dossier row is touched."""
    try:
        name = staging.clean_filename(filename)
    except staging.FilenameRefused:
        raise Unprocessable("Tên tệp trống, quá dài hoặc chứa đường dẫn (/, \\).", code="filename_invalid",
                            detail_en="The file name is empty, too long or holds a path (/, \\).",
                            errors={"file": ["filename"]}) from None
    anchors = anchors_for(session=session, agency_id=agency_id)
    try:
        with staging.staged(source, directory=staging_dir, max_bytes=declared["max_bytes"]) as staged:
            try:
                found = inspect.inspect_file(staged.path, allowed=declared["file_kinds"])
            except inspect.FileRefused as exc:
                raise _refused(exc) from None
            reports = signatures.verify_pdf(staged.path, anchors=anchors, at=now) if found.pdf_signed else []
            try:
                storage.put_file(staged.sha256, staged.path, size=staged.size, content_type=found.content_type)
            except StorageUnavailable:
                raise _unavailable() from None
    except staging.TooLarge:
        raise too_large(declared) from None
    except signatures.SignatureCheckFailed as exc:
        raise Unprocessable("Không đọc được tệp PDF để kiểm tra chữ ký số.", code="file_malformed",
                            detail_en=f"The PDF cannot be read to check its signatures: {exc}") from None
    return Prepared(filename=name, sha256=staged.sha256, size=staged.size, kind=found.kind,
                    content_type=found.content_type, signatures=[_report_dict(r) for r in reports] or None,
                    signature_status=_verdict(reports))


def record(session: Session, *, dossier: Dossier, component: str, prepared: Prepared, officer: Officer,
           now: datetime, step: Step | None = None, note: str | None = None) -> Document:
    """Under the dossier's lock: the prepared file's rows (bytes once, a new version) and the audit event."""
    _store_file(session, sha256=prepared.sha256, size=prepared.size, kind=prepared.kind,
                content_type=prepared.content_type, now=now)
    return _add_version(session, dossier=dossier, component=component, officer=officer, now=now,
                        action="document.upload", filename=prepared.filename, sha256=prepared.sha256,
                        size=prepared.size, kind=prepared.kind, content_type=prepared.content_type,
                        step_id=step.id if step else None, note=note, signatures=prepared.signatures,
                        signature_status=prepared.signature_status)


#: What a printed form may weigh (a form of a few pages with its fonts is some tens of kB).
FORM_MAX_BYTES = 20 * 1024 * 1024


def form_document(*, session: Session, dossier_id: int, form_ref: str) -> Document | None:
    """The stored PDF of a form the service issued for the dossier, if it was printed before."""
    return session.scalar(select(Document).where(Document.dossier_id == dossier_id, Document.form_ref == form_ref,
                                                 Document.deleted_at.is_(None)))


def prepare_form(*, session: Session, storage: Storage, pdf: bytes, filename: str, agency_id: int, now: datetime,
                 staging_dir: Path) -> Prepared:
    """Store a form's PDF like any upload (staged, hashed, recognised as PDF): nothing of the dossier changes."""
    return prepare(session=session, storage=storage, declared={"max_bytes": FORM_MAX_BYTES, "file_kinds": ["pdf"]},
                   source=io.BytesIO(pdf), filename=filename, agency_id=agency_id, now=now, staging_dir=staging_dir)


def record_form(session: Session, *, dossier: Dossier, form_ref: str, component: str, prepared: Prepared,
                officer: Officer | None, now: datetime, note: str) -> Document:
    """Under the dossier's lock: the issued form as a document of the dossier, numbered in ``note``."""
    _store_file(session, sha256=prepared.sha256, size=prepared.size, kind=prepared.kind,
                content_type=prepared.content_type, now=now)
    return _add_version(session, dossier=dossier, component=component, officer=officer, now=now,
                        action="document.form_issued", filename=prepared.filename, sha256=prepared.sha256,
                        size=prepared.size, kind=prepared.kind, content_type=prepared.content_type, note=note,
                        form_ref=form_ref)


def reusable_source(*, session: Session, dossier: Dossier, declared: dict[str, Any], source_id: int,
                    can_read: Callable[[Dossier], bool]) -> Document:
    """The earlier document to reuse: one the officer may read (else the same 404 as none), of the same
    applicant (by ID number), of a kind and size the component accepts."""
    source = session.get(Document, source_id)
    if source is None or source.deleted_at is not None or not can_read(session.get(Dossier, source.dossier_id)):
        raise NotFound(f"Không có tài liệu {source_id}.", detail_en=f"No document {source_id}.")
    id_number = (dossier.applicant or {}).get("id_number")
    if not id_number or source.applicant_id_number != id_number:
        raise Unprocessable("Chỉ dùng lại được giấy tờ đã số hoá của cùng người nộp (cùng số định danh).",
                            code="applicant_mismatch",
                            detail_en="Only a document digitised for the same applicant (same ID number) can be reused.")
    if source.kind not in declared["file_kinds"]:
        raise UnsupportedMediaType(f"Thành phần '{declared['name']}' không nhận tệp loại {source.kind}.",
                                   code="type_not_allowed",
                                   detail_en=f"Component '{declared['key']}' does not accept {source.kind} files.")
    if source.size > declared["max_bytes"]:
        raise too_large(declared)
    return source


def record_reuse(session: Session, *, dossier: Dossier, component: str, source: Document, officer: Officer,
                 now: datetime, step: Step | None = None, note: str | None = None) -> Document:
    """Under the dossier's lock: a new version pointing at the same bytes and at its origin (the first
    digitisation: who, when, for which dossier), so nothing is scanned twice and nothing of its history lost."""
    return _add_version(session, dossier=dossier, component=component, officer=officer, now=now,
                        action="document.reuse", filename=source.filename, sha256=source.sha256, size=source.size,
                        kind=source.kind, content_type=source.content_type, step_id=step.id if step else None,
                        note=note, origin_id=source.origin_id or source.id, signatures=source.signatures,
                        signature_status=source.signature_status)


def deletion_step(*, session: Session, dossier: Dossier, document: Document, officer: Officer) -> Step | None:
    """May this version be deleted now? The step it was attached at (whose officer must be the one deleting:
    the caller checks), or None for a desk document; 409 for a closed dossier, a finished step, a deleted one."""
    check_open(dossier)
    if document.deleted_at is not None:
        raise Conflict("Tài liệu này đã bị xoá.", code="document_deleted", detail_en="This document is deleted already.")
    if document.step_id is None:
        if not officer.has_role("clerk", "leader"):
            raise Forbidden("Chỉ bộ phận một cửa hoặc lãnh đạo xoá được tài liệu tiếp nhận.", code="step_required",
                            detail_en="Only the desk or a leader deletes a reception document.")
        return None
    step = session.get(Step, document.step_id)
    if step is not None and step.status not in OPEN_STATUSES:
        raise Conflict("Tài liệu của một bước đã xong là hồ sơ của bước đó; tải lên phiên bản mới thay vì xoá.",
                       code="document_of_closed_step",
                       detail_en="A document of a finished step is that step's record; upload a new version instead.")
    return step


def soft_delete(session: Session, *, dossier: Dossier, document: Document, officer: Officer, reason: str,
                now: datetime) -> Document:
    """Mark a version deleted (who, when, why); its bytes and row stay for the trail."""
    document.deleted_at, document.deleted_by_id, document.delete_reason = now, officer.id, reason
    audit.record(session=session, actor=officer, action="document.delete", object_type="dossier", object_id=dossier.id,
                 summary=f"{document.component} v{document.version}: {reason}",
                 before={"document_id": document.id, "deleted_at": None},
                 after={"document_id": document.id, "deleted_at": now.isoformat(), "reason": reason}, now=now)
    session.flush()
    return document


def check_produced(*, session: Session, dossier: Dossier, step: Step) -> None:
    """Before a step completes: the component it produces has a current file (signed, where required)."""
    key = step.produces
    if not key:
        return
    component = component_of(dossier, key)
    current = current_of(list_for(session=session, dossier_id=dossier.id)).get(key)
    if current is None:
        raise Unprocessable(f"Bước '{step.name}' phải đính kèm '{component['name']}' trước khi hoàn thành.",
                            code="document_missing",
                            detail_en=f"Step '{step.name}' must attach '{key}' before it completes.",
                            errors={"produces": [key]})
    if component.get("signature_required") and current.signature_status != "valid":
        reasons = [s.get("reason") for s in current.signatures or [] if s.get("reason")]
        raise Unprocessable(f"'{component['name']}' cần chữ ký số hợp lệ, được tin cậy"
                            + (f": {'; '.join(reasons)}" if reasons else " (tệp chưa có chữ ký số)."),
                            code="signature_required",
                            detail_en=f"'{key}' needs a valid, trusted digital signature "
                                      f"(found: {current.signature_status or 'none'}).",
                            errors={"produces": [key]})
