from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall import policies, ratelimits
from cityhall.links import link_maker
from cityhall.params import has_unstorable_text, int_param
from members import domains, selectors, services
from members.forms import MemberSearchForm, PostingForm, ProfileForm, SiteSuspensionForm


def member_detail(request, member_id: int):
    member = selectors.member_for_viewer(request.user, member_id)
    if member is None:
        raise Http404
    is_self = member.pk == request.user.pk
    preview = is_self and request.GET.get("as") == "member"
    visible = policies.visible_profile_fields(request.user, member, as_other=preview)
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "visible": dict.fromkeys(visible, True),
            "is_self": is_self,
            "preview": preview,
            **_suspension_context(request.user, member),
        },
    )


def _suspension_context(viewer, member, form=None) -> dict:
    if not policies.may_suspend_site(viewer, member):
        return {}
    return {
        "may_suspend": True,
        "suspension_form": form or SiteSuspensionForm(),
        "suspension": selectors.current_suspension(member),
    }


@require_POST
def member_suspend(request, member_id: int):
    member = _suspendable(request, member_id)
    form = SiteSuspensionForm(request.POST)
    if form.is_valid():
        services.member_suspend(
            actor=request.user,
            member=member,
            until=form.until(),
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("%(name)sさんの利用を停止しました。") % {"name": member})
        return redirect("members:detail", member.pk)
    context = {"member": member, "visible": {}, **_suspension_context(request.user, member, form)}
    status = ratelimits.form_status(request, form, 400)
    return render(request, "members/member_detail.html", context, status=status)


@require_POST
def member_unsuspend(request, member_id: int):
    member = _suspendable(request, member_id)
    services.member_unsuspend(actor=request.user, member=member)
    messages.success(request, _("%(name)sさんの利用停止を解除しました。") % {"name": member})
    return redirect("members:detail", member.pk)


def _suspendable(request, member_id: int):
    member = selectors.member_for_viewer(request.user, member_id)
    if member is None or not policies.may_suspend_site(request.user, member):
        raise Http404
    return member


def suspension_list(request):
    if not policies.is_site_moderator(request.user):
        raise Http404
    page = Paginator(selectors.site_suspensions(), 50).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    return render(request, "members/suspension_list.html", {"page": page})


def member_directory(request):
    form = MemberSearchForm(request.GET or None)
    query = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.member_directory(request.user, **query), 30).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    detail, card = link_maker("members:detail"), link_maker("members:card")
    rows = []
    for member in selectors.with_work_fields(list(page)):
        member.url, member.card_url = detail(member.pk), card(member.pk)
        visible = policies.visible_profile_fields(request.user, member)
        rows.append((member, dict.fromkeys(visible, True)))
    return render(
        request, "members/member_directory.html", {"form": form, "page": page, "rows": rows}
    )


def member_card(request, member_id: int):
    """The small card a click on a member's name opens (organization, department, work fields,
    handle, a link to the profile), as an HTML fragment; the same 404 for hidden and missing."""
    member = selectors.member_card(request.user, member_id)
    if member is None:
        raise Http404
    visible = policies.visible_profile_fields(request.user, member)
    # Without the request: a fragment needs neither the navigation nor the CSRF token.
    context = {"member": member, "visible": dict.fromkeys(visible, True)}
    return HttpResponse(render_to_string("members/_member_card.html", context))


MENTION_QUERY_MAX = 40


def mention_candidates(request):
    """Members to @mention whose name, reading, handle or organization contains ``q``."""
    return mention_response(request)


def mention_response(request, *, first_ids=None) -> JsonResponse:
    """The JSON of the @mention lookup, also answered by a group's endpoint (``first_ids``: its
    members, listed first)."""
    if not policies.is_verified_member(request.user):
        return JsonResponse({"error": _("見つかりません。")}, status=404)
    q = request.GET.get("q", "")[:MENTION_QUERY_MAX]
    if has_unstorable_text(q):
        q = ""
    found = selectors.mention_candidates(request.user, q, first_ids=first_ids)
    return JsonResponse({
        "members": [
            {
                "id": member.pk,
                "handle": member.handle,
                "name": member.display_name,
                "kana": member.display_name_kana,
                "organization": member.organization.name if member.organization else "",
                "in_group": member.in_group,
            }
            for member in found
        ]
    })  # fmt: skip


def member_by_handle(request, handle: str):
    member = selectors.member_by_handle(request.user, handle)
    if member is None:
        raise Http404
    if member.handle != handle.lower():  # a former handle: on to the current one
        return redirect("members:by_handle", member.handle)
    return redirect("members:detail", member.pk)


def member_avatar(request, member_id: int):
    member = selectors.member_for_viewer(request.user, member_id)
    if member is None or not member.avatar:
        raise Http404
    try:
        response = FileResponse(member.avatar.open("rb"))
    except FileNotFoundError as missing:
        raise Http404 from missing
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def profile_edit(request):
    member = selectors.own_profile(request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("プロフィールを保存しました。"))
            return redirect("members:profile")
    return render(
        request,
        "members/profile_edit.html",
        {"form": form, "member": member},
        status=ratelimits.form_status(request, form, 200),
    )


@require_http_methods(["GET", "POST"])
def posting_add(request):
    form = PostingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.posting_add(member=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("所属の履歴を追加しました。"))
            return redirect("members:profile")
    status = ratelimits.form_status(request, form, 400 if form.errors else 200)
    return render(request, "members/posting_add.html", {"form": form}, status=status)


@require_POST
def posting_delete(request, posting_id: int):
    try:
        services.posting_delete(member=request.user, posting_id=posting_id)
    except services.Posting.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, _("所属の履歴を削除しました。"))
    return redirect("members:profile")


@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(member=request.user)
        return redirect("members:notifications")
    notifications = selectors.notifications_for(request.user)
    return render(request, "members/notification_list.html", {"notifications": notifications})


def notification_count(request):
    return JsonResponse({"unread": selectors.unread_notification_count(request.user)})


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """One row for each kind the apps registered as configurable (cityhall.notifications)."""
    rows = selectors.notification_settings(request.user)
    if request.method == "POST":
        choices = {
            kind.key: (f"{kind.key}-in_app" in request.POST, f"{kind.key}-email" in request.POST)
            for kind, _in_app, _email in rows
        }
        services.notification_preferences_set(member=request.user, choices=choices)
        messages.success(request, _("通知の設定を保存しました。"))
        return redirect("members:notification_preferences")
    rows = [(kind.key, kind.label, in_app, email) for kind, in_app, email in rows]
    return render(request, "members/notification_preferences.html", {"rows": rows})


@login_not_required
@require_POST
def signup_organizations(request):
    """For the sign-up form's script: must this address pick its organization, and from which?
    The form checks the same again when it is sent."""
    if not ratelimit.consume(request, action="organization_lookup"):
        message = _("短い時間に問い合わせが続いています。少し待ってからお試しください。")
        return JsonResponse({"error": "rate_limited", "message": message}, status=429)
    needed, candidates = domains.organization_choice(request.POST.get("email", ""))
    organizations = [organization.pk for organization in candidates] if candidates else None
    return JsonResponse({"needed": needed, "organizations": organizations})
