"""The members' panels on the home page (cityhall.home), registered from MembersConfig.ready:
「プロフィールを整える」 while the profile still lacks something (saying what), and finding
people who do the same work."""

from cityhall.home import HomePanel, register
from members import selectors


def profile(member) -> dict | None:
    missing = selectors.profile_gaps(member)
    return {"missing": missing} if missing else None


def people(member) -> dict:
    return {}


def register_panels() -> None:
    register(HomePanel("members.profile", 50, "members/home/profile.html", profile))
    register(HomePanel("members.people", 60, "members/home/people.html", people))
