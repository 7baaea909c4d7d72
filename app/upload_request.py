"""The request class: multipart file parts spool into the staging directory, and are closed with the request.

Why: Werkzeug spools each file part above 500 KB to a temporary file, by default in ``/tmp`` — a tmpfs in
many containers, where a 200 MB upload would sit in RAM. Here the part goes to ``DOCUMENT_STAGING_DIR``
(the store's disk). And when the body ends early (the client went away mid-upload) the parser stops with the
part's file still open and unreachable from ``request.files``; each one is remembered and closed with the
request, so an interrupted upload leaves no open file behind.
"""
from __future__ import annotations

import os
import tempfile
from typing import IO

from flask import Request, current_app

#: A file part up to this size stays in memory (Werkzeug's own threshold); bigger ones go to disk.
SPOOL_IN_MEMORY = 500 * 1024


class UploadRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        staging = current_app.config.get("DOCUMENT_STAGING_DIR") if current_app else None
        if staging:
            os.makedirs(staging, exist_ok=True)
        stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="rb+", dir=staging or None)  # noqa: SIM115 (closed in close())
        self.__dict__.setdefault("_spooled_files", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_spooled_files", []):
            stream.close()


__all__ = ["UploadRequest"]
