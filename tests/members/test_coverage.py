"""The coverage page: which schools have professionals, in the figures the offices publish."""

import re

import pytest
from sqlalchemy import event, text

from netzwerk.db import db
from netzwerk.demo.context import COORDINATOR_EMAIL, DEMO_PASSWORD
from netzwerk.members.models import SchoolForm
from netzwerk.members.queries import coverage_summary
from tests.factories import get_group, make_district, make_member, make_school
from tests.helpers import text_of

URL = "/verwaltung/abdeckung"


def uncovered_rows(html: str) -> list[str]:
    rows = re.findall(r'<tr class="uncovered">(.*?)</tr>', html, re.S)
    return [text_of(row) for row in rows]


@pytest.fixture()
def network(app):
    """Five schools in two districts: three covered by SchuSo and/or SOFA, two uncovered.

    Gymnasium Süd has only an inactive member and therefore counts as uncovered.
    """
    get_group("schuso")
    get_group("sofa")
    a = make_school("Grundschule Am Markt", SchoolForm.GRUNDSCHULE, district="Nord")
    b = make_school("Grundschule Bachstraße", SchoolForm.GRUNDSCHULE, district="Süd")
    make_school("Gymnasium Nord", SchoolForm.GYMNASIUM, district="Nord")
    d = make_school("Gymnasium Süd", SchoolForm.GYMNASIUM, district="Süd")
    e = make_school("Realschule Eichenweg", SchoolForm.REALSCHULE, district="Nord")
    make_member(first_name="Anna", last_name="Arndt", group="schuso", schools=[a, e])
    make_member(first_name="Bodo", last_name="Bauer", group="sofa", schools=[a])
    make_member(first_name="Clara", last_name="Cramer", group="schuso", schools=[b])
    make_member(first_name="Emil", last_name="Engel", group="sofa", schools=[e])
    make_member(first_name="Dora", last_name="Dorn", group="schuso", schools=[d], is_active=False)
    return {"nord": make_district("Nord").id, "sued": make_district("Süd").id}


def test_summary_counts_schools_and_active_professionals(coordinator_client, network):
    text = text_of(coordinator_client.get(URL).text)
    assert "3 von 5 Schulen mit Fachkräften 4 Fachkräfte 2 Schulen ohne Fachkraft" in text
    assert "3 von 5 Schulen mit SchuSo 2 Fachkräfte" in text
    assert "2 von 5 Schulen mit SOFA 2 Fachkräfte" in text


@pytest.mark.parametrize(
    ("query", "schools", "members", "schuso", "sofa"),
    [
        ("schulform=grundschule", "2 von 2", 3, "2 von 2", "1 von 2"),
        ("schulform=gymnasium", "0 von 2", 0, "0 von 2", "0 von 2"),
        ("sozialraum={nord}", "2 von 3", 3, "2 von 3", "2 von 3"),
        ("sozialraum={sued}", "1 von 2", 1, "1 von 2", "0 von 2"),
        ("schulform=grundschule&sozialraum={sued}", "1 von 1", 1, "1 von 1", "0 von 1"),
    ],
)
def test_summary_follows_the_filter(
    coordinator_client, network, query, schools, members, schuso, sofa
):
    text = text_of(coordinator_client.get(f"{URL}?{query.format(**network)}").text)
    professionals = "1 Fachkraft" if members == 1 else f"{members} Fachkräfte"
    assert f"{schools} Schulen mit Fachkräften {professionals} " in text
    assert f"{schuso} Schulen mit SchuSo" in text
    assert f"{sofa} Schulen mit SOFA" in text


def test_page_and_start_page_agree(coordinator_client, network):
    summary = coverage_summary()
    assert (summary.schools_covered, summary.schools_total, summary.members_active) == (3, 5, 4)
    start = text_of(coordinator_client.get("/").text)
    assert "3 von 5 Schulen mit Fachkräften" in start


def test_uncovered_schools_are_marked_with_a_text_badge(coordinator_client, network):
    rows = uncovered_rows(coordinator_client.get(URL).text)
    assert [row.split(" ohne Fachkraft")[0] for row in rows] == ["Gymnasium Nord", "Gymnasium Süd"]
    assert all("ohne Fachkraft" in row for row in rows)


def test_table_names_active_professionals_per_group(coordinator_client, network):
    html = coordinator_client.get(URL).text
    row = next(
        text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "Realschule Eichenweg" in r
    )
    assert row == "Realschule Eichenweg Realschule Nord Anna Arndt Emil Engel"
    assert "Dora Dorn" not in html  # inactive members cover nothing


def test_only_uncovered_schools_on_request(coordinator_client, network):
    html = coordinator_client.get(f"{URL}?nur_ohne=y").text
    text = text_of(html)
    assert "Grundschule Am Markt" not in text
    assert len(uncovered_rows(html)) == 2
    assert "3 von 5 Schulen mit Fachkräften" in text  # the summary still covers all schools


def test_breakdown_by_schulform_and_district(coordinator_client, network):
    text = text_of(coordinator_client.get(URL).text)
    assert "Grundschule 2 2 0" in text
    assert "Gymnasium 0 2 2" in text
    assert "Realschule 1 1 0" in text
    assert "Nord 2 3 1" in text
    assert "Süd 1 2 1" in text


def test_schools_without_district_appear_in_their_own_row(coordinator_client, network):
    make_school("Förderschule Lindenhof", SchoolForm.FOERDERSCHULE, district=None)
    text = text_of(coordinator_client.get(URL).text)
    assert "ohne Sozialraum 0 1 1" in text
    assert "3 von 6 Schulen mit Fachkräften" in text


def school_rows(html: str) -> list[str]:
    """The school names in the table, in order."""
    return re.findall(r'<th scope="row"><a href="/verwaltung/schulen/\d+">([^<]+)</a>', html)


def test_the_table_is_paged_and_the_figures_cover_every_school(app, coordinator_client, network):
    app.config["MEMBERS_PER_PAGE"] = 2

    first = coordinator_client.get(URL).text
    last = coordinator_client.get(URL, query_string={"page": 3}).text

    assert school_rows(first) == ["Grundschule Am Markt", "Grundschule Bachstraße"]
    assert "5 Schulen, Seite 1 von 3" in text_of(first)
    assert '<nav class="pagination" aria-label="Seiten">' in first
    # The table sits below the summary: paging lands on it, not on the top of the page.
    assert 'href="/verwaltung/abdeckung?page=2#schulen" rel="next">Weiter' in first
    assert '<h2 id="schulen">Schulen im Einzelnen</h2>' in first
    assert school_rows(last) == ["Realschule Eichenweg"]
    assert 'rel="prev">‹ Zurück' in last and 'rel="next"' not in last
    for html in (first, last):  # the summary and the breakdown count all five schools
        assert "3 von 5 Schulen mit Fachkräften" in text_of(html)
        assert "Gymnasium 0 2 2" in text_of(html)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", last, re.S) if "Eichenweg" in r)
    assert text_of(row) == "Realschule Eichenweg Realschule Nord Anna Arndt Emil Engel"


def test_paging_keeps_the_filters_and_a_page_past_the_end_shows_the_last(
    app, coordinator_client, network
):
    app.config["MEMBERS_PER_PAGE"] = 1
    query = {"nur_ohne": "y", "sozialraum": network["nord"]}

    first = coordinator_client.get(URL, query_string=query).text
    beyond = coordinator_client.get(URL, query_string={**query, "page": 99}).text

    assert school_rows(first) == ["Gymnasium Nord"]
    assert "1 Schule ohne Fachkraft" in text_of(first)
    assert "Seite" not in text_of(first).split("Schulen im Einzelnen")[1]
    assert school_rows(beyond) == ["Gymnasium Nord"]
    query = {"nur_ohne": "y"}
    second = coordinator_client.get(URL, query_string={**query, "page": 2}).text
    assert school_rows(second) == ["Gymnasium Süd"]
    assert "2 Schulen ohne Fachkraft, Seite 2 von 2" in text_of(second)
    assert 'href="/verwaltung/abdeckung?nur_ohne=y&amp;page=1#schulen" rel="prev"' in second


def _statements_for(client, url: str) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # Tests share the requests' session: end its transaction and expire what it holds,
    # so both measurements start like a real request, with nothing cached.
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _grow_network(schools: int) -> None:
    for n in range(schools):
        school = make_school(
            f"Zusatzschule {n:03d}",
            list(SchoolForm)[n % len(SchoolForm)],
            district=("Nord", "Süd", "West")[n % 3],
        )
        if n % 4:
            make_member(group=("schuso", "sofa", "mpt")[n % 3], schools=[school])


def test_statement_count_does_not_grow_with_the_network(coordinator_client, network):
    small = _statements_for(coordinator_client, URL)
    _grow_network(30)
    large = _statements_for(coordinator_client, URL)
    assert large == small
    assert small <= 10
    assert "25 von 35 Schulen mit Fachkräften" in text_of(coordinator_client.get(URL).text)


def _sql_count(query: str, **params) -> int:
    return db.session.execute(text(query), params).scalar_one()


COVERED_SQL = (
    "SELECT COUNT(DISTINCT ms.school_id) FROM member_schools ms "
    "JOIN members m ON m.id = ms.member_id JOIN schools s ON s.id = ms.school_id "
    "LEFT JOIN professional_groups g ON g.id = m.group_id "
    "WHERE m.is_active AND COALESCE(g.slug, '') LIKE :group AND s.school_form LIKE :form"
)


def test_coverage_figures_on_demo_data(runner, client, auth):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    auth.login(COORDINATOR_EMAIL, DEMO_PASSWORD)

    text_all = text_of(client.get(URL).text)
    total = _sql_count("SELECT COUNT(*) FROM schools")
    covered = _sql_count(COVERED_SQL, group="%", form="%")
    assert 0 < covered < total
    assert f"{covered} von {total} Schulen mit Fachkräften" in text_all
    for slug, name in (("schuso", "SchuSo"), ("sofa", "SOFA"), ("mpt", "MPT"), ("sds", "SDS")):
        by_group = _sql_count(COVERED_SQL, group=slug, form="%")
        assert f"{by_group} von {total} Schulen mit {name}" in text_all

    text_grundschule = text_of(client.get(f"{URL}?schulform=grundschule").text)
    grundschulen = _sql_count("SELECT COUNT(*) FROM schools WHERE school_form = 'grundschule'")
    covered_grundschulen = _sql_count(COVERED_SQL, group="%", form="grundschule")
    assert f"{covered_grundschulen} von {grundschulen} Schulen mit Fachkräften" in text_grundschule
