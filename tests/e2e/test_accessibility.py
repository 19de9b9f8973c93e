"""
What a keyboard or low-vision reader needs, in Chromium: enough contrast in
both colour schemes, a skip link, and the current page marked in the menu.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_board import unique
from tests.e2e.test_chat import make_room, open_room, send

# WCAG 2 AA for body text.
MINIMUM_CONTRAST = 4.5

# The contrast of an element's text against what is painted behind it: its
# colour and every ancestor's opacity blended over the nearest background.
CONTRAST = """
element => {
  const rgba = value => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const luminance = c => {
    const channel = v => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  };
  let opacity = 1;
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    opacity *= Number(style.opacity);
    const background = rgba(style.backgroundColor);
    if (background.a > 0) layers.push(background);
  }
  let behind = {r: 255, g: 255, b: 255, a: 1};  // the canvas
  for (const layer of layers.reverse()) behind = over(layer, behind);
  const text = rgba(getComputedStyle(element).color);
  text.a *= opacity;
  const [light, dark] = [luminance(over(text, behind)), luminance(behind)].sort(
    (x, y) => y - x
  );
  return (light + 0.05) / (dark + 0.05);
}
"""


def contrast(locator):
    return round(locator.evaluate(CONTRAST), 2)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chat_status_error_and_time_text_have_enough_contrast(pages, server, scheme):
    slug = make_room(server)
    page = pages.new(color_scheme=scheme)
    open_room(page, server, slug)
    expect(page.locator("#chat-status")).to_have_text("Live")
    send(page, unique("On time"))
    expect(page.locator("#chat-log .delivered")).to_have_count(1)
    # A message the server refuses (too long: the field's own limit is lifted
    # to let it through) is marked failed with the server's reason.
    page.locator("#chat-form textarea[name=text]").evaluate(
        "input => input.removeAttribute('maxlength')"
    )
    send(page, "x" * 2001)
    expect(page.locator("#chat-log .failed .chat-error")).to_contain_text(
        "2,000 characters"
    )

    measured = {
        "status (live)": contrast(page.locator("#chat-status")),
        "error": contrast(page.locator("#chat-log .failed .chat-error")),
        "failed text": contrast(page.locator("#chat-log .failed .text")),
        "time": contrast(page.locator("#chat-log .delivered time")),
        "author": contrast(page.locator("#chat-log .delivered .author")),
    }
    # Transient looks, measured on the elements the page really uses.
    delivered = page.locator("#chat-log .delivered")
    delivered.evaluate("item => item.classList.add('pending')")
    measured["pending text"] = contrast(delivered.locator(".text"))
    for state in ("closed", "connecting"):
        page.locator("#chat-status").evaluate(
            f"line => line.setAttribute('data-state', '{state}')"
        )
        measured[f"status ({state})"] = contrast(page.locator("#chat-status"))

    assert {
        name: ratio for name, ratio in measured.items() if ratio < MINIMUM_CONTRAST
    } == {}


def test_the_first_tab_stop_skips_to_the_content(page, server):
    page.goto(server.url + "/board/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert contrast(skip) >= MINIMUM_CONTRAST
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")

    # The next stop is the board's form, past the whole menu.
    expect(page.get_by_label("Your name")).to_be_focused()
    assert page.problems == []


def test_the_menu_marks_where_the_reader_is(page, server):
    slug = make_room(server)
    menu = page.get_by_role("navigation", name="Site")

    page.goto(server.url + "/board/")
    board = menu.get_by_role("link", name="Board", exact=True)
    expect(board).to_have_attribute("aria-current", "page")
    expect(menu.locator("[aria-current]")).to_have_count(1)
    weight = board.evaluate("link => getComputedStyle(link).fontWeight")
    chat_weight = menu.get_by_role("link", name="Chat").evaluate(
        "link => getComputedStyle(link).fontWeight"
    )
    assert (weight, chat_weight) == ("700", "400")

    page.goto(f"{server.url}/chat/{slug}/")
    expect(menu.get_by_role("link", name="Chat")).to_have_attribute(
        "aria-current", "true"
    )
    expect(menu.locator("[aria-current]")).to_have_count(1)
