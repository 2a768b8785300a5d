import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from groups import services
from groups.attachments import check_upload, served_name
from groups.models import Attachment, Post
from tests.factories import MemberFactory
from tests.groups.conftest import client_for
from tests.support.images import png


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


# --- through the site: size limits, previews, names, and no file left behind ---------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def _pdf(name="資料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj\n", content_type="application/pdf")


def _new_topic(group, owner, *files):
    return client_for(owner).post(reverse("groups:topic_new", args=[group.slug]), {
        "title": "資料", "body": "添付します", "files": list(files),
    })  # fmt: skip


def test_a_144_megapixel_image_is_accepted_from_its_header():
    bomb = SimpleUploadedFile("航空写真.png", png(12000, 12000, "L"))
    assert check_upload(bomb).content_type == "image/png"


def test_an_image_over_the_pixel_limit_is_refused_with_a_japanese_reason(
    group, owner, media, settings
):
    settings.ATTACHMENT_MAX_PIXELS = 100_000_000
    response = _new_topic(group, owner, SimpleUploadedFile("航空写真.png", png(12000, 12000, "L")))
    assert response.status_code == 400
    assert "画素数が大きすぎます。縦×横が100,000,000画素(100メガピクセル)以下" in (
        response.content.decode()
    )
    assert not Attachment.objects.exists() and _stored(media) == []


def test_an_attached_image_is_shown_as_a_small_preview_and_downloads_in_full(
    group, owner, media, committing, run_tasks
):
    photo = SimpleUploadedFile("現場.png", png(3000, 2000))
    with committing():
        assert _new_topic(group, owner, photo).status_code == 302
    item = Attachment.objects.get()
    topic_url = reverse("groups:topic", args=[group.slug, item.post.topic_id])
    full = reverse("groups:attachment", args=[group.slug, item.pk, item.original_name])
    preview = reverse("groups:attachment_preview", args=[group.slug, item.pk])
    page = client_for(owner).get(topic_url).content.decode()
    assert f'<img src="{full}"' not in page and f'<img src="{preview}"' not in page  # not yet

    assert run_tasks() == 2  # the preview, and the search outbox's drain
    page = client_for(owner).get(topic_url).content.decode()
    assert f'<img src="{preview}"' in page and f'<a href="{full}">' in page
    response = client_for(owner).get(preview)
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as shown:
        assert shown.size == (1280, 853)
    response = client_for(owner).get(full)
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as original:
        assert original.size == (3000, 2000)
    assert run_tasks() == 0  # made once


def test_the_preview_is_as_private_as_the_post(group, owner, media, committing, run_tasks):
    group.kind = "secret"
    group.save()
    with committing():
        _new_topic(group, owner, SimpleUploadedFile("現場.png", png(40, 30)))
    run_tasks()
    item = Attachment.objects.get()
    url = reverse("groups:attachment_preview", args=[group.slug, item.pk])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(MemberFactory()).get(url).status_code == 404


def test_a_file_is_named_after_the_type_found_in_it(group, owner, media):
    assert _new_topic(group, owner, _pdf("page.html")).status_code == 302
    item = Attachment.objects.get()
    assert item.original_name == "page.pdf" and item.file.name.endswith("/page.pdf")
    response = client_for(owner).get(
        reverse("groups:attachment", args=[group.slug, item.pk, item.original_name])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="page.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type", "served"),
    [
        ("page.html", "application/pdf", "page.pdf"),
        ("写真.JPEG", "image/jpeg", "写真.JPEG"),
        ("集計", "text/csv", "集計.csv"),
        ("報告書.pdf.exe", "application/pdf", "報告書.pdf.pdf"),
        ("../../etc/passwd", "text/csv", "passwd.csv"),
    ],
)
def test_served_names_agree_with_the_type(name, content_type, served):
    assert served_name(name, content_type) == served


def test_a_refused_second_file_leaves_nothing_on_disk(group, owner, media):
    response = _new_topic(group, owner, _pdf(), SimpleUploadedFile("invoice.pdf", b"MZ\x90 exe"))
    assert response.status_code == 400
    assert not Attachment.objects.exists() and _stored(media) == []


def test_a_post_that_fails_after_its_files_were_written_leaves_nothing_on_disk(group, owner, media):
    topic = services.topic_create(author=owner, group=group, title="資料", body="本文")
    with pytest.raises(IntegrityError), transaction.atomic():
        post = services.post_create(author=owner, topic=topic, body="添付", files=[_pdf()])
        assert len(_stored(media)) == 1
        Post.objects.create(topic=topic, author=owner, number=post.number, body="重複")
    assert not Attachment.objects.exists() and _stored(media) == []


def test_committed_files_stay(group, owner, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_create(author=owner, group=group, title="資料", body="本文", files=[_pdf()])
    assert Attachment.objects.get().file.name in _stored(media)


def test_images_attached_before_previews_get_one_from_the_command(group, owner, media, run_tasks):
    services.topic_create(  # no commit: no preview task queued, as before previews existed
        author=owner, group=group, title="写真", body="本文",
        files=[SimpleUploadedFile("現場.png", png(40, 30)), _pdf()],
    )  # fmt: skip
    call_command("make_attachment_previews", stdout=io.StringIO())
    assert run_tasks() == 1
    assert Attachment.objects.exclude(preview="").get().content_type == "image/png"
