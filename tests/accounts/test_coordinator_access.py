"""Every coordinator page refuses visitors and members: proven by walking the URL map."""

import re

import pytest

COORDINATOR_PREFIX = "/verwaltung"


def coordinator_requests(app):
    """(method, url) for every coordinator route, with placeholder values for arguments."""
    requests = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(COORDINATOR_PREFIX):
            continue
        url = re.sub(r"<(?:int:)?([^>]+)>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((method, url))
    return requests


def test_the_walk_finds_coordinator_routes(app):
    found = coordinator_requests(app)
    assert len(found) >= 3
    assert ("GET", "/verwaltung/mitglieder/") in found


def test_every_route_under_verwaltung_belongs_to_a_guarded_blueprint(app):
    from netzwerk.accounts.access import _require_coordinator

    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(COORDINATOR_PREFIX):
            blueprint = rule.endpoint.rpartition(".")[0]
            assert _require_coordinator in app.before_request_funcs.get(blueprint, []), rule


def test_visitors_are_sent_to_login(app, client):
    for method, url in coordinator_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/login" in response.headers["Location"], (method, url)


def test_members_are_refused(app, member_client):
    for method, url in coordinator_requests(app):
        response = member_client.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "Kein Zugriff" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/verwaltung/mitglieder/", "/verwaltung/abdeckung"])
def test_coordinators_get_in(coordinator_client, path):
    assert coordinator_client.get(path).status_code == 200
