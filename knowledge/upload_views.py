"""The recording uploader: a page with a small script (static/js/recording-upload.js) and the
JSON endpoints it talks to (knowledge.recordings does the work). Any verified member may upload;
a recording is seen only by its uploader until a page they may see plays it."""

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from knowledge import recordings
from knowledge.models import Recording


def page(request):
    context = {
        "chunk_bytes": settings.RECORDING_CHUNK_BYTES,
        "max_bytes": settings.RECORDING_MAX_BYTES,
        "accepted": recordings.ACCEPTED,
        "recent": Recording.objects.filter(uploaded_by=request.user)[:5],
    }
    return render(request, "knowledge/recordings/upload.html", context)


def _error(error: recordings.UploadError) -> JsonResponse:
    answer = {"error": error.code, "message": error.messages[0]}
    if error.received is not None:
        answer["received"] = error.received
    return JsonResponse(answer, status=error.status)


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": "invalid", "message": message}, status=status)


@require_POST
def start(request):
    """{"title", "name", "size"} → the new upload's id and where it stands (201)."""
    if request.content_type != "application/json":  # a form's body is already read
        return _bad(_("送られた内容が読み取れません。"))
    try:
        data = json.loads(request.body)
    except ValueError:
        return _bad(_("送られた内容が読み取れません。"))
    if not isinstance(data, dict):
        return _bad(_("送られた内容が読み取れません。"))
    try:
        upload = recordings.start(request.user, title=data.get("title"), name=data.get("name"),
                                  size=data.get("size"))  # fmt: skip
    except recordings.UploadError as error:
        return _error(error)
    return JsonResponse(upload.as_json(), status=201)


@require_http_methods(["GET", "POST", "DELETE"])
def upload(request, upload_id: str):
    """GET: how many bytes have arrived (to go on after a break). POST ?offset=N with the bytes
    as the body: one chunk. DELETE: give up."""
    found = recordings.get(request.user, upload_id)
    if found is None:
        if request.method != "GET":
            return _bad(_("アップロードが見つかりません。最初からやり直してください。"), 404)
        raise Http404
    if request.method == "DELETE":
        if not found.recording_id:
            recordings.discard(found)
        return JsonResponse({"deleted": not found.recording_id})
    if request.method == "POST":
        return _chunk(request, found)
    return JsonResponse(found.as_json())


def _chunk(request, found):
    if request.content_type != "application/octet-stream":
        return _bad(_("送られた内容が読み取れません。"))
    try:
        offset = int(request.GET.get("offset", ""))
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _bad(_("送信位置が正しくありません。"))
    if length > settings.RECORDING_CHUNK_BYTES:
        message = _("一度に送れる量を超えています。")
        return JsonResponse({"error": "chunk_too_large", "message": message}, status=413)
    try:
        done = recordings.append(found, offset, request.read(settings.RECORDING_CHUNK_BYTES + 1))
    except recordings.UploadError as error:
        return _error(error)
    answer = done.as_json()
    if done.recording_id:
        recording = Recording.objects.get(pk=done.recording_id)
        answer.update(title=recording.title, url=recording.file.url,
                      content_type=recording.content_type)  # fmt: skip
    return JsonResponse(answer)
