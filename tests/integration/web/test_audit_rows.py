"""The audit table's changes rendered in Python print what the `value` macro of components/audit.html prints."""

from __future__ import annotations

from flask import Flask, render_template_string

from app.web.audit import rows

VALUES = [None, "", "plain", "<script>alert(1)</script>", 0, 3.5, True, ["a", "b"], ["<b>", None, 2],
          {"in_app": True, "email": "off"}, {"k": "<i>x</i>"}, [], {}]


def test_each_value_prints_as_the_macro_prints_it(app: Flask) -> None:
    with app.test_request_context():
        tojson = rows._tojson()
        for v in VALUES:
            macro = render_template_string('{% from "components/audit.html" import value %}{{ value(v) }}', v=v)
            assert str(rows._value(v, tojson)) == macro, v


def test_changes_are_sorted_as_dictsort_and_pairs_split() -> None:
    found = rows.changes({"b": [1, 2], "A": "x", "c": [1, 2, 3]}, lambda v: rows.Markup("J"))
    assert [c.field for c in found] == ["A", "b", "c"]
    assert [(c.pair, str(c.before), str(c.after)) for c in found][1] == (True, "1", "2")
    assert not found[0].pair and not found[2].pair and str(found[2].before) == "<code>J</code>"
