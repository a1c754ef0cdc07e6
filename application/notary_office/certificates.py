"""The canonical texts the notary office signs: certificates and verification letters."""

from __future__ import annotations

from datetime import datetime

from domain.notary.notarial_matter import TITLES, MatterType, NotarialMatter
from domain.shared.periods import Deadline, shanghai_date


def letter_text(matter: NotarialMatter, instrument: NotarialMatter, deadline: Deadline) -> str:
    """The verification letter (核实函) to the debtor of a notarized instrument."""
    issuance = instrument.issuance
    number = issuance.certificate_number if issuance else str(instrument.id)
    due = deadline.due.isoformat()
    return (
        f"{matter.applicant_name}申请就经公证的债权文书{number}出具执行证书，称债务人未履行"
        f"该文书所载义务。请债务人于{due}前向本处书面说明履行情况或提出异议；"
        "逾期未答复的，本处将依法审查出具执行证书。\n\n"
        f"{matter.applicant_name} has applied for an enforcement certificate on the notarized "
        f"instrument {number}, stating that it has not been performed. Answer in writing by "
        f"{due}; after that date the office decides on the certificate."
    )


def certificate_text(office_name: str, matter: NotarialMatter, number: str, at: datetime) -> str:
    """A notarial certificate: what it certifies, in Chinese and English, and the document."""
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
