"""Accounts in the directory: passwords that are not easy to guess, a per-account wait after
wrong passwords, sessions that end, deactivation; on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.bootstrap import Platform
from application.shared.access import SYSTEM
from application.shared.clock import ManualClock
from application.shared.errors import Throttled
from domain.shared.errors import InvalidValue
from tests.support.data import CENTER, PASSWORD


@pytest.mark.parametrize(
    ("password", "why"),
    [("short pw", "at least 12"), ("password1234", "guess"), ("li.mediator2026", "guess")],
)
def test_passwords_are_long_and_not_easy_to_guess(
    platform: Platform, password: str, why: str
) -> None:
    with pytest.raises(InvalidValue, match=why) as refused:
        platform.directory.add_user("li.mediator", password, "mediator", CENTER)
    assert refused.value.field == "password"
    assert platform.directory.user("li.mediator") is None


def test_five_wrong_passwords_make_the_account_wait(platform: Platform, clock: ManualClock) -> None:
    directory = platform.directory
    directory.add_user("li.mediator", PASSWORD, "mediator", CENTER)
    for _ in range(5):
        assert directory.authenticate("li.mediator", "not the password") is None
        clock.advance(timedelta(seconds=30))
    with pytest.raises(Throttled) as waiting:
        directory.authenticate("li.mediator", PASSWORD)
    assert 0 < waiting.value.retry_after <= 15 * 60
    clock.advance(timedelta(seconds=waiting.value.retry_after))
    assert directory.authenticate("li.mediator", PASSWORD) is not None


def test_sessions_end_and_accounts_deactivate(platform: Platform) -> None:
    directory = platform.directory
    directory.add_user("li.mediator", PASSWORD, "mediator", CENTER)
    session = directory.authenticate("li.mediator", PASSWORD)
    assert session is not None
    assert directory.resume(session.account_id, session.epoch) == session.principal
    directory.end_sessions(session.account_id)
    assert directory.resume(session.account_id, session.epoch) is None
    session = directory.authenticate("li.mediator", PASSWORD)
    assert session is not None
    with pytest.raises(InvalidValue) as wrong:
        directory.change_password(session.account_id, "not it", "another long passphrase")
    assert wrong.value.field == "current_password"
    directory.change_password(session.account_id, PASSWORD, "another long passphrase")
    assert directory.resume(session.account_id, session.epoch) is None
    assert directory.authenticate("li.mediator", PASSWORD) is None
    session = directory.authenticate("li.mediator", "another long passphrase")
    assert session is not None
    deployment = platform.center.config.deployment
    directory.set_active(SYSTEM, deployment, "li.mediator", active=False, reason="离职")
    assert directory.resume(session.account_id, session.epoch) is None
    assert directory.authenticate("li.mediator", "another long passphrase") is None
    directory.set_active(SYSTEM, deployment, "li.mediator", active=True)
    assert directory.authenticate("li.mediator", "another long passphrase") is not None
