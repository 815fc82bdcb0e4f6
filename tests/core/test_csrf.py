"""CSRF protection: every state-changing route refuses a request without a token."""

import re

# RFC 8058 one-click unsubscribe: mail programs POST to the link in List-Unsubscribe
# without a session, so there can be no token. The signed link authorises it, and all
# it can do is take the address off one list (see netzwerk/mailing/routes.py).
EXEMPT_ENDPOINTS = {"mailing.unsubscribe"}


def test_every_post_route_refuses_a_missing_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint == "static" or rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        url = re.sub(r"<(?:[a-z]+:)?([^>]+)>", "1", rule.rule)
        for method in methods:
            response = client.open(url, method=method, data={"email": "a@example.org"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "Formular ist abgelaufen" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 4
