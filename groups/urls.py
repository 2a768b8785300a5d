from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("groups/", views.directory, name="index"),
    path("groups/new/", views.propose, name="propose"),
    path("groups/proposals/", views.proposals, name="proposals"),
    path("groups/moderation/", views.site_moderation, name="site_moderation"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("groups/<slug:slug>/", views.detail, name="detail"),
    path("groups/<slug:slug>/decide", views.decide, name="decide"),
    path("groups/<slug:slug>/join", views.join, name="join"),
    path("groups/<slug:slug>/leave", views.leave, name="leave"),
    path("groups/<slug:slug>/request", views.request_to_join, name="request"),
    path("groups/<slug:slug>/watch", views.watch, name="watch"),
    path("groups/<slug:slug>/members/", views.members, name="members"),
    path(
        "groups/<slug:slug>/members/<id:membership_id>/suspend",
        views.member_suspend,
        name="member_suspend",
    ),
    path(
        "groups/<slug:slug>/members/<id:membership_id>/unsuspend",
        views.member_unsuspend,
        name="member_unsuspend",
    ),
    path(
        "groups/<slug:slug>/members/<id:membership_id>/remove",
        views.member_remove,
        name="member_remove",
    ),
    path("groups/<slug:slug>/bans/<id:ban_id>/lift", views.ban_lift, name="ban_lift"),
    path("groups/<slug:slug>/people/", views.people, name="people"),
    path("groups/<slug:slug>/moderation/", views.moderation, name="moderation"),
    path("groups/<slug:slug>/new/", views.topic_new, name="topic_new"),
    path("groups/<slug:slug>/mentions", views.mentions, name="mentions"),
    path("groups/<slug:slug>/draft", views.draft, name="draft"),
    path("groups/<slug:slug>/t/<id:topic_id>/", views.topic, name="topic"),
    # Replies are sent to the topic page itself (a refused one comes back there, text kept);
    # "reply" names where they go.
    path("groups/<slug:slug>/t/<id:topic_id>/", views.topic, name="reply"),
    # Where reply forms loaded before that went: their replies still arrive.
    path("groups/<slug:slug>/t/<id:topic_id>/reply", views.topic),
    path("groups/<slug:slug>/t/<id:topic_id>/moderate", views.moderate_topic, name="moderate"),
    path("groups/<slug:slug>/t/<id:topic_id>/move", views.move_topic, name="move"),
    path("groups/<slug:slug>/t/<id:topic_id>/watch", views.watch_topic, name="watch_topic"),
    path("groups/<slug:slug>/p/<id:post_id>/edit", views.post_edit, name="post_edit"),
    path("groups/<slug:slug>/p/<id:post_id>/delete", views.post_delete, name="post_delete"),
    path("groups/<slug:slug>/p/<id:post_id>/history", views.post_history, name="post_history"),
    path("groups/<slug:slug>/p/<id:post_id>/react", views.react, name="react"),
    path("groups/<slug:slug>/p/<id:post_id>/bookmark", views.bookmark, name="bookmark"),
    path("groups/<slug:slug>/p/<id:post_id>/accept", views.accept, name="accept"),
    path("groups/<slug:slug>/p/<id:post_id>/flag", views.flag, name="flag"),
    path("groups/<slug:slug>/p/<id:post_id>/quote", views.quote, name="quote"),
    path(
        "groups/<slug:slug>/files/<id:attachment_id>/preview/",
        views.attachment,
        {"preview": True},
        name="attachment_preview",
    ),
    path(
        "groups/<slug:slug>/files/<id:attachment_id>/<str:name>",
        views.attachment,
        name="attachment",
    ),
]
