// The repayment-plan builder: an instalment editor with a running total, checked as you type
// (instalments add up to the plan's total, due dates strictly increase); amounts in fen.
"use strict";
(() => {
  const form = document.getElementById("plan-builder");
  if (!form) return;
  const rows = document.getElementById("instalments");
  const template = document.getElementById("instalment-row");
  const fen = (text) => {
    const match = /^\s*(\d{1,11})(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  };
  const yuan = (value) => `¥${Math.floor(value / 100).toLocaleString("en")}.${String(value % 100).padStart(2, "0")}`;
  const problem = (text) => { document.getElementById("plan-problem").textContent = text; };
  function add() {
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector(".remove").onclick = () => { row.remove(); check(); };
    rows.append(row);
    row.querySelectorAll("input").forEach((input) => { input.oninput = check; });
    check();
    row.querySelector(".amount").focus();
  }
  function plan() {
    const principal = fen(document.getElementById("plan-principal").value);
    const interest = fen(document.getElementById("plan-interest").value) ?? 0;
    const fees = fen(document.getElementById("plan-fees").value) ?? 0;
    const instalments = [...rows.children].map((row) => ({
      amount_fen: fen(row.querySelector(".amount").value),
      due_date: row.querySelector(".due").value,
    }));
    return { principal, interest, fees, instalments };
  }
  function check() {
    [...rows.children].forEach((row, i) => { row.querySelector(".n").textContent = String(i + 1); });
    const p = plan();
    const total = (p.principal ?? 0) + p.interest + p.fees;
    const sum = p.instalments.reduce((s, i) => s + (i.amount_fen ?? 0), 0);
    document.getElementById("running-total").textContent = yuan(sum);
    document.getElementById("plan-total").textContent = yuan(total);
    let text = "";
    if (p.principal === null) text = "本金格式不正确 · principal: yuan with at most 2 decimals";
    else if (p.instalments.length === 0) text = "至少一期 · add an instalment";
    else if (p.instalments.some((i) => i.amount_fen === null || i.amount_fen <= 0)) text = "金额格式不正确 · amounts: yuan with at most 2 decimals";
    else if (p.instalments.some((i, n) => !i.due_date || (n > 0 && i.due_date <= p.instalments[n - 1].due_date))) text = "到期日须递增 · due dates must strictly increase";
    else if (sum !== total) text = "分期合计须等于方案总额 · instalments must add up to the total";
    problem(text);
    document.getElementById("plan-submit").disabled = text !== "";
    return text === "";
  }
  document.getElementById("add-instalment").onclick = add;
  form.querySelectorAll("#plan-principal, #plan-interest, #plan-fees").forEach((input) => { input.oninput = check; });
  form.onsubmit = (event) => {
    if (!check()) { event.preventDefault(); return; }
    const p = plan();
    document.getElementById("plan-json").value = JSON.stringify({
      creditor: document.getElementById("plan-creditor").value,
      principal_fen: p.principal, interest_fen: p.interest, fees_fen: p.fees,
      instalments: p.instalments,
    });
  };
  add();
})();
