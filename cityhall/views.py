from django.shortcuts import render

from cityhall import home as home_panels
from members import selectors


def home(request):
    """The page a member opens every morning: the panels the apps registered, in order."""
    member = selectors.own_profile(request.user)
    panels = home_panels.shown_panels(member) if member is not None else []
    return render(request, "home.html", {"member": member, "panels": panels})
