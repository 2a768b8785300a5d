from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cityhall import home as home_panels
from cityhall import moderation as queues


def home(request):
    """The page a member opens every morning: the panels the apps registered, in order."""
    # The panels get the request's member (its organization came with the session), whose
    # per-request counts (moderation queues, unread counts) the navigation shares.
    member = request.user
    panels = home_panels.shown(member)
    return render(request, "home.html", {"member": member, "panels": panels})


def moderation(request):
    """Every moderation queue the member handles, with how many items wait in each."""
    waiting = queues.waiting(request.user)
    if not waiting:
        raise PermissionDenied
    return render(request, "moderation.html", {"waiting": waiting})
