"""The lab pages in Chromium: the address bar and the forms drive them."""

from playwright.sync_api import expect


def test_hello_greets_the_name_in_the_address(page, server):
    page.goto(server.url + "/lab/hello/?name=Ada")

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome Ada!")
    assert page.problems == []


def test_hello_greets_the_name_typed_into_its_form(page, server):
    page.goto(server.url + "/lab/hello/?name=Ada")
    page.get_by_label("Name").fill("<b>Grace</b>")
    page.get_by_role("button", name="Greet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome <b>Grace</b>!")
    assert "name=%3Cb%3EGrace%3C%2Fb%3E" in page.url


def test_hello_without_a_name_says_what_is_missing(page, server):
    response = page.goto(server.url + "/lab/hello/")

    assert response.status == 400
    expect(page.locator("main")).to_contain_text("Missing parameter ‘name’")


def test_add_shows_the_sum_and_recomputes_from_its_form(page, server):
    page.goto(server.url + "/lab/add/?x=300&y=20")
    expect(page.locator("output")).to_have_text("300 + 20 = 320")

    page.get_by_label("x").fill("0.1")
    page.get_by_label("y").fill("0.2")
    page.get_by_role("button", name="Compute").click()

    expect(page.locator("output")).to_have_text("0.1 + 0.2 = 0.3")
    assert page.problems == []


def test_add_refuses_a_word_instead_of_a_number(page, server):
    response = page.goto(server.url + "/lab/add/?x=ten&y=2")

    assert response.status == 400
    expect(page.locator("main")).to_contain_text("Parameter ‘x’ is not a number")
