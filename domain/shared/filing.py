"""What an institution or a person files: the sides, the claim and the facts (the stable shape)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.shared.errors import InvalidValue
from domain.shared.identity import normalize_id_number, normalize_uscc
from domain.shared.money import check_fen
from domain.shared.periods import check_date
from domain.shared.text import check_text
from domain.shared.value import Value

MAX_FACTS = 5_000
_PHONE = re.compile(r"^\+?\d{6,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DisputeType(StrEnum):
    LOAN = "loan"
    CREDIT_CARD = "credit_card"
    INSURANCE = "insurance"
    GUARANTEE = "guarantee"
    FINANCIAL_LEASE = "financial_lease"
    OTHER = "other"


class Channel(StrEnum):
    ONLINE = "online"
    GRID_STATION = "grid_station"
    COURT_REFERRAL = "court_referral"
    BULK_IMPORT = "bulk_import"


class Procedure(StrEnum):
    """The court's trial procedure (普通 or 简易): it sets an in-litigation mediation's period."""

    ORDINARY = "ordinary"
    SUMMARY = "summary"


class SideKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"
    INSTITUTION = "institution"


class SideRole(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"

    @property
    def other(self) -> SideRole:
        return SideRole.RESPONDENT if self is SideRole.APPLICANT else SideRole.APPLICANT


@dataclass(frozen=True)
class Side(Value):
    """One side of a dispute. A person carries an ID number; a company or institution a code."""

    kind: SideKind
    name: str
    id_number: str | None
    org_code: str | None
    phone: str
    email: str | None = None
    address: str | None = None

    @classmethod
    def create(
        cls,
        kind: str,
        name: str,
        phone: str,
        id_number: str | None = None,
        org_code: str | None = None,
        email: str | None = None,
        address: str | None = None,
    ) -> Side:
        """A validated side; InvalidValue names the field relative to the side."""
        try:
            side_kind = SideKind(kind)
        except ValueError:
            raise InvalidValue("kind", "must be person, company or institution") from None
        clean_name = check_text(name, "name", 200)
        if side_kind is SideKind.PERSON:
            if not id_number:
                raise InvalidValue("id_number", "is required for a person")
            if org_code:
                raise InvalidValue("org_code", "a person has an ID number, not an org code")
            id_number, org_code = normalize_id_number(id_number), None
        else:
            if not org_code:
                raise InvalidValue("org_code", "is required for a {kind}", kind=side_kind.value)
            if id_number:
                raise InvalidValue("id_number", "a {kind} has an org code", kind=side_kind.value)
            id_number, org_code = None, normalize_uscc(org_code)
        clean_phone = phone.strip().replace(" ", "").replace("-", "")
        if not _PHONE.match(clean_phone):
            raise InvalidValue("phone", "must be a phone number of 6 to 15 digits")
        if email is not None and not _EMAIL.match(email.strip()):
            raise InvalidValue("email", "must be an e-mail address")
        return cls(
            kind=side_kind,
            name=clean_name,
            id_number=id_number,
            org_code=org_code,
            phone=clean_phone,
            email=email.strip() if email else None,
            address=check_text(address, "address", 500) if address else None,
        )

    @property
    def identifier(self) -> str:
        """The ID number of a person, the org code of anyone else."""
        return self.id_number or self.org_code or ""


@dataclass(frozen=True)
class Claim(Value):
    principal_fen: int
    interest_fen: int
    fees_fen: int

    @classmethod
    def create(cls, principal_fen: int, interest_fen: int, fees_fen: int) -> Claim:
        return cls(
            principal_fen=check_fen(principal_fen, "principal_fen", positive=True),
            interest_fen=check_fen(interest_fen, "interest_fen"),
            fees_fen=check_fen(fees_fen, "fees_fen"),
        )

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fees_fen


@dataclass(frozen=True)
class Filing(Value):
    dispute_type: DisputeType
    channel: Channel
    applicant: Side
    respondent: Side
    claim: Claim
    facts: str
    # For the limitation (诉讼时效): when the creditor knew or should have known of the default
    # (for instalments, the last instalment's due date), and the last demand, partial payment
    # or acknowledgement before filing. Optional; filings made before they were asked for
    # have neither.
    knew_default_on: date | None = None
    last_interruption_on: date | None = None

    @classmethod
    def create(
        cls,
        dispute_type: str,
        channel: str,
        applicant: Side,
        respondent: Side,
        claim: Claim,
        facts: str,
        knew_default_on: date | None = None,
        last_interruption_on: date | None = None,
    ) -> Filing:
        try:
            kind = DisputeType(dispute_type)
        except ValueError:
            raise InvalidValue("dispute_type", "unknown dispute type") from None
        try:
            how = Channel(channel)
        except ValueError:
            raise InvalidValue("channel", "unknown channel") from None
        facts = check_text(facts, "facts", MAX_FACTS, required=False, multiline=True)
        if applicant.identifier == respondent.identifier:
            raise InvalidValue("respondent", "the respondent must differ from the applicant")
        for field, day in (
            ("knew_default_on", knew_default_on),
            ("last_interruption_on", last_interruption_on),
        ):
            if day is not None:
                check_date(day, field)
        return cls(
            kind, how, applicant, respondent, claim, facts, knew_default_on, last_interruption_on
        )

    def check_dates_before(self, today: date) -> None:
        """The limitation's dates lie before the filing, never after it."""
        for field in ("knew_default_on", "last_interruption_on"):
            day = getattr(self, field)
            if day is not None and day > today:
                raise InvalidValue(field, "must not be after the filing date")

    def side(self, role: SideRole) -> Side:
        return self.applicant if role is SideRole.APPLICANT else self.respondent
