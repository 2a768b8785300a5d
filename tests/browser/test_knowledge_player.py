"""A member uploads a recording with the chunked uploader, then plays a broadcast episode and
jumps to a chapter: the player seeks there and the file comes by HTTP Range (206)."""

import io
import subprocess
import sys
import urllib.parse
import wave

import pytest

from tests.browser.conftest import ROOT, site_env

pytestmark = pytest.mark.browser

CHAPTER_SECONDS = 45
RATE = 22050

# Run against the live site's database: an open section and a published broadcast page that
# plays the WAV given as argv[1], with two chapters. Prints the page's path.
MAKE_BROADCAST = """
import sys
import django
django.setup()
from django.core.files.base import ContentFile
from knowledge.models import BroadcastPage, Chapter, Recording, SectionPage
from knowledge.services import ensure_home

home = ensure_home()
section = SectionPage.objects.filter(slug="player-test").first()
if section is None:
    section = home.add_child(instance=SectionPage(title="配信テスト", slug="player-test"))
    section.save_revision().publish()
data = open(sys.argv[1], "rb").read()
recording = Recording.objects.create(title="第7回 税務ライブ", content_type="audio/wav",
                                     file=ContentFile(data, "live.wav"), size=len(data))
page = BroadcastPage(title="第7回 税務ライブ", slug=f"live-{recording.pk}", recording=recording)
page.chapters = [Chapter(start="0:00", title="はじめに"),
                 Chapter(start="0:%02d" % int(sys.argv[2]), title="質疑応答")]
section.add_child(instance=page)
page.save_revision().publish()
print(page.get_url())
"""


def wav(seconds: int) -> bytes:
    """A WAV of a quiet tone, large enough (about 1 MB a 24 s) that a seek needs a range."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((b"\x00\x01\x00\xff" * (RATE // 2)) * seconds)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def audio_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "live.wav"
    path.write_bytes(wav(60))
    return path


@pytest.fixture(scope="module")
def broadcast_path(live_site, audio_file):
    """Made by a child process on the live site's database (Django starts slowly: setup)."""
    env = site_env(live_site.database_url, live_site.mail_dir)
    made = subprocess.run(
        [sys.executable, "-c", MAKE_BROADCAST, str(audio_file), str(CHAPTER_SECONDS)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return urllib.parse.urlsplit(made.stdout.strip().splitlines()[-1]).path


def test_upload_a_recording_then_jump_to_a_chapter(member_page, broadcast_path, audio_file):
    page = member_page
    page.goto("/knowledge/-/recordings/upload")
    page.get_by_label("タイトル").fill("練習の録音")
    page.locator("input[type=file]").set_input_files(str(audio_file))
    page.get_by_role("button", name="アップロードする").click()
    page.get_by_role("status").filter(has_text="アップロードしました").wait_for()
    uploaded = page.get_by_role("link", name="練習の録音").get_attribute("href")
    assert uploaded.startswith("/media/recordings/") and uploaded.endswith(".wav")
    first_bytes = page.request.get(uploaded, headers={"Range": "bytes=0-3"})
    assert first_bytes.status == 206 and first_bytes.body() == b"RIFF"

    ranges = []
    page.on("response", lambda r: "/media/recordings/" in r.url and ranges.append(r.status))
    page.goto(broadcast_path)
    page.get_by_role("link", name="質疑応答").click()
    page.wait_for_function(
        """(at) => {
            const player = document.querySelector("[data-player]");
            return !player.seeking && player.readyState >= 2
                && Math.abs(player.currentTime - at) < 2;
        }""",
        arg=CHAPTER_SECONDS,
    )
    assert page.url.endswith(f"#t={CHAPTER_SECONDS}")
    assert 206 in ranges, ranges
    assert page.get_by_role("link", name="質疑応答").get_attribute("aria-current") == "time"
