from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from app.services.errors import Invalid


class UserForm(FlaskForm):
    """Limits and rules live in the service (one source of truth); the form carries values back."""

    email = StringField("Email")
    name = StringField("Name")
    role = SelectField("Role", validate_choice=False)


class EditUserForm(FlaskForm):
    email = StringField("Email")
    name = StringField("Name")
    permissions = TextAreaField("Extra permissions (one per line)")


class RoleForm(FlaskForm):
    role = SelectField("Role", validate_choice=False)


def show_errors(form: FlaskForm, exc: Invalid) -> None:
    """Put a service's field errors next to the fields; the rest at the top of the form."""
    for name, messages in exc.details.items():
        field = form._fields.get(name)  # noqa: SLF001
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)
    if not exc.details:
        form.form_errors.append(exc.message)
