"""Links in e-mails written by CLI jobs point at the configured site."""

from netzwerk.core.urls import external_url


def test_external_url_outside_a_request_uses_base_url(app):
    app.config["BASE_URL"] = "https://netzwerk.example.org"
    assert external_url("core.imprint") == "https://netzwerk.example.org/impressum"


def test_external_url_inside_a_request_uses_the_request_host(app):
    app.config["SERVER_NAME"] = None
    with app.test_request_context("/", base_url="https://andere.example.org"):
        assert external_url("core.imprint") == "https://andere.example.org/impressum"
