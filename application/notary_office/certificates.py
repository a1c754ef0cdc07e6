"""The canonical texts the notary office signs: certificates and verification letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.notary.notarial_matter import LETTER_DAYS, TITLES, MatterType, NotarialMatter
from domain.shared.money import format_yuan
from domain.shared.periods import shanghai_date


@dataclass(frozen=True)
class EnforcementStatement:
    """What an enforcement certificate states besides the instrument: the debtor, what is
    owed by instalment after payments, and the last day to apply for enforcement."""

    debtor: str
    principal_fen: int
    interest_fen: int
    fees_fen: int
    waived_fen: int
    instalments: list[tuple[int, date, int, int]]  # number, due date, amount, paid
    outstanding_fen: int
    apply_by: date | None  # two years from the last instalment's due date (CPL art. 250)


def letter_text(matter: NotarialMatter, instrument: NotarialMatter) -> str:
    """The verification letter (核实函) to the debtor of a notarized instrument: the debtor's
    days to answer run from its delivery (公证程序规则 art. 55)."""
    issuance = instrument.issuance
    number = issuance.certificate_number if issuance else str(instrument.id)
    return (
        f"{matter.applicant_name}申请就经公证的债权文书{number}出具执行证书，称债务人未履行"
        f"该文书所载义务。请债务人自收到本函之日起{LETTER_DAYS}日内向本处书面说明履行情况或"
        "提出异议；逾期未答复的，本处将依法审查出具执行证书。\n\n"
        f"{matter.applicant_name} has applied for an enforcement certificate on the notarized "
        f"instrument {number}, stating that it has not been performed. Answer in writing within "
        f"{LETTER_DAYS} days of receiving this letter; after that the office decides on the "
        "certificate."
    )


def _statement_lines(statement: EnforcementStatement) -> list[str]:
    lines = [
        f"被执行人 / Debtor：{statement.debtor}",
        (
            f"本金 {format_yuan(statement.principal_fen)} 元，利息 "
            f"{format_yuan(statement.interest_fen)} 元，费用 {format_yuan(statement.fees_fen)} 元，"
            f"减免 {format_yuan(statement.waived_fen)} 元 / principal, interest, fees, waived"
        ),
        "分期 / instalment: 到期日 due · 应还 amount · 已还 paid · 未还 outstanding",
    ]
    lines += [
        f"{n}. {due.isoformat()} · {format_yuan(amount)} · {format_yuan(paid)} · "
        f"{format_yuan(amount - paid)}"
        for n, due, amount, paid in statement.instalments
    ]
    lines.append(f"申请执行标的 / amount to enforce：{format_yuan(statement.outstanding_fen)} 元")
    if statement.apply_by is not None:
        lines.append(
            f"申请执行期限至 {statement.apply_by.isoformat()}（民事诉讼法第二百五十条）/ "
            f"apply for enforcement by {statement.apply_by.isoformat()}"
        )
    return lines


def certificate_text(
    office_name: str,
    matter: NotarialMatter,
    number: str,
    at: datetime,
    statement: EnforcementStatement | None = None,
) -> str:
    """A notarial certificate: what it certifies, in Chinese and English, and the document;
    an enforcement certificate states the debt to enforce (`statement`)."""
    zh, en = TITLES[matter.matter_type]
    day = shanghai_date(at)
    lines = [
        f"{number}",
        f"申请人：{matter.applicant_name}",
        (
            f"兹证明{matter.applicant_name}于{day.year}年{day.month}月{day.day}日"
            f"{'通过远程视频' if matter.remote else ''}在本公证员面前签署了所附文书，"
            "其身份经核实无误，签署系其真实意思表示。"
        ),
    ]
    if matter.enforcement_accepted_by:
        lines.append("债务人承诺：不履行或不适当履行义务时，愿意接受依法强制执行。")
    if matter.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
        lines = [
            f"{number}",
            f"申请执行人：{matter.applicant_name}",
            (
                f"经核查，被执行人未履行经公证的具有强制执行效力的债权文书（{matter.related_id}）"
                "所载义务，且在核实函期限内未提出成立的异议。申请执行人可持本证书向有管辖权的"
                "人民法院申请执行。"
            ),
            *(_statement_lines(statement) if statement else []),
        ]
    lines += [
        "",
        f"{en} {number}. Applicant: {matter.applicant_name}. Issued {day.isoformat()}.",
        f"文书 SHA-256 / document SHA-256: {matter.document_sha256}",
        "",
        matter.document_text,
        "",
        f"{office_name}",
        f"{zh}",
    ]
    return "\n".join(lines)
