from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cityhall.context_processors import moderation_waiting
from members import selectors


def home(request):
    member = selectors.own_profile(request.user)
    return render(request, "home.html", {"member": member})


def moderation(request):
    """Every moderation queue the member handles, with how many items wait in each."""
    waiting = moderation_waiting(request)
    if not waiting:
        raise PermissionDenied
    return render(request, "moderation.html", {"waiting": waiting})
