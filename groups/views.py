from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall import ratelimits
from cityhall.params import int_param
from groups import forms, policies, rendering, selectors, services
from groups import unread as group_unread
from groups.access import (
    attachment_for,
    group_for,
    post_for,
    readable_group_for,
    topic_for,
)
from groups.attachments import PREVIEW_TYPE, served_name
from groups.models import (
    Group,
    JoinRequest,
    Membership,
    WatchLevel,
)
from members import selectors as member_selectors


def _errors(request, error: ValidationError) -> None:
    if isinstance(error, ratelimits.RateLimited):
        raise error  # a 429 page (ratelimits.RateLimitedMiddleware)
    for message in error.messages:
        messages.error(request, message)


# --- directory, proposals, membership -----------------------------------------------------


def directory(request):
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.group_directory(request.user, q), 30).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    unread = selectors.unread_by_group(request.user)
    chat = group_unread.by_group(request.user).get("chat", {})
    rows = [(group, unread.get(group.pk, (0, 0)), chat.get(group.pk, 0)) for group in page]
    return render(request, "groups/directory.html", {"page": page, "rows": rows, "q": q})


@require_http_methods(["GET", "POST"])
def propose(request):
    form = forms.GroupProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_propose(proposer=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("グループを提案しました。サイトのモデレーターが確認します。")
            )
            return redirect("groups:detail", group.slug)
    return render(request, "groups/propose.html", {"form": form},
                  status=ratelimits.form_status(request, form, 200))  # fmt: skip


def proposals(request):
    if not policies.can_review_proposals(request.user):
        raise Http404
    return render(request, "groups/proposals.html", {"groups": selectors.proposals()})


@require_POST
def decide(request, slug: str):
    access = group_for(request.user, slug)
    form = forms.DecisionForm(request.POST)
    if not policies.can_review_proposals(request.user) or not form.is_valid():
        raise PermissionDenied
    try:
        services.group_decide(reviewer=request.user, group=access.group, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    return redirect("groups:proposals")


def detail(request, slug: str):
    access = group_for(request.user, slug)
    can_read = access.can(policies.can_read, request.user)
    page = None
    if can_read:
        page = Paginator(selectors.topic_list(request.user, access), 30).get_page(
            int_param(request.GET.get("page"), default=1, minimum=1)
        )
        for item in page:
            item.unread = item.highest_post_number - (item.last_read or 0)
    chat_unread = 0
    if access.membership is not None and access.group.chat_enabled:
        chat_unread = group_unread.by_group(request.user).get("chat", {}).get(access.group.pk, 0)
    return render(request, "groups/detail.html",
                  _group_context(request, access, page=page, chat_unread=chat_unread))  # fmt: skip


def _group_context(request, access, **extra) -> dict:
    member = request.user
    pending = access.membership is None and access.group.kind == Group.Kind.CLOSED
    return {
        "group": access.group,
        "membership": access.membership,
        "invitation": access.invitation,
        "can_read": access.can(policies.can_read, member),
        "can_post": access.can(policies.can_post, member),
        "can_moderate": access.can(policies.can_moderate, member),
        "can_see_members": access.can(policies.can_see_members, member),
        "can_join": access.can(policies.can_join, member),
        "can_request": access.can(policies.can_request_to_join, member),
        "pending_request": pending and selectors.has_pending_request(member, access.group),
        "watch_level": extra.pop("watch_level", None)
        or (access.membership and selectors.watch_level(member, access.group)),
        "watch_levels": WatchLevel.choices,
        **extra,
    }


@require_POST
def join(request, slug: str):
    access = group_for(request.user, slug)
    if access.invitation is not None:
        services.invitation_answer(member=request.user, invitation=access.invitation, accept=True)
    else:
        services.group_join(member=request.user, group=access.group)
    messages.success(request, _("グループに参加しました。"))
    return redirect("groups:detail", slug)


@require_POST
def leave(request, slug: str):
    access = group_for(request.user, slug)
    try:
        services.group_leave(member=request.user, group=access.group)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("グループを退会しました。"))
    return redirect("groups:detail", slug)


@require_POST
def request_to_join(request, slug: str):
    access = group_for(request.user, slug)
    form = forms.JoinRequestForm(request.POST)
    if form.is_valid():
        services.join_request_create(member=request.user, group=access.group, **form.cleaned_data)
        messages.success(request, _("参加を申請しました。承認されると通知が届きます。"))
    return redirect("groups:detail", slug)


@require_http_methods(["GET", "POST"])
def members(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    if request.method == "POST":
        _members_action(request, access)
        return redirect("groups:members", slug)
    actor, mine = request.user, access.membership
    memberships = list(selectors.group_members(access))
    for item in memberships:
        item.can_act = policies.may_act_on(actor, access.group, mine, item.member, item)
        item.can_set_role = policies.may_set_role(actor, access.group, mine, item.member, item,
                                                  item.role)  # fmt: skip
    return render(
        request,
        "groups/members.html",
        _group_context(
            request, access,
            requests=selectors.pending_requests(access),
            memberships=memberships,
            can_manage=access.can(policies.can_manage, actor),
            roles=policies.roles_to_give(actor, mine),
            suspension_days=SUSPENSION_DAYS,
        ),
    )  # fmt: skip


def people(request, slug: str):
    """Who belongs to the group, with their roles, for those who may read it; the same 404 as
    for the group for everyone else."""
    access = group_for(request.user, slug)
    if not access.can(policies.can_see_members, request.user):
        raise Http404
    page = Paginator(selectors.group_roster(access), PEOPLE_PER_PAGE).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    return render(request, "groups/people.html", _group_context(request, access, page=page))


PEOPLE_PER_PAGE = 50


def _members_action(request, access) -> None:
    action = request.POST.get("action")
    try:
        if action in {"approve", "decline"}:
            join_request = access.group.join_requests.get(pk=int_param(request.POST.get("request")))
            services.join_request_decide(
                moderator=request.user, request=join_request, approve=action == "approve"
            )
        elif action == "invite":
            invitee = member_selectors.member_by_handle(
                request.user, request.POST.get("handle", "")
            )
            if invitee is None:
                raise ValidationError(_("そのハンドル名の会員は見つかりません。"))
            services.invitation_create(inviter=request.user, group=access.group, invitee=invitee)
            messages.success(
                request, _("%(name)sさんを招待しました。") % {"name": invitee.display_name}
            )
        elif action in {"role", "remove", "suspend", "unsuspend"}:
            membership = access.group.memberships.get(pk=int_param(request.POST.get("membership")))
            if action in {"suspend", "unsuspend"}:
                services.membership_suspend(
                    actor=request.user, membership=membership,
                    until=_suspension_end(request.POST.get("days")) if action == "suspend" else None,
                    reason=request.POST.get("reason", ""),
                )  # fmt: skip
            elif action == "role":
                services.membership_set_role(
                    actor=request.user, membership=membership, role=request.POST.get("role", "")
                )
            else:
                services.membership_remove(
                    actor=request.user, membership=membership, reason=request.POST.get("reason", "")
                )
    except (JoinRequest.DoesNotExist, Membership.DoesNotExist) as missing:
        raise Http404 from missing
    except ValidationError as error:
        _errors(request, error)


SUSPENSION_DAYS = {"1": 1, "7": 7, "30": 30}


def _suspension_end(days: str | None):
    if days not in SUSPENSION_DAYS:
        raise ValidationError(_("停止する期間を選んでください。"))
    return timezone.now() + timedelta(days=SUSPENSION_DAYS[days])


@require_POST
def watch(request, slug: str):
    access = readable_group_for(request.user, slug)
    try:
        services.watch_set(
            member=request.user, group=access.group, level=request.POST.get("level", "")
        )
    except ValidationError as error:
        _errors(request, error)
    return redirect("groups:detail", slug)


# --- topics and posts ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def topic_new(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_post, request.user):
        raise PermissionDenied
    form = forms.TopicForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(
                author=request.user, group=access.group, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("groups:topic", topic.group.slug, topic.pk)
    status = ratelimits.form_status(request, form, 400 if form.errors else 200)
    return render(request, "groups/topic_new.html", _group_context(request, access, form=form),
                  status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def topic(request, slug: str, topic_id: int):
    """The topic page; a reply is sent to it, so a refused reply comes back on the same page
    with its text in the box and the reason beside it."""
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    if request.method == "POST":
        return _reply(request, access, topic)
    return _topic_page(request, access, topic, forms.ReplyForm())


def _topic_page(request, access, topic, reply_form, status=200):
    page = _page_number(request, topic)
    member = request.user
    posts = selectors.posts_page(member, access, topic, page)
    for post in posts:
        post.topic = topic
        post.can_edit = policies.can_edit_post(member, post, access.membership)
    if posts:
        services.topic_mark_read(
            member=member, topic=topic, number=posts[-1].number, known=topic.last_read
        )
    can_accept = policies.can_accept_answer(member, topic, access.membership)
    return render(
        request,
        "groups/topic.html",
        _group_context(
            request, access,
            topic=topic, page=page,
            post_html=rendering.posts_html(
                posts, slug=access.group.slug, accepted_post_id=topic.accepted_post_id,
                can_accept=can_accept,
            ),
            pages=range(1, selectors.page_of(topic.highest_post_number) + 1),
            reply_form=reply_form,
            can_reply=policies.can_post(member, access.group, access.membership, topic),
            first_unread=topic.last_read + 1 if topic.last_read < topic.highest_post_number else None,
            watch_level=selectors.watch_level(member, access.group, topic),
            move_targets=selectors.moderated_groups(member).exclude(pk=access.group.pk)
            if access.can(policies.can_moderate, member) else [],
        ),
        status=status,
    )  # fmt: skip


def _page_number(request, topic) -> int:
    """The page holding post ``?n=``, else page ``?page=``; page 1 for anything odd."""
    last = selectors.page_of(topic.highest_post_number)
    number = int_param(request.GET.get("n"), minimum=1)
    if number is not None:
        return min(selectors.page_of(number), last)
    return min(int_param(request.GET.get("page"), default=1, minimum=1), last)


def _reply(request, access, topic):
    form = forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        number = form.cleaned_data["reply_to"]
        reply_to = selectors.post_numbered(topic, number) if number else None
        try:
            post = services.post_create(
                author=request.user, topic=topic, body=form.cleaned_data["body"],
                reply_to=reply_to, files=form.cleaned_data["files"],
                client_id=form.cleaned_data["client_id"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error(
                None, _("このトピックには返信できなくなりました。返信は送られていません。")
            )
            return _topic_page(request, access, topic, form, status=403)
        else:
            return redirect(services.post_url(post))
    return _topic_page(
        request, access, topic, form, status=ratelimits.form_status(request, form, 400)
    )


@require_http_methods(["GET", "POST"])
def post_edit(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    gone = request.method == "POST" and post.is_deleted
    if not gone and not policies.can_edit_post(request.user, post, access.membership):
        raise PermissionDenied
    initial = {"body": post.body, "title": post.topic.title, "version": post.version}
    form = forms.EditForm(request.POST or None, initial=initial)
    conflict = None
    if gone:
        form.add_error(None, _("この投稿は削除されたため、編集は保存されていません。"))
    elif request.method == "POST" and form.is_valid():
        try:
            services.post_edit(editor=request.user, post=post, body=form.cleaned_data["body"],
                               title=form.cleaned_data["title"] or None,
                               version=form.cleaned_data["version"])  # fmt: skip
        except services.EditConflict as error:
            conflict = error.current
            form = _edit_form_at(request.POST, conflict.version)
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(services.post_url(post))
    status = (
        409
        if gone or conflict
        else ratelimits.form_status(request, form, 400 if form.errors else 200)
    )
    context = _group_context(request, access, post=post, form=form, conflict=conflict)
    if conflict is not None:
        context["conflict_diff"] = selectors.text_diff(conflict.body, form.data["body"])
    return render(request, "groups/post_edit.html", context, status=status)


def _edit_form_at(data, version: int) -> forms.EditForm:
    """The editor's own text, now based on ``version``: saving it again is a deliberate choice
    made after seeing the current text."""
    data = data.copy()
    data["version"] = str(version)
    form = forms.EditForm(data)
    form.is_valid()
    return form


@require_http_methods(["GET", "POST"])
def post_delete(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    if not policies.can_delete_post(request.user, post, access.membership):
        raise PermissionDenied
    form = forms.DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.post_delete(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        messages.success(request, _("投稿を削除しました。"))
        if post.number == 1:
            return redirect("groups:detail", slug)
        return redirect(services.post_url(post))
    return render(request, "groups/post_delete.html",
                  _group_context(request, access, post=post, form=form))  # fmt: skip


def post_history(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    readable = policies.can_see_post_text(request.user, post, access.membership)
    return render(request, "groups/post_history.html", _group_context(
        request, access, post=post,
        revisions=selectors.revisions_with_diffs(post) if readable else None,
    ))  # fmt: skip


@require_POST
def react(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    form = forms.ReactionForm(request.POST)
    if form.is_valid():
        services.reaction_toggle(member=request.user, post=post, kind=form.cleaned_data["kind"])
    return redirect(services.post_url(post))


@require_POST
def bookmark(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    on = services.bookmark_toggle(member=request.user, post=post)
    messages.success(
        request, _("ブックマークしました。") if on else _("ブックマークを外しました。")
    )
    return redirect(services.post_url(post))


@require_POST
def accept(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    take_back = request.POST.get("undo") == "1"
    try:
        services.answer_accept(
            actor=request.user, topic=post.topic, post=None if take_back else post
        )
    except ValidationError as error:
        _errors(request, error)
    return redirect(services.post_url(post))


@require_http_methods(["GET", "POST"])
def flag(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    form = forms.FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(flagger=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("通報しました。モデレーターが確認します。"))
        return redirect(services.post_url(post))
    return render(
        request, "groups/flag.html", _group_context(request, access, post=post, form=form)
    )


def attachment(request, slug: str, attachment_id: int, name: str = "", preview: bool = False):
    """An attached file, or with ``preview`` the small image shown inline in its post. Served
    under a name whose extension agrees with the type found in its content; only images are
    shown inline, everything else is a download."""
    access = readable_group_for(request.user, slug)
    item = attachment_for(request.user, access, attachment_id, preview=preview)
    file, content_type = (item.preview, PREVIEW_TYPE) if preview else (item.file, item.content_type)
    try:
        response = FileResponse(file.open("rb"), content_type=content_type,
                                as_attachment=not content_type.startswith("image/"),
                                filename=served_name(item.original_name, content_type))  # fmt: skip
    except FileNotFoundError as missing:
        raise Http404 from missing
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- moderation ---------------------------------------------------------------------------


@require_POST
def moderate_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    form = forms.ModerateForm(request.POST)
    if not access.can(policies.can_moderate, request.user) or not form.is_valid():
        raise PermissionDenied
    services.topic_moderate(actor=request.user, topic=topic, **form.cleaned_data)
    messages.success(request, _("操作しました。"))
    return redirect("groups:topic", slug, topic.pk)


@require_POST
def move_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    target = group_for(request.user, request.POST.get("to", ""))
    services.topic_move(actor=request.user, topic=topic, to_group=target.group,
                        reason=request.POST.get("reason", ""))  # fmt: skip
    messages.success(
        request, _("トピックを「%(group)s」に移動しました。") % {"group": target.group.name}
    )
    return redirect("groups:topic", target.group.slug, topic.pk)


@require_POST
def watch_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    try:
        services.watch_set(member=request.user, topic=topic, level=request.POST.get("level", ""))
    except ValidationError as error:
        _errors(request, error)
    return redirect("groups:topic", slug, topic.pk)


@require_http_methods(["GET", "POST"])
def moderation(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    if request.method == "POST":
        flag_item = (
            selectors.moderation_queue(request.user, access.group)
            .filter(pk=int_param(request.POST.get("flag")))
            .first()
        )
        if flag_item is None:
            raise Http404
        services.flag_resolve(moderator=request.user, flag=flag_item,
                              hide_post=request.POST.get("action") == "hide")  # fmt: skip
        return redirect("groups:moderation", slug)
    return render(request, "groups/moderation.html", _group_context(
        request, access,
        flags=selectors.moderation_queue(request.user, access.group),
        log=selectors.moderation_log(access.group)[:100],
        can_manage=access.can(policies.can_manage, request.user),
    ))  # fmt: skip


def site_moderation(request):
    flags = selectors.moderation_queue(request.user)
    requests = selectors.pending_requests_to_moderate(request.user)
    return render(request, "groups/site_moderation.html", {"flags": flags, "requests": requests})


def bookmarks(request):
    return render(
        request, "groups/bookmarks.html", {"bookmarks": selectors.bookmarks(request.user)}
    )
