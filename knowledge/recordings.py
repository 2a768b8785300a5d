"""Recordings uploaded in chunks. Daphne holds a whole request body in memory, so a recording of
a few gigabytes comes as many requests of settings.RECORDING_CHUNK_BYTES each, appended to a
file under MEDIA_ROOT/tmp/recordings/. Every chunk says at which byte it starts; the file's
length is the one truth about how much has arrived, so a repeated, late or out-of-order chunk is
refused (the answer says where to go on) and cannot corrupt what is there, and an upload cut off
half-way goes on from its last byte. The type is read from the content (puremagic) on the first
chunk and again on the whole file; the finished file becomes a knowledge.Recording.

Each upload is two files: ``<id>.json`` (who, title, announced size; written once, replaced
when finished) and ``<id>.part`` (the bytes). No table: nothing but the uploader's own requests
reads them, and ``clean_expired`` drops those not touched for UPLOAD_EXPIRY."""

import contextlib
import fcntl
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Recording

UPLOAD_EXPIRY = 24 * 3600  # seconds since an unfinished upload last grew
PENDING_PER_MEMBER = 3
HEAD_BYTES = 8192
TITLE_MAX = 200
# sniffed extension or MIME type -> (content type served, extension stored)
TYPES = {
    ".mp4": ("video/mp4", ".mp4"),
    "video/mp4": ("video/mp4", ".mp4"),
    ".m4a": ("audio/mp4", ".m4a"),
    ".f4a": ("audio/mp4", ".m4a"),
    "audio/mp4": ("audio/mp4", ".m4a"),
    ".webm": ("video/webm", ".webm"),
    "video/webm": ("video/webm", ".webm"),
    "audio/webm": ("audio/webm", ".webm"),
    ".mp3": ("audio/mpeg", ".mp3"),
    "audio/mpeg": ("audio/mpeg", ".mp3"),
    ".ogg": ("audio/ogg", ".ogg"),
    ".oga": ("audio/ogg", ".ogg"),
    "application/ogg": ("audio/ogg", ".ogg"),
    "audio/ogg": ("audio/ogg", ".ogg"),
    ".wav": ("audio/wav", ".wav"),
    "audio/wav": ("audio/wav", ".wav"),
    "audio/x-wav": ("audio/wav", ".wav"),
}
ACCEPTED = "MP4、WebM、M4A、MP3、Ogg、WAV"


class UploadError(ValidationError):
    """A refused request, with a code for the JSON answer and a Japanese message."""

    def __init__(self, message: str, code: str, status: int = 400, received: int | None = None):
        super().__init__(message, code=code)
        self.status = status
        self.received = received


@dataclass(frozen=True)
class Upload:
    id: str
    member_id: int
    title: str
    name: str
    size: int
    recording_id: int | None = None

    @property
    def received(self) -> int:
        try:
            return _part(self.id).stat().st_size
        except FileNotFoundError:
            return self.size if self.recording_id else 0

    def as_json(self) -> dict:
        data = {
            "id": self.id,
            "size": self.size,
            "received": self.received,
            "chunk_bytes": settings.RECORDING_CHUNK_BYTES,
            "done": bool(self.recording_id),
        }
        if self.recording_id:
            data["recording"] = self.recording_id
        return data


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "tmp" / "recordings"


def _part(upload_id: str) -> Path:
    return folder() / f"{upload_id}.part"


def _info(upload_id: str) -> Path:
    return folder() / f"{upload_id}.json"


# --- starting ---------------------------------------------------------------------------


def start(member, *, title: str, name: str, size) -> Upload:
    """A new, empty upload of ``size`` bytes, or UploadError. A member has at most
    PENDING_PER_MEMBER unfinished uploads: starting one more drops their oldest."""
    title, name = (title or "").strip(), PurePath(str(name or "")).name[:150]
    if not title:
        raise UploadError(_("タイトルを入れてください。"), "invalid")
    if len(title) > TITLE_MAX:
        message = _("タイトルは%(n)d文字以内にしてください。") % {"n": TITLE_MAX}
        raise UploadError(message, "invalid")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise UploadError(_("ファイルの大きさがわかりません。選び直してください。"), "invalid")
    if size > settings.RECORDING_MAX_BYTES:
        raise UploadError(_too_big(), "too_large", status=413)
    clean_expired()
    _drop_oldest(member.pk)
    upload = Upload(uuid.uuid4().hex, member.pk, title, name or "recording", size)
    folder().mkdir(parents=True, exist_ok=True)
    _part(upload.id).touch()
    _write_info(upload)
    return upload


def _too_big() -> str:
    limit = settings.RECORDING_MAX_BYTES
    unit, name = next((u, n) for u, n in ((2**30, "GB"), (2**20, "MB"), (2**10, "KB"), (1, "B"))
                      if limit >= u)  # fmt: skip
    size = f"{limit / unit:.3g}{name}"
    return _("ファイルが大きすぎます。%(size)s以下にしてください。") % {"size": size}


def _write_info(upload: Upload) -> None:
    temporary = _info(upload.id).with_suffix(".json.tmp")
    temporary.write_text(json.dumps(upload.__dict__, ensure_ascii=False))
    os.replace(temporary, _info(upload.id))


def _drop_oldest(member_id: int) -> None:
    pending = [upload for upload in _all() if upload.member_id == member_id
               and not upload.recording_id]  # fmt: skip
    pending.sort(key=lambda upload: _mtime(_part(upload.id)))
    for upload in pending[: max(0, len(pending) - PENDING_PER_MEMBER + 1)]:
        discard(upload)


def _all() -> list[Upload]:
    found = []
    for path in folder().glob("*.json") if folder().is_dir() else []:
        upload = _load(path.stem)
        if upload is not None:
            found.append(upload)
    return found


def _load(upload_id: str) -> Upload | None:
    if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
        return None
    try:
        return Upload(**json.loads(_info(upload_id).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def get(member, upload_id: str) -> Upload | None:
    """The member's own upload, or None (someone else's is as missing as a made-up one)."""
    upload = _load(upload_id)
    return upload if upload is not None and upload.member_id == member.pk else None


def discard(upload: Upload) -> None:
    _part(upload.id).unlink(missing_ok=True)
    _info(upload.id).unlink(missing_ok=True)


# --- chunks -----------------------------------------------------------------------------


def append(upload: Upload, offset, data: bytes) -> Upload:
    """``data`` written at byte ``offset``, which must be exactly what has arrived so far.
    Finishing the last chunk makes the recording (``upload.recording_id``)."""
    if upload.recording_id:
        raise UploadError(_("このアップロードはもう終わっています。"), "finished", 409,
                          received=upload.size)  # fmt: skip
    if len(data) > settings.RECORDING_CHUNK_BYTES:
        raise UploadError(_("一度に送れる量を超えています。"), "chunk_too_large", 413)
    if not data:
        raise UploadError(_("送られたデータが空です。"), "empty")
    with _locked(upload) as handle:
        received = handle.seek(0, os.SEEK_END)
        if offset != received:
            raise UploadError(_("送信位置が合いません。続きから送り直します。"), "offset_mismatch",
                              409, received=received)  # fmt: skip
        if received + len(data) > upload.size:
            raise UploadError(_("最初に伝えた大きさを超えています。"), "too_large", 413)
        if received == 0 and sniff(data) is None:
            discard(upload)
            raise UploadError(_not_media(), "not_media", 415)
        handle.write(data)
        handle.flush()
        if received + len(data) == upload.size:
            return finish(upload)
    return upload


@contextlib.contextmanager
def _locked(upload: Upload):
    """The upload's bytes, open for appending, locked against a second request doing the same
    at the same moment (which is told to wait and ask where to go on)."""
    try:
        handle = open(_part(upload.id), "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError as error:
        raise UploadError(_("アップロードが見つかりません。最初からやり直してください。"),
                          "not_found", 404) from error  # fmt: skip
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            message = _("同じアップロードを別の画面で送信中です。")
            received = os.fstat(handle.fileno()).st_size
            raise UploadError(message, "busy", 409, received=received) from error
        yield handle
    finally:
        handle.close()


def _not_media() -> str:
    return _("動画・音声のファイルではないようです(使える形式: %(types)s)。") % {"types": ACCEPTED}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a recording we play, read from its first bytes: one of
    the likeliest readings must be such a type (RIFF is a WAV or an AVI: the AVI is refused)."""
    try:
        candidates = puremagic.magic_string(head[:HEAD_BYTES])
    except (puremagic.PureError, ValueError):
        return None
    best = max((match.confidence for match in candidates), default=0)
    for match in candidates:
        found = match.confidence == best and (
            TYPES.get(match.extension) or TYPES.get(match.mime_type)
        )
        if found:
            return _video_ogg(head, found)
    return None


def _video_ogg(head: bytes, found: tuple[str, str]) -> tuple[str, str]:
    if found[0] == "audio/ogg" and b"\x80theora" in head[:HEAD_BYTES]:
        return ("video/ogg", ".ogv")
    return found


def sniff_file(path: Path) -> tuple[str, str] | None:
    with open(path, "rb") as handle:
        return sniff(handle.read(HEAD_BYTES))


# --- finishing --------------------------------------------------------------------------


def finish(upload: Upload) -> Upload:
    """The whole file, checked again, moved under recordings/ and made a Recording."""
    try:
        found = sniff_file(_part(upload.id))
    except FileNotFoundError as error:  # dropped meanwhile (cancelled, or a fourth upload)
        raise UploadError(_("アップロードが見つかりません。最初からやり直してください。"),
                          "not_found", 404) from error  # fmt: skip
    if found is None:
        discard(upload)
        raise UploadError(_not_media(), "not_media", 415)
    content_type, extension = found
    name = _stored_name(upload, extension)
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(_part(upload.id), target)
    try:
        with transaction.atomic():
            recording = Recording.objects.create(
                title=upload.title, file=name, content_type=content_type,
                size=target.stat().st_size, uploaded_by_id=upload.member_id,
            )  # fmt: skip
    except Exception:
        os.replace(target, _part(upload.id))
        raise
    done = Upload(**{**upload.__dict__, "recording_id": recording.pk})
    _write_info(done)
    return done


def _stored_name(upload: Upload, extension: str) -> str:
    """recordings/2026/12/<8 hex>-<name>.<ext>: the id keeps names apart, the name helps
    whoever looks at the disk; only letters, digits and a few marks are kept."""
    stem = re.sub(r"[^\w.-]+", "_", PurePath(upload.name).stem).strip("._")[:60] or "recording"
    today = timezone.localdate()
    return f"recordings/{today:%Y/%m}/{upload.id[:8]}-{stem}{extension}"


# --- cleaning ---------------------------------------------------------------------------


def clean_expired(now: float | None = None) -> int:
    """Drop uploads that have not grown for UPLOAD_EXPIRY (finished ones too: their note is
    only kept so that a repeated last chunk hears it is done), and stray files. Returns how
    many uploads went."""
    if not folder().is_dir():
        return 0
    limit = (now or time.time()) - UPLOAD_EXPIRY
    dropped = 0
    for path in list(folder().iterdir()):
        upload_id = path.name.split(".")[0]
        last = max(_mtime(_info(upload_id)), _mtime(_part(upload_id)), _mtime(path))
        if last < limit:
            dropped += path.suffix == ".json"
            path.unlink(missing_ok=True)
    return dropped
