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

  // Filters live in the page's query string (?systems=checkout&overdue=1), so
  // a filtered view can be shared and survives Back: the URL is replaced as
  // the reader filters (one history entry per page, not per keystroke), and a
  // page opened with a query starts filtered.
  function readQuery(form) {
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || !params.has(input.name)) return;
      var v = params.get(input.name);
      if (input.type === "checkbox") input.checked = v !== "" && v !== "0";
      else if (input.tagName === "SELECT") {
        if (Array.prototype.some.call(input.options, function (o) { return o.value === v || (!o.value && o.text === v); })) input.value = v;
      } else input.value = v;
    });
  }
  function writeQuery(form) {
    var url = new URL(location.href);
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      var v = input.type === "checkbox" ? (input.checked ? "1" : "") : (input.value || "").trim();
      if (v) url.searchParams.set(input.name, v); else url.searchParams.delete(input.name);
    });
    if (url.href !== location.href) history.replaceState(history.state, "", url);
  }
  function filtered(form, apply) {
    form.hidden = false;
    readQuery(form);
    apply();
    form.addEventListener("input", function () { apply(); writeQuery(form); });
    form.addEventListener("change", function () { apply(); writeQuery(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    // Back to a page the browser kept in memory: its form may hold other values than the URL.
    window.addEventListener("pageshow", function (e) { if (e.persisted) { readQuery(form); apply(); } });
  }

  // Incident tables: filter rows in place.
  document.querySelectorAll("form[data-filter-table]").forEach(function (form) {
    var rows = document.querySelectorAll(".incidents-table tbody tr");
    var out = form.querySelector(".filter-count");
    filtered(form, function () {
      var shown = 0;
      rows.forEach(function (r) { var ok = matches(r, form); r.hidden = !ok; if (ok) shown++; });
      if (out) out.textContent = shown + " of " + rows.length + " incidents";
    });
  });

  // Follow-up board: filter items; each section's count (and the section
  // links' counts) say how many of its items the filters leave.
  document.querySelectorAll("form[data-filter-list]").forEach(function (form) {
    var items = document.querySelectorAll(".board-section .fu");
    var out = form.querySelector(".filter-count");
    filtered(form, function () {
      var shown = 0;
      items.forEach(function (li) { var ok = matches(li, form); li.hidden = !ok; if (ok) shown++; });
      document.querySelectorAll(".board-section").forEach(function (s) {
        var visible = s.querySelectorAll(".fu:not([hidden])").length;
        var count = s.querySelector(".count");
        if (count) count.textContent = visible;
        var link = document.querySelector(".board-nav a[data-section='" + s.dataset.section + "'] .count");
        if (link) link.textContent = visible;
        var empty = s.querySelector(".empty");
        if (empty) empty.hidden = visible > 0;
        var list = s.querySelector(".fu-list");
        if (list) list.hidden = visible === 0;
      });
      if (out) out.textContent = shown + " of " + items.length + " follow-ups";
    });
  });

  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // The "/" shortcut is worth showing only where there is a keyboard to press it.
  var box = document.getElementById("search-input");
  if (box && box.dataset.shortcutHint && window.matchMedia && matchMedia("(pointer: fine)").matches) {
    box.placeholder += box.dataset.shortcutHint;
  }

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
  // An incident's reading-list box opens out (previous and next) when the
  // reader came from the list (?list=ID) or has the list in progress.
  var fromList = new URLSearchParams(location.search).get("list");
  document.querySelectorAll(".reading-nav[data-list]").forEach(function (nav) {
    var list = nav.dataset.list;
    if (fromList === list || readSet(list).length > 0) nav.classList.remove("is-compact");
  });
  document.querySelectorAll(".reading-progress[data-list]").forEach(function (el) {
    var n = readSet(el.dataset.list).length;
    if (n > 0) el.textContent = n + " of " + el.dataset.count + " read";
  });
})();
