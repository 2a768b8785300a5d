"""A recording uploaded in chunks: each chunk must start where the file ends, the type comes
from the content, and the finished file is a Recording its uploader can play."""

import fcntl
import io
import os
import time
import wave
from pathlib import Path

import pytest
from django.core.management import call_command

from knowledge import recordings
from knowledge.models import Recording
from tests.factories import MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db

START = "/knowledge/-/recordings/uploads"
CHUNK = 4096
JSON = {"HTTP_ACCEPT": "application/json"}


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real WAV of silence (16-bit mono)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECORDING_CHUNK_BYTES = CHUNK
    settings.RECORDING_MAX_BYTES = 64 * 1024
    return settings.MEDIA_ROOT


@pytest.fixture
def uploader(media):
    return client_for(MemberFactory())


def begin(client, data: bytes, title="第3回 債権回収ライブ", name="live.wav"):
    response = client.post(START, {"title": title, "name": name, "size": len(data)},
                           content_type="application/json", **JSON)  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()


def send(client, upload_id: str, offset: int, data: bytes):
    return client.post(f"{START}/{upload_id}?offset={offset}", data,
                       content_type="application/octet-stream", **JSON)  # fmt: skip


def send_all(client, upload_id: str, data: bytes, start: int = 0):
    answer = None
    for offset in range(start, len(data), CHUNK):
        answer = send(client, upload_id, offset, data[offset : offset + CHUNK])
        assert answer.status_code == 200, answer.json()
    return answer.json()


def leftovers(media: Path) -> list[str]:
    folder = media / "tmp" / "recordings"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_recording_arrives_in_chunks_and_plays_for_its_uploader(uploader, media):
    data = wav_bytes(1.5)  # 24 KB: six chunks
    upload = begin(uploader, data)
    assert upload["received"] == 0 and upload["chunk_bytes"] == CHUNK

    done = send_all(uploader, upload["id"], data)

    recording = Recording.objects.get()
    assert done["done"] and done["recording"] == recording.pk and done["url"] == recording.file.url
    assert recording.title == "第3回 債権回収ライブ"
    assert (recording.content_type, recording.size) == ("audio/wav", len(data))
    assert recording.uploaded_by.pk == int(uploader.session["_auth_user_id"])
    assert recording.file.name.startswith("recordings/") and recording.file.name.endswith(".wav")
    assert Path(recording.file.path).read_bytes() == data
    assert [n for n in leftovers(media) if n.endswith(".part")] == []
    played = uploader.get(recording.file.url, HTTP_RANGE="bytes=0-99")
    assert played.status_code == 206 and b"".join(played.streaming_content) == data[:100]
    assert "第3回 債権回収ライブ" in uploader.get("/knowledge/-/recordings/upload").text


def test_repeated_and_out_of_order_chunks_are_refused_and_the_upload_goes_on(uploader, media):
    data = wav_bytes(1.0)
    upload = begin(uploader, data)
    upload_id = upload["id"]
    assert send(uploader, upload_id, 0, data[:CHUNK]).json()["received"] == CHUNK

    again = send(uploader, upload_id, 0, b"x" * CHUNK)  # the same chunk sent twice
    ahead = send(uploader, upload_id, 3 * CHUNK, data[3 * CHUNK : 4 * CHUNK])  # one skipped
    for refused in (again, ahead):
        assert refused.status_code == 409
        assert refused.json()["error"] == "offset_mismatch"
        assert refused.json()["received"] == CHUNK
        assert "続きから" in refused.json()["message"]

    status = uploader.get(f"{START}/{upload_id}", **JSON).json()  # e.g. after a reload
    assert status["received"] == CHUNK and not status["done"]
    send_all(uploader, upload_id, data, start=status["received"])
    assert Path(Recording.objects.get().file.path).read_bytes() == data


def test_a_chunk_arriving_while_another_is_being_written_is_told_to_wait(uploader, media):
    """Two tabs (or two server processes) at the same upload: the second is refused, and
    nothing it sent is written."""
    data = wav_bytes(0.5)
    upload = begin(uploader, data)
    with open(media / "tmp" / "recordings" / f"{upload['id']}.part", "rb") as busy:
        fcntl.flock(busy, fcntl.LOCK_EX)
        refused = send(uploader, upload["id"], 0, data[:CHUNK])
    assert refused.status_code == 409 and refused.json()["error"] == "busy"
    assert refused.json()["received"] == 0
    send_all(uploader, upload["id"], data)
    assert Path(Recording.objects.get().file.path).read_bytes() == data


def test_a_chunk_past_the_announced_size_or_larger_than_allowed_is_refused(uploader, media):
    data = wav_bytes(0.2)
    upload = begin(uploader, data)
    too_big = send(uploader, upload["id"], 0, data + b"\0" * CHUNK)
    assert too_big.status_code == 413 and too_big.json()["error"] == "chunk_too_large"
    past_end = send(uploader, upload["id"], 0, data + b"\0")
    assert past_end.status_code == 413 and "超えています" in past_end.json()["message"]
    assert uploader.get(f"{START}/{upload['id']}", **JSON).json()["received"] == 0
    assert not Recording.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("live.mp4", b"MZ\x90\x00" + b"\0" * 4000),  # a program renamed to .mp4
        ("memo.mp3", "議事録です。これは動画ではありません。".encode() * 50),
        ("clip.wav", b"RIFF\x00\x00\x00\x00AVI LIST" + b"\0" * 100),  # an AVI, not a WAV
    ],
)
def test_a_file_that_is_not_audio_or_video_is_refused_on_its_first_chunk(
    uploader, media, name, content
):
    upload = begin(uploader, content, name=name)
    refused = send(uploader, upload["id"], 0, content[:CHUNK])
    assert refused.status_code == 415
    assert refused.json()["error"] == "not_media"
    assert "動画・音声のファイルではない" in refused.json()["message"]
    assert leftovers(media) == []  # the upload is gone
    assert send(uploader, upload["id"], 0, content[:CHUNK]).status_code == 404


def test_the_whole_file_is_checked_again_when_it_is_complete(uploader, media):
    """The first chunk may be too short to tell a WAV ("RIFF") from an AVI; the whole is not."""
    content = b"RIFF\x00\x00\x00\x00AVI LIST" + b"\0" * 100
    upload = begin(uploader, content)
    assert send(uploader, upload["id"], 0, content[:4]).status_code == 200
    refused = send(uploader, upload["id"], 4, content[4:])
    assert refused.status_code == 415 and refused.json()["error"] == "not_media"
    assert not Recording.objects.exists() and leftovers(media) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"title": "", "name": "a.wav", "size": 10}, "タイトルを入れてください"),
        ({"title": "x" * 201, "name": "a.wav", "size": 10}, "200文字以内"),
        ({"title": "録画", "name": "a.wav", "size": "many"}, "大きさがわかりません"),
        ({"title": "録画", "name": "a.wav", "size": 65 * 1024}, "64KB以下"),
    ],
)
def test_starting_an_upload_says_what_is_wrong(uploader, media, payload, message):
    response = uploader.post(START, payload, content_type="application/json", **JSON)
    assert response.status_code in (400, 413)
    assert message in response.json()["message"]
    assert leftovers(media) == []


def test_not_json_is_a_clear_error(uploader, media):
    response = uploader.post(START, "title=x", content_type="application/json", **JSON)
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_a_form_instead_of_json_or_bytes_is_a_clear_error(uploader, media):
    started = uploader.post(START, {"title": "録画", "size": 10}, **JSON)  # multipart
    assert started.status_code == 400 and "読み取れません" in started.json()["message"]
    upload = begin(uploader, wav_bytes(0.1))
    chunk = uploader.post(f"{START}/{upload['id']}?offset=0", {"data": "RIFF"}, **JSON)
    assert chunk.status_code == 400 and "読み取れません" in chunk.json()["message"]
    odd = uploader.post(f"{START}/{upload['id']}?offset=abc", b"RIFF",
                        content_type="application/octet-stream", **JSON)  # fmt: skip
    assert odd.status_code == 400 and "送信位置" in odd.json()["message"]
    assert uploader.get(f"{START}/{upload['id']}", **JSON).json()["received"] == 0


def test_another_member_cannot_see_continue_or_cancel_an_upload(uploader, media):
    data = wav_bytes(0.2)
    upload = begin(uploader, data)
    other = client_for(MemberFactory())
    url = f"{START}/{upload['id']}"
    assert other.get(url, **JSON).status_code == 404
    assert send(other, upload["id"], 0, data).status_code == 404
    assert other.delete(url, **JSON).status_code == 404
    assert uploader.get(url, **JSON).json()["received"] == 0


def test_anonymous_visitors_get_a_json_401(client, media):
    response = client.post(START, {}, content_type="application/json", **JSON)
    assert response.status_code == 401 and response.json()["error"] == "authentication_required"


def test_the_uploader_page_says_javascript_is_needed(uploader):
    page = uploader.get("/knowledge/-/recordings/upload")
    assert page.status_code == 200
    assert "<noscript>" in page.text and "JavaScriptが必要です" in page.text
    assert "js/recording-upload.js" in page.text


def test_a_cancelled_upload_is_deleted(uploader, media):
    upload = begin(uploader, wav_bytes(0.2))
    assert uploader.delete(f"{START}/{upload['id']}", **JSON).json()["deleted"]
    assert leftovers(media) == []


def test_a_member_keeps_at_most_three_unfinished_uploads(uploader, media):
    ids = [begin(uploader, wav_bytes(0.1))["id"] for _ in range(4)]
    assert uploader.get(f"{START}/{ids[0]}", **JSON).status_code == 404
    assert all(uploader.get(f"{START}/{i}", **JSON).status_code == 200 for i in ids[1:])


def test_abandoned_uploads_are_cleaned_up_by_the_command(uploader, media):
    data = wav_bytes(0.5)
    stale, fresh = begin(uploader, data), begin(uploader, data)
    send(uploader, stale["id"], 0, data[:CHUNK])
    day_ago = time.time() - recordings.UPLOAD_EXPIRY - 60
    for suffix in (".json", ".part"):
        os.utime(media / "tmp" / "recordings" / f"{stale['id']}{suffix}", (day_ago, day_ago))

    call_command("clean_recording_uploads", stdout=io.StringIO())

    assert leftovers(media) == sorted([f"{fresh['id']}.json", f"{fresh['id']}.part"])
    assert uploader.get(f"{START}/{stale['id']}", **JSON).status_code == 404


def test_a_repeated_last_chunk_hears_the_upload_is_done(uploader, media):
    data = wav_bytes(0.2)
    upload = begin(uploader, data)
    send_all(uploader, upload["id"], data)
    again = send(uploader, upload["id"], 0, data[:CHUNK])
    assert again.status_code == 409 and again.json()["error"] == "finished"
    assert uploader.get(f"{START}/{upload['id']}", **JSON).json()["done"] is True
    assert Recording.objects.count() == 1
