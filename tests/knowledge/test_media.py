"""/media/ and Wagtail's document view: a file is served, whole or by byte range, only to members
who may see a page that uses it (or its uploader, or a site moderator); everything else under
/media/ is a 404."""

import io
import wave
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField

from knowledge.models import ArticlePage, BroadcastPage, Chapter, Recording
from tests.factories import MemberFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page
from tests.support.images import png

pytestmark = pytest.mark.django_db


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(range(256)) * int(seconds * rate * 2 / 256))
    return buffer.getvalue()


@dataclass
class Files:
    image: object
    rendition_url: str
    document: object
    pdf: object
    recording: object
    audio: bytes
    uploader: object


@pytest.fixture
def files(world, settings, tmp_path):
    """An image, two documents and a recording, used only by the group's restricted page and
    by a broadcast in the group's restricted section; uploaded by a third member."""
    settings.MEDIA_ROOT = tmp_path / "media"
    uploader = MemberFactory()
    image = get_image_model().objects.create(
        title="サロンの写真", file=ImageFile(io.BytesIO(png(300, 200)), name="salon.png"),
        uploaded_by_user=uploader,
    )  # fmt: skip
    Document = get_document_model()
    document = Document.objects.create(title="名簿", file=ContentFile(b"a,b\n1,2\n", "list.csv"),
                                       uploaded_by_user=uploader)  # fmt: skip
    pdf = Document.objects.create(title="資料", file=ContentFile(b"%PDF-1.4\n%%EOF\n", "doc.pdf"),
                                  uploaded_by_user=uploader)  # fmt: skip
    audio = wav_bytes()
    recording = Recording.objects.create(title="サロン配信", content_type="audio/wav",
                                         file=ContentFile(audio, "salon.wav"), size=len(audio),
                                         uploaded_by=uploader)  # fmt: skip
    page = world.secret_page
    page.body = [("image", {"image": image, "caption": ""}),
                 ("document", {"document": document, "title": ""}),
                 ("document", {"document": pdf, "title": ""})]  # fmt: skip
    page.save_revision().publish()
    broadcast = BroadcastPage(title="サロン配信 第1回", slug="live1", recording=recording)
    broadcast.chapters = [Chapter(start="0:00", title="はじめに")]
    add_page(world.secret_section, broadcast)
    rendition = image.get_rendition("max-100x100")
    return Files(image, rendition.url, document, pdf, recording, audio, uploader)


def urls(files: Files) -> dict[str, str]:
    return {
        "image original": files.image.file.url,
        "image rendition": files.rendition_url,
        "document": files.document.file.url,
        "document (Wagtail's view)": files.document.url,
        "recording": files.recording.file.url,
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- who --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["image original", "image rendition", "document",
                                   "document (Wagtail's view)", "recording"])  # fmt: skip
def test_each_route_is_a_404_to_outsiders_and_served_to_group_members(world, files, route):
    url = urls(files)[route]
    assert url.startswith(("/media/", "/knowledge/documents/")), url
    assert client_for(world.outsider).get(url).status_code == 404
    inside = client_for(world.insider).get(url)
    assert inside.status_code == 200, url
    served = body(inside)
    if route.startswith("image"):  # the rendition is served, not the original it came from
        with Image.open(io.BytesIO(served)) as image:
            assert image.width == (100 if route == "image rendition" else 300)
    else:
        assert len(served) > 0


def test_the_uploader_and_site_moderators_see_a_file_no_page_uses_yet(world, files):
    unused = Recording.objects.create(title="未公開", content_type="audio/wav",
                                      file=ContentFile(files.audio, "draft.wav"),
                                      uploaded_by=files.uploader)  # fmt: skip
    url = unused.file.url
    assert client_for(world.insider).get(url).status_code == 404
    assert client_for(files.uploader).get(url).status_code == 200
    moderator = MemberFactory(is_staff=True, is_superuser=True)
    assert client_for(moderator).get(url).status_code == 200


def test_a_file_on_an_open_page_is_served_to_every_member(world, files):
    world.open_page.body = [("video", {"recording": files.recording, "caption": "公開"})]
    world.open_page.save_revision().publish()
    assert client_for(world.outsider).get(files.recording.file.url).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, files):
    response = client.get(files.recording.file.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_files_missing_files_and_dot_dot_paths_are_404(world, files, settings):
    """Avatars and post attachments have views of their own; /media/ does not serve them."""
    avatar = settings.MEDIA_ROOT / "avatars" / "1.png"
    avatar.parent.mkdir(parents=True, exist_ok=True)
    avatar.write_bytes(png(10, 10))
    attachment = settings.MEDIA_ROOT / "attachments" / "2026" / "memo.pdf"
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_bytes(b"%PDF-1.4")
    recording_path = files.recording.file.name
    client = client_for(world.insider)
    for url in (
        "/media/avatars/1.png",
        "/media/attachments/2026/memo.pdf",
        "/media/recordings/2026/01/nothing.wav",
        "/media/nothing",
        f"/media/original_images/../{recording_path}",
        f"/media/recordings/../../{recording_path}",
        f"/media/recordings/%2e%2e/{recording_path}",
        "/media/recordings/..%2f..%2fcityhall/settings.py",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/media/{recording_path}").status_code == 200


def test_a_spreadsheet_is_a_download_and_a_pdf_opens_in_the_browser(world, files):
    client = client_for(world.insider)
    csv = client.get(files.document.file.url)
    assert csv["Content-Disposition"].startswith("attachment")
    assert csv["X-Content-Type-Options"] == "nosniff"
    assert client.get(files.pdf.file.url)["Content-Disposition"].startswith("inline")


def test_a_media_request_asks_a_few_queries(world, files, django_assert_max_num_queries):
    client = client_for(world.insider)
    client.get("/knowledge/")  # the session and member are loaded as on any request
    with django_assert_max_num_queries(8):
        assert client.get(files.recording.file.url).status_code == 200


# --- ranges -----------------------------------------------------------------------------


@pytest.fixture
def fetch(world, files):
    client = client_for(world.insider)

    def get(range_header=None, method="get"):
        extra = {"HTTP_RANGE": range_header} if range_header else {}
        return getattr(client, method)(files.recording.file.url, **extra)

    return get


def test_a_range_from_the_start_the_middle_and_the_end(files, fetch):
    audio, size = files.audio, len(files.audio)
    for header, expected, first, last in (
        ("bytes=0-99", audio[:100], 0, 99),
        ("bytes=100-", audio[100:], 100, size - 1),
        ("bytes=-100", audio[-100:], size - 100, size - 1),
        ("bytes=10-10", audio[10:11], 10, 10),
        (f"bytes={size - 5}-{size + 500}", audio[-5:], size - 5, size - 1),  # clipped at the end
    ):
        response = fetch(header)
        assert response.status_code == 206, header
        assert response["Content-Range"] == f"bytes {first}-{last}/{size}", header
        assert response["Content-Length"] == str(len(expected)), header
        assert body(response) == expected, header
        assert response["Content-Type"] == "audio/wav"


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{end}", "bytes=-0"])
def test_a_range_past_the_end_is_416(files, fetch, header):
    size = len(files.audio)
    response = fetch(header.format(size=size, end=size + 10))
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-10", "bytes=0-1,5-6", "bytes=9-3",
                                    "bytes=-"])  # fmt: skip
def test_a_range_we_do_not_understand_gets_the_whole_file(files, fetch, header):
    response = fetch(header)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == files.audio


def test_head_gives_the_headers_without_the_body(files, fetch):
    whole = fetch(method="head")
    assert whole.status_code == 200
    assert whole["Content-Length"] == str(len(files.audio)) and body(whole) == b""
    part = fetch("bytes=0-99", method="head")
    assert part.status_code == 206 and part["Content-Length"] == "100"
    assert part["Content-Range"] == f"bytes 0-99/{len(files.audio)}" and body(part) == b""


def test_writing_to_media_is_not_allowed(world, files):
    response = client_for(world.insider).post(files.recording.file.url)
    assert response.status_code == 405


# --- Wagtail's own upload limits ----------------------------------------------------------


def test_wagtail_refuses_an_image_with_too_many_pixels_before_decoding_it(settings):
    """A 8000×8000 PNG is 64 megapixels (a few KB on disk): over WAGTAILIMAGES_MAX_IMAGE_PIXELS."""
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000
    bomb = SimpleUploadedFile("bomb.png", png(8000, 8000, mode="L"), content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        WagtailImageField().clean(bomb)
    assert "40000000" in str(refused.value) or "40,000,000" in str(refused.value)


def test_articles_are_not_broken_by_the_fixture(world, files):
    """The restricted page still renders its image for a member (a rendition URL under /media/)."""
    page = ArticlePage.objects.get(pk=world.secret_page.pk)
    html = client_for(world.insider).get(page.url).text
    assert "/media/images/" in html


def test_media_is_sent_as_stored_to_a_browser_that_takes_gzip(world, files):
    """Only text is compressed (cityhall.middleware): a range must stay the bytes it names."""
    client = client_for(world.insider)
    whole = client.get(files.recording.file.url, HTTP_ACCEPT_ENCODING="gzip, br")
    part = client.get(files.recording.file.url, HTTP_ACCEPT_ENCODING="gzip",
                      HTTP_RANGE="bytes=100-199")  # fmt: skip

    assert not whole.has_header("Content-Encoding") and body(whole) == files.audio
    assert part.status_code == 206 and not part.has_header("Content-Encoding")
    assert body(part) == files.audio[100:200]
