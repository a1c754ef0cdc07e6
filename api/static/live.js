// Live pages: the server tells which aggregates were just saved; a page showing one of them
// (its IDs in data-watch) reloads, a queue page (data-watch="*") reloads on any change.
"use strict";
(() => {
  const watch = document.body.dataset.watch;
  if (!watch || !window.EventSource) return;
  const ids = new Set(watch.split(" "));
  let pending = null;
  const source = new EventSource("/console/changes");
  source.onmessage = (event) => {
    const changed = JSON.parse(event.data).ids || [];
    if (watch !== "*" && !changed.some((id) => ids.has(id))) return;
    if (document.activeElement && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
    clearTimeout(pending);
    pending = setTimeout(() => location.reload(), 300);
  };
})();
