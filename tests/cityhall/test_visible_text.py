"""Text that shows nothing (zero-width spaces and joiners, the BOM, soft hyphens, white space)
counts as empty wherever a member names or writes something others read: a post, a chat
message, a display name, a group's name, a session's title, a message to registrants."""

import pytest
from django.core.exceptions import ValidationError

from cityhall.text import blank
from events.forms import MessageForm, SeriesForm
from groups.forms import GroupProposalForm
from members.forms import ProfileForm, SignupExtraForm

INVISIBLE = " \u200b\u200c\u200d\u2060\ufeff\u00ad\u3000\n"


def test_blank_is_text_that_shows_nothing():
    assert blank("") and blank(INVISIBLE)
    assert not blank("\u200bあ") and not blank("_") and not blank("\u200b.")


@pytest.mark.parametrize(
    "field",
    [SignupExtraForm.base_fields["display_name"], ProfileForm.base_fields["display_name"],
     GroupProposalForm.base_fields["name"], GroupProposalForm.base_fields["description"],
     SeriesForm.base_fields["title"], MessageForm.base_fields["subject"],
     MessageForm.base_fields["body"]],
)  # fmt: skip
def test_a_name_or_text_of_invisible_characters_alone_is_refused(field):
    field = field.__class__(**{"max_length": field.max_length, "required": True})
    with pytest.raises(ValidationError):
        field.clean(INVISIBLE)
    assert field.clean("\u200b山田 花子") == "\u200b山田 花子"


def test_a_group_proposal_named_with_zero_width_spaces_is_an_error_in_japanese():
    form = GroupProposalForm(data={"name": "\u200b\u200b", "description": "説明", "kind": "open"})
    assert not form.is_valid() and "name" in form.errors
