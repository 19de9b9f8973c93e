"""Post to the board from a terminal, through the same service as the form."""

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from board.services import create_post
from content.bans import Banned
from content.commands import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Post TEXT to the board as a user (--as) or a guest (--name): a new "
        "topic, or a reply to one (--topic ID). Open board pages show it at "
        "once when REDIS_URL is set (the channel layer then reaches the server "
        "process); otherwise on their next load."
    )

    def add_arguments(self, parser):
        parser.add_argument("text", help="The post's text, or - to read stdin.")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--as", dest="username", metavar="USER", help="Username.")
        who.add_argument(
            "--name", metavar="NAME", help="A guest's display name (default: guest)."
        )
        parser.add_argument(
            "--client-id",
            metavar="ID",
            help="Posting again with the same id stores nothing new (guests' ids "
            "share one space, so choose one that is yours alone).",
        )
        parser.add_argument(
            "--topic",
            type=int,
            metavar="ID",
            help="Reply to the topic whose first post is ID (as /board/t/ID/ shows "
            "it) instead of starting a new topic.",
        )

    def handle(self, *args, text, username, name, client_id, topic, **options):
        if text == "-":
            text = sys.stdin.read()
        author = None
        if username is not None:
            user_model = get_user_model()
            try:
                author = user_model._default_manager.get_by_natural_key(username)
            except user_model.DoesNotExist:
                raise CommandError(f"There is no user {username!r}.") from None
        try:
            post, _created = create_post(
                body=text,
                author=author,
                display_name=name,
                client_id=client_id,
                topic=topic,
            )
        except Banned as error:
            raise CommandError(error.message) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if self.verbosity >= 1:
            where = f" in topic #{post.topic_id}" if post.topic_id else ""
            self.stdout.write(f"Posted #{post.pk}{where} as {post.display_name}.")
        self.warn_unless_broadcasting("post")
