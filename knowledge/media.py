"""/media/: every uploaded file of the knowledge base (image originals and renditions,
documents, recordings) is served here after knowledge.policies says yes, and nothing else is.
Answers HTTP Range requests (206) so a player can seek within a recording."""

import mimetypes
import os
import re

from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from knowledge import files
from knowledge.models import Recording

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024
# Documents a browser shows itself rather than saving (as Wagtail's own serve view does).
INLINE_DOCUMENTS = {"application/pdf", "text/plain"}


def owner_of(name: str):
    """(object the file belongs to, its uploader's id, the file) or (None, None, None). A
    rendition belongs to its image, but it is the rendition's own file that is served."""
    Image = get_image_model()
    if name.startswith("recordings/"):
        item = Recording.objects.filter(file=name).first()
        return item, item and item.uploaded_by_id, item and item.file
    if name.startswith("original_images/"):
        image = Image.objects.filter(file=name).first()
        return image, image and image.uploaded_by_user_id, image and image.file
    if name.startswith("images/"):
        rendition = (
            Image.get_rendition_model().objects.filter(file=name).select_related("image").first()
        )
        image = rendition and rendition.image
        return image, image and image.uploaded_by_user_id, rendition and rendition.file
    if name.startswith("documents/"):
        document = get_document_model().objects.filter(file=name).first()
        return document, document and document.uploaded_by_user_id, document and document.file
    return None, None, None


@require_safe
def serve(request, name: str):
    if ".." in name.split("/") or "\\" in name:
        raise Http404
    obj, uploader, stored = owner_of(name)
    if obj is None or not files.may_view(request, obj, uploader):
        raise Http404
    content_type = getattr(obj, "content_type", "") or mimetypes.guess_type(name)[0]
    response = ranged_file_response(request, stored.path,
                                    content_type or "application/octet-stream")  # fmt: skip
    if name.startswith("documents/") and content_type not in INLINE_DOCUMENTS:
        response["Content-Disposition"] = content_disposition_header(True, obj.filename)
    return response


def ranged_file_response(request, path: str, content_type: str) -> HttpResponse:
    """The file, whole (200) or the one byte range asked for (206); 416 for a range past its
    end. Several ranges in one request get the whole file, as RFC 9110 allows. HEAD gets the
    same headers and no body."""
    try:
        size = os.path.getsize(path)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError as error:
        raise Http404 from error
    start, end = _byte_range(request.headers.get("Range", ""), size)
    if start is None and end is not None:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    status, length = (200, size) if start is None else (206, end - start + 1)
    if request.method == "HEAD":
        handle.close()
        response = HttpResponse(status=status, content_type=content_type)
    elif start is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        handle.seek(start)
        response = FileResponse(_limited(handle, length), status=206, content_type=content_type)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["Last-Modified"] = http_date(os.path.getmtime(path))
    return response


def _byte_range(header: str, size: int) -> tuple[int | None, int | None]:
    """(start, end) of a satisfiable single range; (None, None) for none or one we ignore
    (malformed, several, or last before first); (None, size) for an unsatisfiable one."""
    match = _RANGE.match(header.strip())
    if not match:
        return None, None
    first, last = match.groups()
    if not first and not last:
        return None, None
    if not first:
        length = int(last)
        if length == 0 or size == 0:
            return None, size
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None, None
    if start >= size:
        return None, size
    end = min(int(last), size - 1) if last else size - 1
    return start, end


def _limited(handle, length: int):
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()
