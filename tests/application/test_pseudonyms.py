"""No id in the trail reveals a person: accounts, party identities and portal invitations get
keyed pseudonyms (not uuid5 of a user name or an ID number), entries name their actor by one,
the key is committed in the log and never replaced silently, and records stored before keep
working."""

from __future__ import annotations

import json
from typing import Any

import pytest
from argon2 import PasswordHasher
from eventsourcing.persistence import Notification, Tracking

from application.audit.store import event_sha256
from application.audit.verify import verify
from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from application.shared.errors import AlreadyExists
from application.shared.pseudonyms import FILE, PseudonymKeyRefused, Pseudonyms
from domain.shared.actors import Role
from domain.shared.directory import UserAccount
from domain.shared.portal_invitation import PortalInvitation
from tests.support.data import AGENT, CENTER, OTHER_PARTY_ID, PARTY_ID, PASSWORD, drive


def people(platform: Platform) -> list[str]:
    """Accounts of two people; the filings' respondent (PARTY_ID) has none, so is invited."""
    platform.directory.add_user("zhang.wei", PASSWORD, "party", id_number=OTHER_PARTY_ID)
    platform.directory.add_user("li.na", PASSWORD, "mediator", CENTER)
    return ["zhang.wei", "li.na", OTHER_PARTY_ID, PARTY_ID, AGENT.user_id]


def test_no_entry_carries_a_name_an_id_number_or_an_id_derived_in_the_clear(
    durable_platform: Platform, clock: ManualClock
) -> None:
    platform = durable_platform
    personal = people(platform)
    drive(platform.center, clock, "in_mediation")
    platform.catch_up()
    derived = [
        str(Pseudonyms.legacy(kind, value))
        for value in personal
        for kind in ("user", "party-identity", "portal-invitation")
    ]
    leaves = platform.audit.store.leaves(0, 10**6)
    assert len(leaves) > 10
    for leaf in leaves:
        assert not [p for p in personal + derived if p in leaf.entry], leaf.entry
    keyed = platform.directory.pseudonyms
    actors = {leaf.fields["actor"] for leaf in leaves}
    assert str(keyed.of("user", AGENT.user_id)) in actors
    account = platform.directory.user("zhang.wei")
    assert account is not None and account.id == keyed.of("user", "zhang.wei")
    assert account.id.version == 8
    invited = [
        platform.directory.load(i, PortalInvitation)
        for i in platform.directory.ids_of(PortalInvitation.Issued)
    ]
    assert invited, "the filing's natural-person respondent is invited"
    for invitation in invited:  # the claim link's id cannot be computed from an ID number
        assert invitation.id == keyed.of("portal-invitation", invitation.id_number)
        assert invitation.id != Pseudonyms.legacy("portal-invitation", invitation.id_number)
    assert verify(platform.audit.store, platform.audit, platform.audit_sources()) == len(leaves)


def test_the_key_is_committed_and_never_replaced_silently(
    durable_platform: Platform, clock: ManualClock
) -> None:
    platform = durable_platform
    people(platform)
    key = (platform.settings.keys_dir or platform.settings.data_dir / "keys") / FILE
    kept = key.read_text()
    platform.close()
    key.write_text("ab" * 32 + "\n")
    with pytest.raises(PseudonymKeyRefused, match="another pseudonym key"):
        build_platform(platform.settings, clock).start()
    key.unlink()
    with pytest.raises(PseudonymKeyRefused, match="missing"):
        build_platform(platform.settings, clock).start()
    assert not key.exists()  # never made again once committed
    key.write_text(kept)
    restored = build_platform(platform.settings, clock)
    try:
        assert restored.directory.authenticate("zhang.wei", PASSWORD) is not None
    finally:
        restored.close()


def former_leaf(application: str, record: Notification, event: Any) -> str:
    """A leaf as the follower wrote it before actors were pseudonymous, from the decoded event."""
    actor = getattr(event, "actor", None)
    occurred_at = getattr(event, "occurred_at", None)
    fields = {
        "institution": CENTER,
        "application": application,
        "notification_id": record.id,
        "aggregate_id": str(record.originator_id),
        "aggregate_version": record.originator_version,
        "topic": record.topic,
        "actor_id": actor.actor_id if actor else "",
        "role": str(actor.role) if actor else "",
        "occurred_at": occurred_at.isoformat() if occurred_at else "",
        "event_sha256": event_sha256(record),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_records_and_leaves_stored_before_ids_were_keyed_still_work(
    durable_platform: Platform, clock: ManualClock
) -> None:
    platform = durable_platform
    old = UserAccount(
        id=Pseudonyms.legacy("user", "oldtimer"),
        username="oldtimer",
        display_name="老用户",
        role=Role.MEDIATOR,
        institution=CENTER,
        id_number=None,
        password_hash=PasswordHasher().hash(PASSWORD),
        occurred_at=clock(),
    )
    platform.directory.save(old)
    found = platform.directory.authenticate("oldtimer", PASSWORD)
    assert found is not None and found.principal.role is Role.MEDIATOR
    with pytest.raises(AlreadyExists) as taken:
        platform.directory.add_user("oldtimer", PASSWORD, "mediator", CENTER)
    assert taken.value.field == "username"

    # Leaves the follower wrote in the former form (the actor's user name) keep verifying.
    drive(platform.center, clock, "accepted")
    center = platform.center
    records = center.recorder.select_notifications(1, 1000)
    written = [former_leaf(center.name, r, center.mapper.to_domain_event(r)) for r in records]
    platform.audit.store.append(written, Tracking(f"audit:{center.name}", records[-1].id))
    platform.catch_up()
    first = platform.audit.store.leaves(0, 1)[0].fields
    assert first["actor_id"] == AGENT.user_id and "actor" not in first
    total = verify(platform.audit.store, platform.audit, platform.audit_sources())
    assert total == len(platform.audit.store.leaves(0, 10**6))
