from django.shortcuts import render

from members import selectors


def home(request):
    member = selectors.own_profile(request.user)
    return render(request, "home.html", {"member": member})
