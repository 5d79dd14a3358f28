from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from app.models.ticket import PRIORITIES, STATUSES


class MacroForm(FlaskForm):
    name = StringField("Name")
    body = TextAreaField("Reply text")
    internal = BooleanField("Add the text as an internal note, not a reply to the customer")
    shared = BooleanField("Shared with everyone (otherwise only you see it)")
    status = SelectField("Set status", choices=[("", "Leave as is")] + [(s, s.replace("_", " ")) for s in STATUSES],
                         validate_choice=False)
    priority = SelectField("Set priority", choices=[("", "Leave as is")] + [(p, p) for p in PRIORITIES],
                           validate_choice=False)
    assignee_id = SelectField("Assign to", choices=[("", "Leave as is")], validate_choice=False)
    add_tags = StringField("Add tags")

    def actions(self) -> dict[str, object]:
        return {"status": self.status.data, "priority": self.priority.data, "assignee_id": self.assignee_id.data,
                "add_tags": self.add_tags.data or ""}
