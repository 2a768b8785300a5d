"""Preview of Markdown before it is posted: the text as the site's one renderer
(cityhall.markdown) will show it. A write in the sense of the rate limits (it costs the server
a render), answered in JSON, errors included. Forms also work without JavaScript: their
「プレビュー」 button re-renders the form with the preview and the text kept."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from cityhall import markdown, ratelimits

PREVIEW_MAX = 20000


def markdown_preview(request):
    if request.method != "POST":
        response = JsonResponse(
            {"error": "method_not_allowed", "message": _("POST で送ってください。")}, status=405
        )
        response["Allow"] = "POST"
        return response
    text = request.POST.get("text", "")
    if len(text) > PREVIEW_MAX:
        message = _("本文は%(max)d文字以内にしてください。") % {"max": PREVIEW_MAX}
        return JsonResponse({"error": "too_long", "message": message}, status=400)
    ratelimits.hit("preview", request.user)  # RateLimited: a JSON 429 (RateLimitedMiddleware)
    return JsonResponse({"html": markdown.render(text).html})
