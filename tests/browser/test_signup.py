import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_up_with_a_government_address_and_the_mailed_code(
    page, sign_up, read_code, screenshot
):
    address = f"hanako.{uuid.uuid4().hex[:10]}@city.yokohama.lg.jp"
    page.goto("/accounts/signup/")
    screenshot(page, "signup")

    sign_up(page, address, name="横浜 花子", kana="よこはま はなこ")

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("確認コード")
    page.get_by_label("コード").fill(read_code(address))
    page.get_by_role("button", name="確認する").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ようこそ、横浜 花子さん")
    expect(page.locator(".welcome")).to_contain_text("横浜市")


def test_a_non_government_address_is_refused_on_the_form(page, sign_up):
    sign_up(page, "hanako.yokohama@gmail.com")

    expect(page.get_by_text("自治体・省庁のメールアドレスでのみ登録できます。")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(page.get_by_label("氏名")).to_have_value("横浜 花子")


def test_a_code_typed_in_full_width_digits_is_accepted(page, sign_up, read_code):
    address = f"taro.{uuid.uuid4().hex[:10]}@city.yokohama.lg.jp"
    sign_up(page, address, name="港 太郎", kana="みなと たろう")
    to_full_width = str.maketrans("0123456789-", "０１２３４５６７８９－")
    full_width = read_code(address).translate(to_full_width)
    code_input = page.get_by_label("コード")
    expect(code_input).to_have_attribute("inputmode", "numeric")
    code_input.fill(full_width)
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ようこそ、港 太郎さん")
