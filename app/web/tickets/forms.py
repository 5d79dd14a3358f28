from __future__ import annotations

from typing import NamedTuple

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from app.models.ticket import PRIORITIES


class NewTicketForm(FlaskForm):
    customer_id = SelectField("Customer", validators=[DataRequired(message="Choose a customer.")],
                              validate_choice=False)
    title = StringField("Title", validators=[DataRequired(message="A title is required.")])
    description = TextAreaField("Description")
    priority = SelectField("Priority", choices=[(p, p.title()) for p in PRIORITIES], default="medium")
    tags = StringField("Tags")


class CommentForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired(message="Write something first.")])
    kind = HiddenField(default="reply")
    then_status = HiddenField(default="")
    seen = HiddenField(default="")  # how many entries the thread showed when the message was typed


class _BlankField(NamedTuple):
    data: str = ""
    errors: tuple[str, ...] = ()


class BlankCommentForm(NamedTuple):
    """What the ticket page reads of a `CommentForm` before anything was typed: building the WTForms
    form for an empty textarea cost more than the rest of the page's form put together."""

    body: _BlankField = _BlankField()


BLANK_COMMENT = BlankCommentForm()


class EditTicketForm(FlaskForm):
    title = StringField("Title")
    description = TextAreaField("Description")
    version = HiddenField()
