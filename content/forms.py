"""What the board's and the chat's forms share."""

import uuid

from django import forms


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
