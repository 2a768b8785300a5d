"""Documents uploaded in the editor are read by their content, not their name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.models import Collection

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _form(name: str, content: bytes):
    Form = get_document_form(get_document_model())
    data = {"title": "配布資料", "collection": Collection.get_first_root_node().pk}
    return Form(data, {"file": SimpleUploadedFile(name, content)})


def test_a_real_pdf_is_accepted():
    form = _form("資料.pdf", PDF)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "name, content",
    [("資料.pdf", b"<html><script>alert(1)</script></html>"), ("資料.pdf", b"MZ\x90\x00program")],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_in_japanese(name, content):
    form = _form(name, content)
    assert not form.is_valid()
    assert "添付できない種類のファイル" in str(form.errors["file"])


def test_an_extension_outside_the_list_is_refused():
    assert not _form("script.exe", PDF).is_valid()
