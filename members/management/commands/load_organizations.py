from django.core.management.base import BaseCommand

from members.directory import load_organizations
from members.models import Organization, OrganizationDomain


class Command(BaseCommand):
    help = "Load or refresh the organization directory (keeps administrators' corrections)."

    def handle(self, *args, **options):
        count = load_organizations(Organization, OrganizationDomain)
        self.stdout.write(f"organizations: {count}")
