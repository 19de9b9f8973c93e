"""What the text of a post or message says beyond its letters."""

import re

# "@" and a Django username, not inside a word (so not an e-mail address).
MENTION = re.compile(r"(?<!\w)@([\w.@+-]+)")


def mentioned_usernames(text: str) -> list[str]:
    """Return the usernames ``text`` mentions with ``@name``, once each, in order."""
    return list(dict.fromkeys(MENTION.findall(text)))
