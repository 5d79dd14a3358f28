"""D3/§5: refresh-token families against a tiny model, with random login/refresh/replay/logout steps."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import RefreshToken
from app.services import auth, tokens
from app.services.actor import Actor
from app.services.errors import DomainError
from tests.factories import PASSWORD, make_user

SETTINGS = tokens.TokenSettings(secret="s" * 64, issuer="test", audience="test-api",
                                access_ttl=timedelta(minutes=15), refresh_ttl=timedelta(days=14))
ACTOR = Actor(id=None, label="state-machine")
POLICY = auth.LoginPolicy(max_failures=1000)


def test_refresh_families_behave_like_the_model(db_session: Session) -> None:
    class Families(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.user = make_user(db_session)
            self.issued: list[tuple[str, uuid.UUID | None]] = []  # every raw token ever handed out
            self.family: dict[str, int] = {}  # raw token -> model family number
            self.used: set[str] = set()
            self.dead: set[int] = set()  # model families that were revoked
            self.families = 0

        def _live(self, raw: str) -> bool:
            return raw not in self.used and self.family[raw] not in self.dead

        @rule()
        def login(self) -> None:
            pair = tokens.login(db_session, ACTOR, self.user.email, PASSWORD, POLICY, SETTINGS)
            self.families += 1
            self.family[pair.refresh_token] = self.families
            self.issued.append((pair.refresh_token, None))

        @rule(pick=st.integers(min_value=0, max_value=50))
        def refresh(self, pick: int) -> None:
            if not self.issued:
                return
            raw = self.issued[pick % len(self.issued)][0]
            expected_ok = self._live(raw)
            try:
                pair = tokens.refresh(db_session, ACTOR, raw, SETTINGS)
            except DomainError:
                assert not expected_ok
                if raw in self.used:  # a replay: the whole family is gone for good
                    self.dead.add(self.family[raw])
                return
            assert expected_ok
            self.used.add(raw)
            self.family[pair.refresh_token] = self.family[raw]
            self.issued.append((pair.refresh_token, None))

        @rule(pick=st.integers(min_value=0, max_value=50))
        def logout(self, pick: int) -> None:
            if self.issued:
                raw = self.issued[pick % len(self.issued)][0]
                tokens.logout(db_session, ACTOR, raw)
                self.dead.add(self.family[raw])

        @rule()
        def log_out_everywhere(self) -> None:
            tokens.logout_everywhere(db_session, ACTOR, self.user)
            self.dead.update(range(1, self.families + 1))

        @invariant()
        def at_most_one_live_token_per_family(self) -> None:
            if not hasattr(self, "user"):
                return
            live = db_session.execute(
                select(RefreshToken.family_id, func.count())
                .where(RefreshToken.user_id == self.user.id, RefreshToken.used_at.is_(None),
                       RefreshToken.revoked_at.is_(None))
                .group_by(RefreshToken.family_id)
            ).all()
            assert all(count == 1 for _, count in live)
            model_live = {self.family[raw] for raw, _ in self.issued if self._live(raw)}
            assert len(live) == len(model_live)

    run_state_machine_as_test(
        Families,
        settings=settings(max_examples=15, stateful_step_count=10, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck)),
    )
