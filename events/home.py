"""The events panels on the home page (cityhall.home): the member's next sessions with their
status (参加予定 / 補欠 / 抽選待ち), and for organizers the sessions they run next and those
that ended without attendance recorded. A fixed number of queries each."""

from cityhall.home import HomePanel, register
from events import selectors


def my_next(member) -> dict | None:
    registrations = list(selectors.my_upcoming(member))
    if not registrations:
        return None
    return {"registrations": registrations}


def organizing(member) -> dict | None:
    upcoming, unrecorded = selectors.organizing(member)
    if not upcoming and not unrecorded:
        return None
    return {"upcoming": upcoming, "unrecorded": unrecorded}


def register_panels() -> None:
    register(HomePanel("events.my_next", 25, "events/home/my_next.html", my_next))
    register(HomePanel("events.organizing", 26, "events/home/organizing.html", organizing))
