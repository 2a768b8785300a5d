from django.core.management.base import BaseCommand

from members.domains import check_email


class Command(BaseCommand):
    help = "Say whether each address may register, and why not: ok|rejected <TAB> address <TAB> ..."

    def add_arguments(self, parser):
        parser.add_argument("addresses", nargs="+", metavar="ADDRESS")

    def handle(self, *args, **options):
        for raw in options["addresses"]:
            check = check_email(raw)
            shown = printable(check.address)
            if check.allowed:
                organization = (
                    str(check.organization) if check.organization else "(団体不明: 登録時に選択)"
                )
                self.stdout.write(f"ok\t{shown}\t{organization}")
            else:
                self.stdout.write(f"rejected\t{shown}\t{check.reason}")


def printable(text: str) -> str:
    """Tabs and newlines shown as \\t and \\n, so each address stays on its own line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
