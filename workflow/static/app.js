// OneStop: progressive enhancements only; every page works without JavaScript.
(function () {
  "use strict";

  // "Add a row" for FieldLists: clone the last row and renumber `<list>-<n>-<field>` names and ids.
  function renumber(row, prefix, index) {
    var pattern = new RegExp("^" + prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "-\\d+-");
    var replacement = prefix + "-" + index + "-";
    row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && pattern.test(value)) { el.setAttribute(attr, value.replace(pattern, replacement)); }
      });
    });
  }

  function clear(row) {
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    row.querySelectorAll("[aria-describedby]").forEach(function (el) { el.removeAttribute("aria-describedby"); });
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; }
      else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else if (el.type !== "hidden") { el.value = ""; }
    });
  }

  document.querySelectorAll("[data-fieldlist]").forEach(function (list) {
    var button = list.querySelector("[data-add-row]");
    var body = list.querySelector("tbody");
    if (!button || !body) { return; }
    var prefix = list.getAttribute("data-fieldlist");
    var max = parseInt(list.getAttribute("data-max"), 10) || 0;
    function update() {
      button.disabled = max > 0 && body.querySelectorAll("tr[data-row]").length >= max;
    }
    button.classList.remove("d-none");
    update();
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr[data-row]");
      var last = rows[rows.length - 1];
      if (!last || button.disabled) { return; }
      var copy = last.cloneNode(true);
      renumber(copy, prefix, rows.length);
      clear(copy);
      body.appendChild(copy);
      update();
      var first = copy.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });

  // Keep the action whose form is in the URL hash open (e.g. after adding a sample).
  if (location.hash.indexOf("#action-") === 0) {
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
})();
