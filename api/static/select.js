// The case list: "select all on this page" ticks or clears every case's box.
document.querySelectorAll("input[data-select-all]").forEach((all) => {
  all.addEventListener("change", () => {
    document.querySelectorAll("#bulk input[type=checkbox][name^='case_']").forEach((box) => {
      box.checked = all.checked;
    });
  });
});
