"""The console's two languages: zh-CN (the default) and English.

A message catalog keyed by short names; the language comes from the `lang` cookie (set by the
switch), else the browser's Accept-Language, else zh-CN.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"

MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("金融纠纷调解平台", "Financial dispute mediation"),
    "witnesses_lagging": (
        "审计见证未会签最新检查点",
        "Witnesses that did not cosign the latest checkpoint",
    ),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "wrong_login": ("用户名或密码错误", "Wrong username or password"),
    "sign_in_throttled": (
        "该账户密码错误次数过多，请 {minutes} 分钟后再试",
        "Too many wrong passwords for this account: try again in {minutes} minutes",
    ),
    "cases": ("案件", "Cases"),
    "my_cases": ("我的案件", "My cases"),
    "no_cases": ("没有案件", "No cases"),
    "filing_number": ("登记号", "Filing number"),
    "docket_number": ("案号", "Docket number"),
    "state": ("状态", "State"),
    "applicant": ("申请人", "Applicant"),
    "respondent": ("被申请人", "Respondent"),
    "claim": ("请求金额", "Claim"),
    "deadline": ("期限", "Deadline"),
    "days_left": ("剩余{n}天", "{n} days left"),
    "overdue": ("已逾期", "Overdue"),
    "provisional": ("暂定", "provisional"),
    "timeline": ("办理记录", "Timeline"),
    "acts": ("可办理事项", "Acts"),
    "submit": ("提交", "Submit"),
    "done": ("已办理：{act}", "Done: {act}"),
    "refused": ("未能办理：{detail}", "Refused: {detail}"),
    "language": ("语言", "Language"),
    "mediator": ("调解员", "Mediator"),
    "facts": ("事实与理由", "Facts"),
    "actor": ("办理人", "By"),
    "when": ("时间", "When"),
    "event": ("事项", "Event"),
    "back": ("返回案件列表", "Back to the cases"),
    "deadlines": ("期限", "Deadlines"),
    "mediation_period": ("调解期限", "Mediation period"),
    "acceptance_window": ("接受指派期限", "Acceptance window"),
    "proposals": ("还款方案", "Proposals"),
    "plan_builder": ("提出还款方案", "Propose a repayment plan"),
    "creditor": ("债权人", "Creditor"),
    "principal": ("本金（元）", "Principal (yuan)"),
    "interest": ("利息（元）", "Interest (yuan)"),
    "fees": ("费用（元）", "Fees (yuan)"),
    "instalment": ("分期", "Instalment"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "due_date": ("到期日", "Due date"),
    "add_instalment": ("增加一期", "Add an instalment"),
    "remove": ("删除", "Remove"),
    "running_total": ("分期合计", "Instalments total"),
    "plan_total": ("方案总额", "Plan total"),
    "in_reply_to": ("回复方案", "In reply to"),
    "agreement": ("调解协议", "Agreement"),
    "signed_by": ("已签署", "Signed by"),
    "sign": ("签署协议", "Sign the agreement"),
    "confirmation": ("司法确认", "Judicial confirmation"),
    "apply_for_confirmation": ("申请司法确认", "Apply for judicial confirmation"),
    "reason": ("理由", "Reason"),
    "propose": ("提出方案", "Propose"),
    "counter_propose": ("提出反方案", "Counter-propose"),
    "rule_confirmed": ("裁定确认", "Rule: confirmed"),
    "rule_rejected": ("裁定驳回", "Rule: rejected"),
    "refuse": ("不予受理", "Refuse"),
    "accept_confirmation": ("受理", "Accept"),
    "video_sessions": ("远程调解会议", "Video sessions"),
    "schedule_video": ("安排远程调解", "Schedule a video session"),
    "title": ("标题", "Title"),
    "starts_at": ("开始时间（北京时间）", "Starts at (Beijing time)"),
    "duration": ("时长（分钟）", "Duration (minutes)"),
    "open_room": ("进入会议室", "Open the room"),
    "invite": ("邀请参加人", "Invite a participant"),
    "name": ("姓名", "Name"),
    "role": ("身份", "Role"),
    "invitation_link": (
        "邀请链接（请发送给参加人）",
        "Invitation link (send it to the participant)",
    ),
    "participants": ("参加人", "Participants"),
    "schedule_session": ("安排会议", "Schedule"),
    "court_queue": ("司法确认待办", "Confirmation queue"),
    "acceptance": ("待受理", "to accept"),
    "ruling": ("待裁定", "to rule on"),
    "waiting_for": ("待办", "Waiting for"),
    "intake": ("收案", "Intake"),
    "batch_upload": ("批量登记（CSV 或 XLSX）", "Batch filing (CSV or XLSX)"),
    "file": ("文件", "File"),
    "upload": ("上传", "Upload"),
    "template": ("下载模板", "Download the template"),
    "to_accept": ("待受理的申请", "Filings to accept"),
    "row": ("行", "Row"),
    "field": ("字段", "Field"),
    "message": ("问题", "Problem"),
    "batch_filed": ("已登记{n}件", "{n} filings recorded"),
    "batch_refused": ("有{n}处错误，未登记任何案件", "{n} errors: nothing was recorded"),
    "no_rows": ("文件中没有案件", "the file holds no filings"),
    "dashboard": ("数据概览", "Dashboard"),
    "group_by": ("分组", "Group by"),
    "month": ("按月", "Month"),
    "by_mediator": ("按调解员", "Mediator"),
    "by_applicant": ("按申请机构", "Applicant institution"),
    "since": ("起（登记日）", "Filed from"),
    "until": ("止（不含）", "Filed before"),
    "show": ("查看", "Show"),
    "cases_filed": ("登记案件", "Cases filed"),
    "at_stake": ("争议金额", "Amounts at stake"),
    "success_rate": ("调解成功率", "Success rate"),
    "transferred_share": ("转诉讼比例", "Transferred to court"),
    "default_rate": ("协议违约率", "Default rate"),
    "days_to_resolution": ("平均办结天数", "Days to resolution"),
    "group": ("分组", "Group"),
    "concluded": ("已办结", "Concluded"),
    "claim_account": ("开通当事人账户", "Claim your account"),
    "claim_intro": (
        "请先获取短信验证码，再填写身份证号码后6位并设置用户名和密码。",
        "Get a code by SMS, give the last 6 characters of your ID number, choose a login.",
    ),
    "send_code": ("获取验证码", "Send me a code"),
    "code": ("短信验证码", "Code from the SMS"),
    "id_suffix": ("身份证号码后6位", "Last 6 characters of your ID number"),
    "claim_submit": ("开通", "Claim"),
    "code_sent": (
        "如果邀请有效，验证码已发送到预留手机。",
        "If the invitation is valid, a code is on its way.",
    ),
    "schedule": ("还款计划", "Repayment schedule"),
    "paid": ("已还", "Paid"),
    "status": ("状态", "Status"),
    "report_payment": ("报告还款", "Report a payment"),
    "record_payment": ("登记还款", "Record a payment"),
    "paid_on": ("还款日", "Paid on"),
    "join_session": ("加入会议", "Join"),
    "notary_matters": ("公证事项", "Notarial matters"),
    "new_matter": ("受理公证申请", "Take an application"),
    "matter_type": ("公证事项类型", "Matter"),
    "applicant_id_number": ("申请人身份证号码", "Applicant's ID number"),
    "document_text": ("文书内容", "Document"),
    "related_id": ("关联编号", "Related ID"),
    "lives_abroad": ("申请人居住在境外", "The applicant lives abroad"),
    "remote": ("远程视频公证", "Remote (video) notarization"),
    "apply": ("受理申请", "Take the application"),
    "fee": ("公证费", "Fee"),
    "refusal_reasons": ("不予办理理由", "Reasons for refusal"),
    "identity_checks": ("身份核验", "Identity checks"),
    "answers": ("询问笔录", "Questions and answers"),
    "question": ("问", "Question"),
    "answer": ("答", "Answer"),
    "method": ("方式", "Method"),
    "passed": ("通过", "Passed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "paper_original": ("纸质原件存放处", "Where the paper original is kept"),
    "accepts_enforcement": ("债务人承诺接受强制执行", "The debtor accepts enforcement"),
    "certificate": ("公证书", "Certificate"),
    "download_pdf": ("下载 PDF", "Download the PDF"),
    "verify_link": ("核验链接", "Verification link"),
    "check_eligibility": ("审查受理条件", "Check eligibility"),
    "record_identity_check": ("记录身份核验", "Record an identity check"),
    "record_answer": ("记录询问", "Record an answer"),
    "serve_letter": ("发送核实函", "Serve the verification letter"),
    "refuse_certificate": ("不予出具", "Refuse the certificate"),
    "issue": ("出具公证书", "Issue the certificate"),
    "revoke": ("撤销公证书", "Revoke"),
    "sign_document": ("记录当事人签署", "Record the signing"),
    "video": ("安排远程公证", "Schedule the remote session"),
    "letter_deadline": ("核实函答复期限", "Letter deadline"),
    "docket": ("诉讼案件", "Docket"),
    "rulings": ("司法确认裁定", "Rulings"),
    "enforcement_queue": ("执行案件", "Enforcement"),
    "outcome": ("结果", "Outcome"),
    "ruling_pdf": ("裁定书", "Ruling"),
    "basis": ("执行依据", "Basis"),
    "plaintiff": ("原告", "Plaintiff"),
    "defendant": ("被告", "Defendant"),
}

STATES: dict[str, tuple[str, str]] = {
    "filed": ("已登记", "filed"),
    "accepted": ("已受理", "accepted"),
    "rejected": ("不予受理", "rejected"),
    "referred": ("已委派", "referred"),
    "assigned": ("已指派", "assigned"),
    "awaiting_consent": ("待同意调解", "awaiting consent"),
    "in_mediation": ("调解中", "in mediation"),
    "settled": ("已达成协议", "settled"),
    "failed": ("调解不成", "failed"),
    "transferred": ("已转诉讼", "transferred"),
    "withdrawn": ("已撤回", "withdrawn"),
    "closed": ("已结案", "closed"),
}

ACTS: dict[str, tuple[str, str]] = {
    "accept": ("受理", "Accept"),
    "reject": ("不予受理", "Reject"),
    "refer": ("委派调解", "Refer"),
    "assign_mediator": ("指派调解员", "Assign a mediator"),
    "accept_assignment": ("接受指派", "Accept the assignment"),
    "decline_assignment": ("拒绝指派", "Decline the assignment"),
    "consent_to_mediation": ("同意调解", "Consent to mediation"),
    "refuse_mediation": ("拒绝调解", "Refuse mediation"),
    "draft_agreement": ("起草调解协议", "Draft the agreement"),
    "declare_failure": ("调解不成", "Declare failure"),
    "withdraw": ("撤回申请", "Withdraw"),
    "request_recusal": ("申请回避", "Request recusal"),
    "close": ("结案", "Close"),
    "accept_proposal": ("接受方案", "Accept the proposal"),
    "consent_to_electronic_service": ("同意电子送达", "Consent to electronic service"),
    "consent_to_extension": ("同意延长调解期限", "Consent to extend the period"),
    "grant_recusal": ("准予回避", "Grant the recusal"),
    "deny_recusal": ("驳回回避申请", "Deny the recusal"),
    "link_party": ("关联当事人账户", "Link a party account"),
}


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    index = 0 if lang == "zh-CN" else 1

    def t(key: str, **values: object) -> str:
        for table in (MESSAGES, STATES, ACTS):
            if key in table:
                return table[key][index].format(**values)
        return key

    return t
