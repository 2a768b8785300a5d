"""Request bodies are Django's alone to parse, through the real server: daphne's Twisted no
longer parses each form post into arguments nobody reads (cityhall.http_server)."""

import httpx


def test_a_malformed_form_body_gets_the_sites_answer(live_site):
    """Twisted's own parser refused this body with a bare 400 and closed the connection;
    Django reads no form in it, so its CSRF check answers, as the site answers."""
    response = httpx.post(
        f"{live_site.url}/accounts/login/", content=b"not a form",
        headers={"Content-Type": "multipart/form-data; boundary=abc"},
    )  # fmt: skip
    assert response.status_code == 403
    assert "content-security-policy" in response.headers
    assert "オンライン市役所" in response.text
