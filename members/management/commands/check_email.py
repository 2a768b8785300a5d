from django.core.management.base import BaseCommand

from members.domains import check_email


class Command(BaseCommand):
    help = "Say whether each address may register, and why not: ok|rejected <TAB> address <TAB> ..."

    def add_arguments(self, parser):
        parser.add_argument("addresses", nargs="+", metavar="ADDRESS")

    def handle(self, *args, **options):
        for raw in options["addresses"]:
            check = check_email(raw)
            if check.allowed:
                organization = (
                    str(check.organization) if check.organization else "(団体不明: 登録時に選択)"
                )
                self.stdout.write(f"ok\t{check.address}\t{organization}")
            else:
                self.stdout.write(f"rejected\t{check.address}\t{check.reason}")
