"""Demo data for the whole site: each app contributes its part (members, then groups)."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from events import demo as events_demo
from groups import demo as groups_demo
from groups.chat import demo as chat_demo
from knowledge import demo as knowledge_demo
from members import services
from members.demo import LOGINS, MEMBERS
from members.models import Organization, User, WorkField


class Command(BaseCommand):
    help = "Create Japanese demo members (safe to run twice). Demo passwords only when DEBUG is on."

    def handle(self, *args, **options):
        created = sum(self._member(spec) for spec in MEMBERS)
        self.stdout.write(f"demo members: {len(MEMBERS)} ({created} new)")
        self.stdout.write(f"demo groups: {groups_demo.seed()} new")
        self.stdout.write(f"demo chat messages: {chat_demo.seed()} new")
        self.stdout.write(f"demo events: {events_demo.seed()} new series")
        self.stdout.write(f"demo knowledge: {knowledge_demo.seed().summary}")
        # The demo writes some rows directly (dates of old threads): the index is built anew.
        call_command("search_reindex", quiet=True)
        self.stdout.write("search index: rebuilt")
        if settings.DEBUG:
            self.stdout.write(f"\nデモ用ログイン (パスワード: {settings.DEMO_PASSWORD})")
            for email, role in LOGINS:
                self.stdout.write(f"  {email}  {role}")
        else:
            self.stdout.write("DEBUG is off: demo members have no usable password.")

    @transaction.atomic
    def _member(self, spec) -> bool:
        if User.objects.filter(email=spec["email"]).exists():
            return False
        member = User.objects.create_user(spec["email"])
        if settings.DEBUG:
            member.set_password(settings.DEMO_PASSWORD)
        else:
            member.set_unusable_password()
        member.department, member.section, member.team = (
            spec["department"],
            spec["section"],
            spec["team"],
        )
        if spec["email"].startswith("demo-admin@"):
            member.is_staff = member.is_superuser = True
        member.save()
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
        services.member_signup_complete(
            member=member,
            display_name=spec["name"],
            display_name_kana=spec["kana"],
            chosen_organization=None,
        )
        services.profile_update(
            member=member,
            data={"bio": spec["bio"]},
            work_fields=WorkField.objects.filter(name__in=spec["fields"]),
        )
        for org_name, department, section, team, started, ended in spec["history"]:
            services.posting_add(
                member=member,
                organization=_organization(org_name),
                department=department,
                section=section,
                team=team,
                started_on=started,
                ended_on=ended,
            )
        return True


def _organization(name: str) -> Organization:
    return Organization.objects.filter(name=name).order_by("lg_code").first()
