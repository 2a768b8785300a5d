"""The events panels on the home page (cityhall.home): the member's next sessions with their
status (参加予定 / 補欠 / 抽選待ち), and for organizers the sessions they run next and those
that ended without attendance recorded. One query for both (selectors.home_sessions)."""

from cityhall.home import HomePanel, register
from events import selectors


def my_next(member) -> dict | None:
    mine = selectors.home_sessions(member).mine
    if not mine:
        return None
    return {"occurrences": mine}


def organizing(member) -> dict | None:
    sessions = selectors.home_sessions(member)
    if not sessions.upcoming and not sessions.unrecorded:
        return None
    return {"upcoming": sessions.upcoming, "unrecorded": sessions.unrecorded}


def register_panels() -> None:
    register(HomePanel("events.my_next", 25, "events/home/my_next.html", my_next))
    register(HomePanel("events.organizing", 26, "events/home/organizing.html", organizing))
