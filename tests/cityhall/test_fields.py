"""{% field form.name %}: a field as every form shows it, its label, help and errors tied to
it for screen readers, and what a member or a message holds escaped."""

from django import forms
from django.template import engines
from django.utils import translation


class Sample(forms.Form):
    title = forms.CharField(label="件名 <b>", max_length=5, help_text="5文字まで & 改行なし")
    note = forms.CharField(label="メモ", required=False)
    agree = forms.BooleanField(label="同意する")
    kinds = forms.MultipleChoiceField(
        label="種類", required=False, choices=[("a", "記事"), ("b", "<i>回</i>")],
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


def _field(form, name: str, language: str = "ja") -> str:
    with translation.override(language):
        template = engines["django"].from_string("{% field form." + name + " %}")
        return template.render({"form": form})


def test_a_required_field_says_so_and_ties_its_help_to_it():
    page = _field(Sample(), "title")
    assert page.startswith('<div class="field">\n    <label for="id_title">件名 &lt;b&gt; ')
    assert '<span class="required">(必須)</span></label>' in page
    assert 'aria-describedby="id_title_helptext"' in page
    assert '<p class="help" id="id_title_helptext">5文字まで &amp; 改行なし</p>' in page
    assert "(必須)" not in _field(Sample(), "note")
    assert "(required)" in _field(Sample(), "title", "en")


def test_errors_are_numbered_escaped_and_mark_the_field():
    form = Sample({"title": "<script>長すぎる件名</script>"})
    form.is_valid()
    form.add_error("title", "<em>もう一つ</em>")
    page = _field(form, "title")
    assert page.startswith('<div class="field field--error">')
    assert '<p class="error" id="id_title_error1">' in page
    assert '<p class="error" id="id_title_error2">&lt;em&gt;もう一つ&lt;/em&gt;</p>' in page
    assert 'value="&lt;script&gt;' in page and "<script>" not in page


def test_checkboxes_put_their_labels_where_people_look_for_them():
    single = _field(Sample(), "agree")
    assert '<input type="checkbox" name="agree" required id="id_agree"> ' in single
    assert '<label for="id_agree">同意する</label>' in single
    several = _field(Sample(), "kinds")
    assert '<fieldset class="choices"><legend>種類</legend>' in several
    assert "&lt;i&gt;回&lt;/i&gt;" in several and "<i>" not in several
