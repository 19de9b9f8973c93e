import pytest

from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def test_a_visitor_signs_up_and_is_logged_in(client, django_user_model):
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert django_user_model.objects.filter(username="grace").exists()
    assert "grace" in client.get("/").content.decode()


def test_sign_up_with_mismatched_passwords_shows_the_error(client, django_user_model):
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "password1": "a long passphrase 42",
            "password2": "another passphrase",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 400
    assert "password fields didn’t match" in response.content.decode()
    assert not django_user_model.objects.filter(username="grace").exists()


def test_log_in_and_log_out(client, user):
    token = csrf_token(client, "/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {
            "username": "ada",
            "password": "correct horse 1",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()

    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "Log in" in client.get("/").content.decode()


def test_a_wrong_password_does_not_log_in(client, user):
    token = csrf_token(client, "/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": "ada", "password": "wrong", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize(
    "username", ["Admin", "\u0430dmin", "system", "ADA", "\u0430da"]
)
def test_nobody_signs_up_under_a_name_that_passes_for_another(
    client, django_user_model, username
):
    django_user_model.objects.create_user("ada")
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": username,
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    # Django says so itself for the same name in another case.
    assert "choose another" in page or "already exists" in page
    assert django_user_model.objects.count() == 1


def test_sign_up_keeps_an_optional_e_mail_address(client, django_user_model):
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert django_user_model.objects.get(username="grace").email == (
        "grace@example.org"
    )


def test_sign_up_refuses_a_malformed_e_mail_address(client, django_user_model):
    token = csrf_token(client, "/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace at home",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not django_user_model.objects.filter(username="grace").exists()
