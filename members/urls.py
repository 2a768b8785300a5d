from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("members/", views.member_directory, name="directory"),
    path("signup/organizations", views.signup_organizations, name="signup_organizations"),
    path("members/<id:member_id>/", views.member_detail, name="detail"),
    path("members/<id:member_id>/card", views.member_card, name="card"),
    path("members/mentions", views.mention_candidates, name="mentions"),
    path("members/<id:member_id>/suspend", views.member_suspend, name="suspend"),
    path("members/<id:member_id>/unsuspend", views.member_unsuspend, name="unsuspend"),
    path("members/suspensions/", views.suspension_list, name="suspensions"),
    path("members/@<str:handle>", views.member_by_handle, name="by_handle"),
    path("members/<id:member_id>/avatar", views.member_avatar, name="avatar"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/history/add", views.posting_add, name="posting_add"),
    path("profile/history/<id:posting_id>/delete", views.posting_delete, name="posting_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("api/notifications/unread", views.notification_count, name="notification_count"),
]
