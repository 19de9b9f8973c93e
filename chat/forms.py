from django import forms

from chat.models import Message, Room
from content.forms import FormKeyField


class RoomForm(forms.Form):
    title = forms.CharField(
        label="Room title",
        max_length=Room.TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": Room.TITLE_MAX_LENGTH}),
        error_messages={"required": "Give the room a title."},
    )
    topic = forms.CharField(
        label="Topic",
        required=False,
        max_length=Room.TOPIC_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "maxlength": Room.TOPIC_MAX_LENGTH,
                "placeholder": "what the room is for (optional)",
            }
        ),
    )


class TopicForm(forms.Form):
    topic = forms.CharField(
        label="Topic",
        required=False,
        max_length=Room.TOPIC_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": Room.TOPIC_MAX_LENGTH}),
    )


class MessageForm(forms.Form):
    """The room page's form, used when JavaScript is off (or the socket is)."""

    text = forms.CharField(
        label="Message",
        # No max_length: the service checks length (after trimming) and says
        # what is wrong in the same words on every interface.
        strip=False,
        # Several lines: Enter sends, Shift+Enter starts a new line (room.js).
        widget=forms.Textarea(
            attrs={
                "maxlength": Message.TEXT_MAX_LENGTH,
                "autocomplete": "off",
                "rows": 2,
                "cols": 40,
            }
        ),
        error_messages={"required": "Write something before sending."},
    )
    display_name = forms.CharField(
        label="Your name",
        required=False,
        max_length=Message.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "guest"}),
    )
    client_id = FormKeyField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["display_name"]
