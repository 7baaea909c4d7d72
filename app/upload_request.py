"""The request class: every temporary file a multipart body spooled is closed when the request ends.

Why: Werkzeug spools each file part of a multipart body to a temporary file. When the body ends early (the
client went away mid-upload) the parser stops with the part's file still open and unreachable from
``request.files``; it would be closed only by garbage collection. Here each one is remembered and closed
with the request, so an interrupted upload leaves no open file behind.
"""
from __future__ import annotations

from typing import IO

from flask import Request


class UploadRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.__dict__.setdefault("_spooled_files", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_spooled_files", []):
            stream.close()


__all__ = ["UploadRequest"]
