// The batch upload shows its progress, then that the server is checking the rows; the page
// the server answers (the list of problems, or the intake page after filing) replaces this one.
const form = document.getElementById("batch-form");
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bar = document.getElementById("batch-progress");
    const status = document.getElementById("batch-status");
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    bar.hidden = false;
    request.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((100 * e.loaded) / e.total);
      bar.value = pct;
      status.textContent = form.dataset.uploading.replace("{pct}", String(pct));
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value");
      status.textContent = form.dataset.checking;
    });
    request.addEventListener("load", () => {
      if (request.responseURL && !request.responseURL.endsWith("/console/intake")) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
      history.replaceState(null, "", request.responseURL || form.action);
    });
    request.send(new FormData(form));
  });
}
