// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches && el.matches("[data-select-all]")) {
    document.querySelectorAll(el.dataset.selectAll).forEach((box) => { box.checked = el.checked; });
  }
  if (el.matches && el.matches("[data-autosubmit]")) {
    el.form.requestSubmit();
  }
});
