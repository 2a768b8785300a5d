"""``manage.py check_email ADDRESS...``: one tab-separated line per address."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

NOT_GOVERNMENT = "自治体・省庁のメールアドレスでのみ登録できます。"
IDEOGRAPHIC_DOT = "「。」や「．」ではなく半角の「.」を使ってください。"
TWO_AT_SIGNS = "「@」はちょうど1つだけ含めてください。"
ADDRESS_LITERAL = "IPアドレスを[ ]で囲んだ形式のアドレスは登録できません。"


def run(*addresses: str) -> str:
    out = StringIO()
    call_command("check_email", *addresses, stdout=out)
    return out.getvalue()


def test_one_line_per_address_in_the_order_given():
    output = run(
        "suzuki@city.kobe.lg.jp",
        "SATO@City.Funabashi.LG.JP",
        "fuchu@city.fuchu.lg.jp",
        "x@city.kobe.lg.jp.example.com",
        "ｓｕｚｕｋｉ@city.kobe.lg.jp",
        "kato@rinya.maff.go.jp",
    )
    assert output == (
        "ok\tsuzuki@city.kobe.lg.jp\t神戸市\n"
        "ok\tsato@city.funabashi.lg.jp\t千葉県船橋市\n"
        "ok\tfuchu@city.fuchu.lg.jp\t(団体不明: 登録時に選択)\n"
        "rejected\tx@city.kobe.lg.jp.example.com\t自治体・省庁のメールアドレスでのみ登録できます。\n"
        "rejected\tｓｕｚｕｋｉ@city.kobe.lg.jp\t全角文字や記号が含まれています。半角英数字で入力してください。\n"
        "ok\tkato@rinya.maff.go.jp\t林野庁\n"
    )


@pytest.mark.parametrize(
    ("address", "columns"),
    [
        ("oda@town.okutama.tokyo.jp", ["ok", "oda@town.okutama.tokyo.jp", "東京都奥多摩町"]),
        ("x@city.example.jp", ["rejected", "x@city.example.jp", NOT_GOVERNMENT]),
        ("x@city。kobe.lg.jp", ["rejected", "x@city。kobe.lg.jp", IDEOGRAPHIC_DOT]),
        ("x@y@city.kobe.lg.jp", ["rejected", "x@y@city.kobe.lg.jp", TWO_AT_SIGNS]),
        ("x@[1.2.3.4]", ["rejected", "x@[1.2.3.4]", ADDRESS_LITERAL]),
    ],
)
def test_each_line_is_verdict_address_and_organization_or_reason(address, columns):
    assert run(address) == "\t".join(columns) + "\n"


def test_every_line_has_exactly_three_columns():
    lines = run("a@city.kobe.lg.jp", "b@gmail.com", "c@lg.jp", "d@soumu.go.jp").splitlines()
    assert len(lines) == 4
    assert [len(line.split("\t")) for line in lines] == [3, 3, 3, 3]
    assert [line.split("\t")[0] for line in lines] == ["ok", "rejected", "rejected", "ok"]


def test_at_least_one_address_is_required():
    with pytest.raises(CommandError):
        call_command("check_email")


def test_control_characters_cannot_break_the_columns():
    out = StringIO()
    call_command("check_email", "a\tb@city.kobe.lg.jp", stdout=out)
    line = out.getvalue().rstrip("\n")
    assert "\n" not in line and line.split("\t")[:2] == ["rejected", "a\\tb@city.kobe.lg.jp"]
