"""LeanSelect writes the very markup of wtforms' Select, only faster."""

import pytest
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from netzwerk.core.forms import LeanSelect

AWKWARD = [
    SelectChoice("", "Alle Schulen"),
    SelectChoice("1", "Grundschule „Am Park“ & Hort"),
    SelectChoice("2", '<script>alert("x")</script>'),
    SelectChoice("3", "O'Brien-Schule; Süd, Nord"),
    SelectChoice("4", ""),  # no label: wtforms shows the value
    SelectChoice("5", "Mit Attribut", render_kw={"disabled": True}),
    SelectChoice('6"', "Wert mit Anführungszeichen"),
]


def render(field_class, widget, choices, data, **render_kw):
    class ChoiceForm(Form):
        field = field_class("Schule", choices=choices, widget=widget, validate_choice=False)

    form = ChoiceForm(data=data)
    return str(form.field(**render_kw))


@pytest.mark.parametrize("selected", [None, "", "1", "2", "4", "5", '6"'])
def test_a_select_is_the_same_markup_as_wtforms(selected):
    lean = render(SelectField, LeanSelect(), AWKWARD, {"field": selected}, required=True)
    plain = render(SelectField, Select(), AWKWARD, {"field": selected}, required=True)
    assert lean == plain
    assert "<script>" not in lean


def test_a_multiple_select_with_groups_is_the_same_markup_as_wtforms():
    grouped = [
        SelectChoice(str(n), f"Schule {n} <{n}>", optgroup="Grundschule" if n < 3 else "Gymnasium")
        for n in range(1, 6)
    ]
    data = {"field": ["2", "4"]}
    lean = render(SelectMultipleField, LeanSelect(multiple=True), grouped, data, size=10)
    plain = render(SelectMultipleField, Select(multiple=True), grouped, data, size=10)
    assert lean == plain
    assert lean.count(" selected") == 2
