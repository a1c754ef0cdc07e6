// Live pages: the server tells which aggregates were just saved; a page showing one of them
// (its IDs in data-watch, signed by the server for its user) reloads; a queue page
// (data-watch="*") reloads on any change its user may see.
"use strict";
(() => {
  const watch = document.body.dataset.watch;
  if (!watch || !window.EventSource) return;
  const ids = new Set(watch.split(" "));
  let pending = null;
  const query = new URLSearchParams({ watch, sig: document.body.dataset.watchSig || "" });
  const source = new EventSource(`/console/changes?${query}`);
  source.onmessage = (event) => {
    const changed = JSON.parse(event.data).ids || [];
    if (watch !== "*" && !changed.some((id) => ids.has(id))) return;
    if (document.activeElement && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
    clearTimeout(pending);
    pending = setTimeout(() => location.reload(), 300);
  };
  // A page that sends a form is leaving: a reload now would cancel the submission (the act
  // done, its answer lost), so the page stops listening.
  const leave = () => {
    clearTimeout(pending);
    source.close();
  };
  document.addEventListener("submit", leave, true);
  window.addEventListener("pagehide", leave);
})();
