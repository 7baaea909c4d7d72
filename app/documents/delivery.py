"""A document's bytes as an HTTP answer: streamed from the store, with ETag, conditional GET and one range.

Why by hand rather than ``send_file``: the same answer must come from a local file and from an object store,
and a range of a 200 MB object must be read as that range (S3 ``Range``), never by skipping from the start.
The ETag is the sha-256 (strong: the bytes of a version never change). Several ranges in one request are
answered with the whole file (RFC 9110 lets a server ignore ``Range``); a range past the end is a 416.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from app.documents.models import Document
from app.documents.storage import BlobMissing, Storage, StorageUnavailable
from app.errors import NotFound, ServiceUnavailable
from app.text import fold


def disposition(filename: str, kind: str = "attachment") -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in fold(filename))
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def content_response(document: Document, storage: Storage) -> Response:
    """200, 206, 304 or 416 for the document's bytes, streamed in chunks."""
    etag = document.sha256
    headers = {"ETag": f'"{etag}"', "Accept-Ranges": "bytes", "Cache-Control": "private, no-cache",
               "Content-Disposition": disposition(document.filename), "X-Content-Type-Options": "nosniff"}
    if request.if_none_match and request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    size = document.size
    start, stop, status = 0, size, 200
    wanted = request.range
    fresh = "If-Range" not in request.headers or request.if_range.etag == etag  # a date or another ETag: all
    if wanted is not None and len(wanted.ranges) == 1 and fresh:
        found = wanted.range_for_length(size)
        if found is None:
            return Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        start, stop, status = found[0], found[1], 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    try:
        chunks = storage.open_chunks(etag, start=start, end=stop - 1) if stop > start else iter(())
        first = next(chunks, b"")  # fail here (404/503 problem), not half-way through a 200 answer
    except BlobMissing:
        raise NotFound("Tệp của tài liệu này không còn trong kho lưu trữ.", code="file_missing",
                       detail_en="The document's file is missing from the store.") from None
    except StorageUnavailable:
        raise ServiceUnavailable("Kho lưu trữ tệp tạm thời không truy cập được.", code="storage_unavailable",
                                 detail_en="The file store cannot be reached.", headers={"Retry-After": "30"}) from None

    def body():
        try:
            yield first
            yield from chunks
        finally:  # a client gone mid-way: the file or connection is let go now, not at garbage collection
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    headers["Content-Length"] = str(stop - start)
    return Response(body(), status=status, headers=headers, mimetype=document.content_type,
                    direct_passthrough=True)
