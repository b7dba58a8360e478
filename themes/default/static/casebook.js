// casebook's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box, as on most documentation sites.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      var box = document.getElementById("search-input");
      if (box) { e.preventDefault(); box.focus(); }
    }
  });

  function matches(el, form) {
    var ok = true;
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || !ok) return;
      if (input.type === "checkbox") {
        if (input.checked && input.name === "overdue") ok = Number(el.dataset.overdue || 0) > 0;
        return;
      }
      var v = (input.value || "").trim().toLowerCase();
      if (!v) return;
      if (input.name === "text") { ok = el.textContent.toLowerCase().indexOf(v) !== -1; return; }
      if (input.name === "systems") { ok = (" " + (el.dataset.systems || "") + " ").indexOf(" " + v + " ") !== -1; return; }
      ok = (el.dataset[input.name] || "").toLowerCase() === v;
    });
    return ok;
  }

  // Incident tables: filter rows in place.
  document.querySelectorAll("form[data-filter-table]").forEach(function (form) {
    form.hidden = false;
    var rows = document.querySelectorAll(".incidents-table tbody tr");
    var out = form.querySelector(".filter-count");
    function apply() {
      var shown = 0;
      rows.forEach(function (r) { var ok = matches(r, form); r.hidden = !ok; if (ok) shown++; });
      if (out) out.textContent = shown + " of " + rows.length + " incidents";
    }
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  // Follow-up board: filter items and hide empty sections.
  document.querySelectorAll("form[data-filter-list]").forEach(function (form) {
    form.hidden = false;
    var items = document.querySelectorAll(".board-section .fu");
    var out = form.querySelector(".filter-count");
    function apply() {
      var shown = 0;
      items.forEach(function (li) { var ok = matches(li, form); li.hidden = !ok; if (ok) shown++; });
      document.querySelectorAll(".board-section").forEach(function (s) {
        var visible = s.querySelectorAll(".fu:not([hidden])").length;
        var count = s.querySelector(".count");
        if (count) count.textContent = visible;
      });
      if (out) out.textContent = shown + " of " + items.length + " follow-ups";
    }
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  // Reading lists: progress kept in this browser only.
  function readSet(list) {
    try { return JSON.parse(localStorage.getItem("casebook:read:" + list) || "[]"); } catch (e) { return []; }
  }
  function saveSet(list, ids) {
    try { localStorage.setItem("casebook:read:" + list, JSON.stringify(ids)); } catch (e) { /* private mode */ }
  }
  document.querySelectorAll("ol.reading-items").forEach(function (ol) {
    var list = ol.dataset.list;
    var status = document.querySelector(".reading-status[data-list='" + list + "']");
    var items = ol.querySelectorAll(".reading-item");
    function render() {
      var read = readSet(list);
      var next = null;
      items.forEach(function (li) {
        var done = read.indexOf(li.dataset.id) !== -1;
        var box = li.querySelector(".read-box");
        box.hidden = false;
        box.checked = done;
        li.classList.toggle("is-read", done);
        if (!done && !next) next = li;
      });
      if (status) {
        status.hidden = false;
        var n = items.length, r = read.filter(function (id) { return ol.querySelector("[data-id='" + id + "']"); }).length;
        status.innerHTML = "";
        status.appendChild(document.createTextNode(r + " of " + n + " read. "));
        if (next) {
          var a = document.createElement("a");
          a.href = next.querySelector("a.incident-title").getAttribute("href");
          a.textContent = r > 0 ? "Resume: " + next.querySelector("a.incident-title").textContent : "Start reading";
          status.appendChild(a);
        }
      }
    }
    ol.addEventListener("change", function (e) {
      if (!e.target.classList.contains("read-box")) return;
      var id = e.target.closest(".reading-item").dataset.id;
      var read = readSet(list).filter(function (x) { return x !== id; });
      if (e.target.checked) read.push(id);
      saveSet(list, read);
      render();
    });
    render();
  });
  document.querySelectorAll(".reading-progress[data-list]").forEach(function (el) {
    var n = readSet(el.dataset.list).length;
    if (n > 0) el.textContent = n + " of " + el.dataset.count + " read";
  });
})();
