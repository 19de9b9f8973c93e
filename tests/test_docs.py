"""The README and docs/ describe the site that is there."""

import re
from pathlib import Path

from django.core.management import get_commands
from django.urls import URLPattern, URLResolver

from netsite import urls

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def section(text, heading):
    """The text under a Markdown ``heading`` up to the next one of its level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + 1)
    return text[start : end if end != -1 else None]


def test_what_is_where_lists_every_address_the_site_serves():
    table = section((ROOT / "README.md").read_text(), "## What is where")
    listed = set(re.findall(r"^\| `(/[^`]*)`", table, flags=re.MULTILINE))
    listed |= set(re.findall(r"`(/[^`<]*)", table))
    served = {
        "/" + str(pattern.pattern).split("/", 1)[0].lstrip("^")
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern | URLResolver)
    }

    missing = {
        prefix
        for prefix in served
        if not any(path.startswith(prefix) for path in listed)
    }
    assert missing == set()


def test_every_command_of_the_site_has_a_section_in_the_operating_guide():
    guide = (ROOT / "docs" / "operating.md").read_text()
    headings = " ".join(re.findall(r"^###? .*$", guide, flags=re.MULTILINE))
    ours = {
        name
        for name, app in get_commands().items()
        if app in ("netsite", "board", "chat")
    }

    assert {name for name in ours if f"`{name}`" not in headings} == set()


def test_links_between_the_docs_lead_to_files_that_exist():
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if re.match(r"[a-z]+:|#", target):
                continue
            if not (doc.parent / target.split("#", 1)[0]).exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []
