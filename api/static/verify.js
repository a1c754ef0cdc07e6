// The public certificate check: sends the PDF (base64) and shows what the server found.
"use strict";
const params = new URLSearchParams(location.search);
if (params.get("number")) document.getElementById("number").value = params.get("number");
document.getElementById("form").onsubmit = async (event) => {
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const response = await fetch("/api/certificates/verify", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ certificate_number: document.getElementById("number").value, pdf_base64: btoa(binary) }),
  });
  const body = await response.json();
  const box = document.getElementById("result");
  box.style.display = "block";
  box.className = body.genuine && body.current ? "ok" : "bad";
  box.replaceChildren();
  const line = document.createElement("p");
  line.textContent = !response.ok ? (body.detail || "error")
    : body.genuine ? (body.current ? "真实有效 · Genuine and current" : "真实，但已撤销 · Genuine, but revoked")
    : `不真实 · Not genuine: ${body.detail}`;
  box.append(line);
  if (body.audit_entry) {
    const proof = document.createElement("pre");
    proof.textContent = JSON.stringify({ entry: body.audit_entry, checkpoint: body.checkpoint }, null, 2);
    box.append(proof);
  }
};
