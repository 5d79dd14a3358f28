from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from app.models.customer import TIERS
from app.services.customers import COMPANY_NAME_MAX, CONTACT_EMAIL_MAX, CONTACT_NAME_MAX


class CustomerForm(FlaskForm):
    company_name = StringField("Company", validators=[DataRequired(), Length(max=COMPANY_NAME_MAX)])
    contact_name = StringField("Contact name", validators=[Length(max=CONTACT_NAME_MAX)])
    contact_email = EmailField(
        "Contact email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=CONTACT_EMAIL_MAX)]
    )
    subscription_tier = SelectField("Tier", choices=[(t, t.capitalize()) for t in TIERS], default="free")
    version = HiddenField()

    def values(self) -> dict[str, str]:
        return {
            name: getattr(self, name).data
            for name in ("company_name", "contact_name", "contact_email", "subscription_tier")
        }

    def add_errors(self, details: dict[str, list[str]]) -> None:
        for name, messages in details.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]

    def version_value(self) -> int:
        return self.parse_version(self.version.data)

    @staticmethod
    def parse_version(raw: object) -> int:
        """A missing or malformed version never matches, so the change is refused as stale."""
        try:
            return int(str(raw))
        except ValueError:
            return -1


class HealthSettingsForm(FlaskForm):
    """The numbers are checked by app.services.health (0–100, healthy above at risk)."""

    weight_revenue = StringField("Revenue weight")
    weight_support = StringField("Support load weight")
    weight_sla = StringField("SLA weight")
    weight_satisfaction = StringField("Satisfaction weight (counts once CSAT ratings exist)")
    healthy_min = StringField("Healthy from score")
    at_risk_below = StringField("At risk below score")

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).data for name in self._fields if name != "csrf_token"}

    def add_errors(self, details: dict[str, list[str]]) -> None:
        for name, messages in details.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
