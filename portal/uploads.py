"""Uploaded files: checked by size, extension and content (magic bytes), and served only as
downloads (never rendered as HTML or SVG from the portal's own origin).

Apps call `validate_upload(file)` in their forms/serializers/services, store the file with a
FileField, and serve it with `attachment_response(fieldfile, filename)` from a view that has
checked access first.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse

from portal.errors import RuleViolation

# kind → (extensions, sniff(first bytes) -> bool, content type)
_KINDS: dict[str, tuple[tuple[str, ...], Any, str]] = {
    "pdf": ((".pdf",), lambda b: b.startswith(b"%PDF-"), "application/pdf"),
    "png": ((".png",), lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), lambda b: b.startswith(b"\xff\xd8\xff"), "image/jpeg"),
    "gif": ((".gif",), lambda b: b[:6] in (b"GIF87a", b"GIF89a"), "image/gif"),
    "webp": ((".webp",), lambda b: b.startswith(b"RIFF") and b[8:12] == b"WEBP", "image/webp"),
    "ooxml": (
        (".docx", ".xlsx", ".pptx"),
        lambda b: b.startswith(b"PK\x03\x04"),
        "application/octet-stream",
    ),
    "ole": (
        (".doc", ".xls", ".ppt"),
        lambda b: b.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        "application/octet-stream",
    ),
    "text": ((".txt", ".csv"), lambda b: _looks_like_text(b), "text/plain; charset=utf-8"),
    # OFD (GB/T 33190), the national format of official documents: a ZIP container. Opt-in:
    # kinds=(*DOCUMENTS, "ofd").
    "ofd": ((".ofd",), lambda b: b.startswith(b"PK\x03\x04"), "application/ofd"),
}
IMAGES = ("png", "jpeg", "gif", "webp")
DOCUMENTS = ("pdf", "ooxml", "ole", "text", *IMAGES)
SPREADSHEETS = ("ooxml", "ole", "text")


def _looks_like_text(head: bytes) -> bool:
    lowered = head.lower()
    if b"<html" in lowered or b"<script" in lowered or b"<svg" in lowered or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def validate_upload(
    file: IO[bytes] | Any,
    *,
    kinds: tuple[str, ...] = DOCUMENTS,
    field: str = "file",
    max_bytes: int | None = None,
) -> str:
    """Check an uploaded file; return its kind. Raises RuleViolation with a Chinese message."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    name = getattr(file, "name", "") or ""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise RuleViolation(
            errors={field: [f"文件「{PurePath(name).name}」超过 {limit // (1024 * 1024)} MB 的上限"]}
        )
    if size == 0:
        raise RuleViolation(errors={field: [f"文件「{PurePath(name).name}」是空文件"]})
    suffix = PurePath(name).suffix.lower()
    position = file.tell() if hasattr(file, "tell") else 0
    head = file.read(2048)
    if hasattr(file, "seek"):
        file.seek(position)
    for kind in kinds:
        extensions, sniff, _ = _KINDS[kind]
        if suffix in extensions and sniff(head):
            return kind
    allowed = sorted({ext for kind in kinds for ext in _KINDS[kind][0]})
    raise RuleViolation(
        errors={
            field: [
                f"文件「{PurePath(name).name}」的类型不被接受，或内容与扩展名不符（允许：{'、'.join(allowed)}）"
            ]
        }
    )


def attachment_response(fieldfile: Any, filename: str | None = None) -> FileResponse:
    """Serve a stored upload as a download with a safe content type and a sandboxing CSP."""
    name = filename or PurePath(fieldfile.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("image/svg+xml", "application/xhtml+xml"):
        content_type = "application/octet-stream"
    response = FileResponse(
        fieldfile.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
