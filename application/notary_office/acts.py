"""The notary office's acts: one handler per command class, on a notarial matter. Who may do
them is the access module's (the office's notaries); in which states, the matter's."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from application.notary_office import commands as cmd
from application.notary_office.certificates import certificate_text, letter_text
from application.shared.commands import Command, Context, Handler
from domain.notary.certificate_number import CERTIFICATE_KIND_LABEL, CertificateNumber
from domain.notary.notarial_matter import (
    TITLES,
    AnswerKind,
    DeliveryMethod,
    IdentityMethod,
    Issuance,
    NotarialMatter,
    SigningMethod,
)
from domain.shared.numbering import format_number
from domain.shared.periods import shanghai_date

if TYPE_CHECKING:
    from application.notary_office.app import NotaryOffice

OfficeContext = Context["NotaryOffice"]


def _check_eligibility(x: OfficeContext, matter: NotarialMatter, c: cmd.CheckEligibility) -> None:
    ok, detail = x.app.related_record_allows(matter)
    matter.check_eligibility(ok, detail, x.actor, x.now)


def _serve_letter(x: OfficeContext, matter: NotarialMatter, c: cmd.ServeLetter) -> None:
    """A signed letter, its hash in the event; the outbox serves it on the debtor."""
    matter.check_letter_servable()  # before anything is written
    office = x.app.config
    assert matter.related_id is not None
    instrument = x.app.load(matter.related_id, NotarialMatter)
    letter = x.app.documents.issue(
        f"letter-{matter.id}-{x.now.strftime('%Y%m%dT%H%M%S%f')}",
        (office.code, office.name),
        "核实函",
        "Verification letter",
        letter_text(matter, instrument),
        x.app.public_url,
    )
    matter.send_letter(hashlib.sha256(letter).hexdigest(), x.actor, x.now)


def _issue(x: OfficeContext, matter: NotarialMatter, c: cmd.IssueCertificate) -> None:
    """Number, render, sign, store, record: saved with the number and its index."""
    matter.check_issuable(x.now)
    office = x.app.config
    year = shanghai_date(x.now).year
    sequence = x.app.number_sequence(office.code, CERTIFICATE_KIND_LABEL, year)
    serial = sequence.take(1, x.now)[0]
    number = format_number(office.prefix, CERTIFICATE_KIND_LABEL, year, serial)
    zh, en = TITLES[matter.matter_type]
    signer = (office.code, office.name)
    pdf = x.app.documents.issue(
        f"certificate-{matter.id}-{year}-{serial}号",
        signer,
        zh,
        en,
        certificate_text(office.name, matter, number, x.now, x.app.enforcement_statement(matter)),
        x.app.verification_url(number),
    )
    digest = hashlib.sha256(pdf).hexdigest()
    x.app.documents.store_alias(digest, pdf)
    issuance = Issuance(number, digest, x.app.documents.fingerprint(signer), x.now)
    matter.issue(issuance, x.actor, x.now)
    x.save(sequence, CertificateNumber(number, matter.id))


MATTER_ACTS: dict[type[Command], Handler[NotaryOffice, NotarialMatter]] = {
    cmd.CheckEligibility: _check_eligibility,
    cmd.LinkSession: lambda x, matter, c: matter.link_session(c.session_id, x.actor, x.now),
    cmd.RecordIdentityCheck: lambda x, matter, c: matter.record_identity_check(
        IdentityMethod(c.method), c.passed, x.actor, x.now
    ),
    cmd.RecordAnswer: lambda x, matter, c: matter.record_answer(
        c.question, c.answer, x.actor, x.now
    ),
    cmd.SignDocument: lambda x, matter, c: matter.sign(
        SigningMethod(c.method),
        c.document_sha256,
        c.paper_original,
        c.accepts_enforcement,
        x.actor,
        x.now,
    ),
    cmd.ServeLetter: _serve_letter,
    cmd.RecordLetterDelivery: lambda x, matter, c: matter.record_letter_delivery(
        DeliveryMethod(c.method), c.delivered_at, c.reference, x.app.calendar, x.actor, x.now
    ),
    cmd.RecordDebtorAnswer: lambda x, matter, c: matter.record_debtor_answer(
        AnswerKind(c.kind), c.text, c.received_at, x.actor, x.now
    ),
    cmd.RefuseCertificate: lambda x, matter, c: matter.refuse_certificate(c.reason, x.actor, x.now),
    cmd.IssueCertificate: _issue,
    cmd.Revoke: lambda x, matter, c: matter.revoke(c.reason, x.actor, x.now),
}
