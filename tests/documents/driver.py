"""A driver for the documents tests: a hand-drawn procedure with components, and its dossiers over the API."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import TEST_PASSWORD
from tests.dossiers.flow import APPLICANT, CLERK, Flow

KEY = "cap_phep_thu_nghiem"
BPMN = Path(__file__).parent / "data" / "cap_phep_thu_nghiem.bpmn"
APPRAISER = "na.hn.ktht.chuyenvien"
CHAIR = "na.hn.chutich"
COMPONENTS = [
    {"key": "don_de_nghi", "name": "Đơn đề nghị cấp giấy phép", "required": True, "file_kinds": ["pdf", "jpeg", "png"]},
    {"key": "ban_ve", "name": "Bản vẽ thiết kế", "copy_kind": "ban_sao", "copies": 2, "max_bytes": 4096},
    {"key": "du_thao", "name": "Dự thảo giấy phép", "file_kinds": ["docx", "pdf"]},
    {"key": "giay_phep", "name": "Giấy phép", "result": True, "signature_required": True, "file_kinds": ["pdf"]},
]
LANES = {"Lane_MC": "NA-HN-TTPVHCC-MC", "Lane_CV": "NA-HN-KTHTDT", "Lane_LD": "NA-HN-LD"}


def docx(text: str = "Dự thảo giấy phép") -> bytes:
    """A minimal Word document (the parts a reader needs to call it DOCX)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
                   'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("word/document.xml", f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                                        f'2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return buffer.getvalue()


def png() -> bytes:
    """A 1×1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


class Docs(Flow):
    """The demo's officers moving dossiers of the hand-drawn permit, with files."""

    def __init__(self, client: Any, clock: Any) -> None:
        super().__init__(client, clock)
        self.admin = {"Authorization": f"Bearer {self._admin_token()}"}

    def _admin_token(self) -> str:
        r = self.client.post("/api/v1/auth/token", json={"username": "admin", "password": TEST_PASSWORD})
        assert r.status_code == 200, r.get_json()
        return r.get_json()["access_token"]

    def agency_id(self, code: str = "NA-HN") -> int:
        agencies = self.client.get("/api/v1/agencies?page_size=100", headers=self.admin).get_json()
        return next(a["id"] for a in agencies if a["code"] == code)

    def upload_procedure(self, components: list[dict] = COMPONENTS, expect: int = 201) -> dict:
        r = self.client.post(f"/api/v1/process-definitions?agency_id={self.agency_id()}", headers=self.admin,
                             data={"file": (io.BytesIO(BPMN.read_bytes()), BPMN.name),
                                   "components": json.dumps(components, ensure_ascii=False)},
                             content_type="multipart/form-data")
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def publish(self, components: list[dict] = COMPONENTS) -> None:
        version = self.upload_procedure(components)
        assert version["publishable"], version["errors"]
        n = version["version"]
        assert self.client.post(f"/api/v1/process-definitions/{KEY}/versions/{n}/submit", headers=self.admin).status_code == 200
        r = self.client.post(f"/api/v1/process-definitions/{KEY}/versions/{n}/publish", headers=self.admin,
                             json={"decision_number": "9/QĐ-UBND", "decision_date": "2026-03-01", "lane_bindings": LANES})
        assert r.status_code == 200, r.get_json()

    def receive(self, *, documents: list[dict] | None = None, applicant: dict | None = None, expect: int = 201) -> dict:
        body = {"applicant": applicant or APPLICANT,
                "documents": documents if documents is not None else [{"component": "don_de_nghi"}]}
        r = self.client.post(f"/api/v1/procedures/{KEY}/dossiers", json=body, headers=self.h(CLERK))
        assert r.status_code == expect, r.get_json()
        return self._handed_over(r.get_json()) if expect == 201 else r.get_json()

    def _handed_over(self, receipt: dict) -> dict:
        """The desk's own step done: the dossier is at the appraiser's division."""
        step = next(s for s in receipt["current_steps"] if s["spec_id"] == "Tiep_nhan")
        self.complete(step["id"], CLERK, {})
        return receipt

    def receive_with(self, files: dict[str, tuple[bytes, str]], *, documents: list[dict] | None = None,
                     expect: int = 201) -> dict:
        data: dict[str, Any] = {"dossier": json.dumps({"applicant": APPLICANT, "documents": documents or []},
                                                      ensure_ascii=False)}
        for component, (content, name) in files.items():
            data[component] = (io.BytesIO(content), name)
        r = self.client.post(f"/api/v1/procedures/{KEY}/dossiers/with-documents", data=data,
                             content_type="multipart/form-data", headers=self.h(CLERK))
        assert r.status_code == expect, r.get_json()
        return self._handed_over(r.get_json()) if expect == 201 else r.get_json()

    def upload(self, dossier_id: int, component: str, content: bytes, name: str, username: str = CLERK, *,
               step_id: int | None = None, note: str | None = None, expect: int = 201) -> dict:
        data: dict[str, Any] = {"file": (io.BytesIO(content), name)}
        if step_id is not None:
            data["step_id"] = str(step_id)
        if note is not None:
            data["note"] = note
        r = self.client.post(f"/api/v1/dossiers/{dossier_id}/components/{component}/documents", data=data,
                             content_type="multipart/form-data", headers=self.h(username))
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def content(self, dossier_id: int, document_id: int, username: str = CLERK, **headers: str):
        return self.client.get(f"/api/v1/dossiers/{dossier_id}/documents/{document_id}/content",
                               headers=self.h(username, **headers))

    def step(self, dossier_id: int, spec_id: str) -> dict:
        return self.current(dossier_id, spec_id)

    def trust(self, pem: bytes) -> dict:
        r = self.client.post(f"/api/v1/agencies/{self.agency_id()}/trust-anchors", headers=self.admin,
                             json={"pem": pem.decode("ascii")})
        assert r.status_code == 201, r.get_json()
        return r.get_json()
