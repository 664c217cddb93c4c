import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import RuleViolation
from portal.uploads import IMAGES, attachment_response, validate_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_accepts_real_files():
    assert validate_upload(SimpleUploadedFile("灾情照片.png", PNG)) == "png"
    assert validate_upload(SimpleUploadedFile("说明.pdf", b"%PDF-1.7\n...")) == "pdf"
    assert validate_upload(SimpleUploadedFile("名单.csv", "姓名,身份证号\n张三,1\n".encode())) == "text"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b"<html><script>alert(1)</script></html>"),  # content does not match the extension
        ("logo.svg", b"<svg onload='alert(1)'></svg>"),
        ("notes.txt", b"<script>alert(1)</script>"),
        ("run.exe", b"MZ\x90\x00"),
    ],
)
def test_refuses_html_scripts_and_mismatches(name, content):
    with pytest.raises(RuleViolation) as exc:
        validate_upload(SimpleUploadedFile(name, content))
    assert "类型不被接受" in exc.value.errors["file"][0]


def test_refuses_large_and_empty_files(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(RuleViolation, match="超过"):
        validate_upload(SimpleUploadedFile("big.png", PNG * 10))
    with pytest.raises(RuleViolation, match="空文件"):
        validate_upload(SimpleUploadedFile("empty.pdf", b""))
    with pytest.raises(RuleViolation):
        validate_upload(SimpleUploadedFile("doc.pdf", b"%PDF-1.4"), kinds=IMAGES)


def test_downloads_are_attachments_never_rendered(tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("x.html", ContentFile(b"<html>"))
    response = attachment_response(storage.open(name), "x.html")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_ofd_is_an_opt_in_kind():
    from portal.uploads import DOCUMENTS

    ofd = SimpleUploadedFile("公文.ofd", b"PK\x03\x04 ofd container")
    assert validate_upload(ofd, kinds=(*DOCUMENTS, "ofd")) == "ofd"
    with pytest.raises(RuleViolation):
        validate_upload(SimpleUploadedFile("公文.ofd", b"PK\x03\x04 ofd container"))
