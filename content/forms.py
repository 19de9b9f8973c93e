"""What the board's and the chat's forms share."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from content import search


def new_form_key():
    return uuid.uuid4().hex


class FormKeyField(forms.CharField):
    """
    A hidden one-time key, new each time the form is shown, that the view
    passes to the service as the item's ``client_id``: a browser that sends
    the form again (a retry after a lost response, a second click) gets the
    item stored the first time instead of a second copy.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        # No max_length: the service checks the key, and its error is shown
        # on the form (a hidden field's own errors would not be).
        super().__init__(required=False, initial=new_form_key, **kwargs)


class SearchField(forms.CharField):
    """Words to search for: content.search says what it cannot search, and why."""

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        try:
            search.words(value)
        except ValidationError as error:
            raise error.error_dict["q"][0] from None


class SearchForm(forms.Form):
    """
    A search of posts or messages, sent by GET: the words, and where the
    previous page ended (``before``, an item id) when paging back.
    """

    q = SearchField(
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
        error_messages={"required": "Type a word to search for."},
    )
    before = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def add_error(self, field, error):
        # A hidden field's error would not be seen: show it above the form.
        if field == "before":
            field, error = None, "That page of results does not exist: search again."
        super().add_error(field, error)
