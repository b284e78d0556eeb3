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

// Search-as-you-type pickers ([data-picker]): the text field becomes a combobox over the JSON
// list at data-picker; choosing fills the hidden id the form posts. Without this script the
// typed name or e-mail is resolved on the server.
const PICKER_DELAY_MS = 200;
const PICKER_TIMEOUT_MS = 5000;

function setUpPicker(box) {
  const input = box.querySelector("input[type=text], input:not([type])");
  const hidden = box.querySelector("input[type=hidden]");
  const list = box.querySelector("[role=listbox]");
  if (!input || !hidden || !list) return;
  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${index}`);
  };
  const choose = (index) => {
    const item = items[index];
    if (!item) return;
    input.value = item.label;
    hidden.value = String(item.id);
    close();
  };
  const show = (found) => {
    items = found;
    list.replaceChildren(...found.map((item, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = item.label;
      if (item.hint) {
        const hint = document.createElement("small");
        hint.textContent = ` · ${item.hint}`;
        option.append(hint);
      }
      option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return option;
    }));
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    highlight(-1);
  };
  const search = async () => {
    const q = input.value.trim();
    const ticket = ++asked;
    if (!q) { show([]); return; }
    const url = new URL(box.dataset.picker, window.location.href);
    url.searchParams.set("q", q);
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: AbortSignal.timeout(PICKER_TIMEOUT_MS),
      });
      if (!response.ok || ticket !== asked) return;
      show((await response.json()).items || []);
    } catch (error) {
      close(); // the server resolves what was typed when the form is sent
    }
  };

  input.addEventListener("input", () => {
    hidden.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, PICKER_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) { if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + items.length) % items.length);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}

// A select of agents (select[data-picker]) works without a script; with it, it becomes a picker
// too: a text field named by the select's label, and a hidden field posting its name and value.
function pickerFromSelect(select) {
  const box = document.createElement("div");
  box.className = "picker";
  box.dataset.picker = select.dataset.picker;
  const input = document.createElement("input");
  input.type = "text";
  input.id = select.id;
  input.autocomplete = "off";
  const blank = select.querySelector('option[value=""]');
  if (blank) input.placeholder = blank.textContent;
  const chosen = select.selectedOptions[0];
  if (chosen && chosen.value) input.value = chosen.textContent;
  const hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = select.name;
  hidden.value = select.value;
  const list = document.createElement("ul");
  list.className = "picker-list";
  list.id = `${select.id}-options`;
  list.setAttribute("role", "listbox");
  const label = document.querySelector(`label[for="${select.id}"]`);
  if (label) list.setAttribute("aria-label", label.textContent.trim());
  list.hidden = true;
  box.append(input, hidden, list);
  select.replaceWith(box);
  return box;
}

document.querySelectorAll("select[data-picker]").forEach(pickerFromSelect);
document.querySelectorAll("[data-picker]").forEach(setUpPicker);
