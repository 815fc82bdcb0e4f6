"""CSRF protection: every state-changing route refuses a request without a token."""

import re


def test_every_post_route_refuses_a_missing_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:[a-z]+:)?([^>]+)>", "1", rule.rule)
        for method in methods:
            response = client.open(url, method=method, data={"email": "a@example.org"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "Formular ist abgelaufen" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 4
