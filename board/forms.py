from django import forms

from board.models import Post
from content.forms import FormKeyField


class PostForm(forms.Form):
    """A new topic: its first post, and a title (by default the first line)."""

    title = forms.CharField(
        label="Title",
        required=False,
        max_length=Post.TITLE_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "maxlength": Post.TITLE_MAX_LENGTH,
                "placeholder": "Optional: your message's first line otherwise",
            }
        ),
    )
    body = forms.CharField(
        label="Message",
        max_length=Post.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": Post.BODY_MAX_LENGTH}),
        error_messages={"required": "Write something before posting."},
    )
    display_name = forms.CharField(
        label="Your name",
        required=False,
        max_length=Post.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": Post.GUEST_NAME}),
    )
    client_id = FormKeyField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["display_name"]


class ReplyForm(PostForm):
    """A reply to a topic."""

    title = None
