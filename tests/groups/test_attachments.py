import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from groups.attachments import check_upload


def _zip(*names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("予算資料.pdf", b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
        ("集計.xlsx", _zip("[Content_Types].xml", "xl/workbook.xml"), "spreadsheetml"),
        ("通知文.docx", _zip("[Content_Types].xml", "word/document.xml"), "wordprocessingml"),
        ("説明会.pptx", _zip("[Content_Types].xml", "ppt/presentation.xml"), "presentationml"),
        ("旧様式.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 64, "application/vnd.ms-excel"),
        ("名簿.csv", "氏名,所属\n山田,税務課\n".encode("cp932"), "text/csv"),
        ("写真.png", _png(), "image/png"),
    ],
)
def test_allowed_types_are_recognised_by_content(name, content, expected):
    checked = check_upload(SimpleUploadedFile(name, content))
    assert expected in checked.content_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("請求書.pdf", b"MZ\x90\x00 an executable renamed"),
        ("集計.xlsx", _zip("payload.exe")),
        ("data.csv", b"\x00\x01\x02binary"),
        ("script.html", b"<html><script>alert(1)</script></html>"),
        ("旧様式.exe", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 64),
    ],
)
def test_other_content_is_refused_with_a_japanese_reason(name, content):
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile(name, content))
    assert "添付できない種類のファイル" in str(error.value)


def test_oversized_files_are_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("大きい.pdf", b"%PDF-1.7\n" + b"0" * 4096))
    assert "MB以下" in str(error.value)
