from cityhall import policies
from members.selectors import unread_notification_count


def notifications(request):
    """The unread count on the navigation's bell (members provide it; the nav knows no app)."""
    if not policies.is_verified_member(getattr(request, "user", None)):
        return {}
    return {"unread_count": unread_notification_count(request.user)}
