(function () {
  "use strict";
  // The report's only script: static (no data from the log), allowed by its hash in the
  // page's Content-Security-Policy. Without it the page shows everything, unsorted.
  var FOLD = 25;
  function text(el) { return (el.textContent || "").trim(); }
  function num(s) {
    var m = s.replace(/[,\u202f\u00a0]/g, "").match(/^-?\d+(\.\d+)?/);
    if (!m) { return null; }
    var v = parseFloat(m[0]);
    if (/\d\s*d\b/.test(s)) { v *= 24; } else if (/\d\s*m\b/.test(s)) { v /= 60; }
    return v;
  }
  function plainRows(table) {
    var body = table.tBodies[0];
    if (!body || table.classList.contains("timeline")) { return null; }
    var rows = Array.prototype.slice.call(body.rows);
    var width = table.tHead ? table.tHead.rows[0].cells.length : 0;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].cells.length !== width) { return null; }
    }
    return rows;
  }
  function sortable(table, rows) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.classList.add("fm-sort");
      th.title = "sort";
      th.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) {
          var s = text(r.cells[col]);
          return { row: r, n: num(s), s: s.toLowerCase(), i: i };
        });
        keyed.sort(function (a, b) {
          var c = (a.n !== null && b.n !== null) ? a.n - b.n : (a.s < b.s ? -1 : a.s > b.s ? 1 : 0);
          return (up ? c : -c) || a.i - b.i;
        });
        var body = table.tBodies[0];
        keyed.forEach(function (k) { body.appendChild(k.row); });
        fold(table, keyed.map(function (k) { return k.row; }), false);
      });
    });
  }
  function fold(table, rows, first) {
    if (rows.length <= FOLD) { return; }
    var open = table.getAttribute("data-open") === "1";
    rows.forEach(function (r, i) { r.classList.toggle("fm-more", !open && i >= FOLD); });
    if (!first) { return; }
    var b = document.createElement("button");
    b.type = "button";
    b.className = "fm-show";
    b.textContent = "show all " + rows.length + " rows";
    b.addEventListener("click", function () {
      table.setAttribute("data-open", "1");
      rows.forEach(function (r) { r.classList.remove("fm-more"); });
      b.remove();
    });
    table.parentNode.insertBefore(b, table.nextSibling);
  }
  function filterable(table, rows) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "fm-filter";
    box.placeholder = "filter rows";
    box.setAttribute("aria-label", "filter rows");
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      table.setAttribute("data-open", "1");
      rows.forEach(function (r) {
        r.classList.remove("fm-more");
        r.hidden = q !== "" && text(r).toLowerCase().indexOf(q) < 0;
      });
    });
    table.parentNode.insertBefore(box, table);
  }
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var rows = plainRows(table);
    if (!rows || !table.tHead) { return; }
    sortable(table, rows);
    if (rows.length >= 10) { filterable(table, rows); }
    fold(table, rows, true);
  });
  Array.prototype.forEach.call(document.querySelectorAll("main section > h2"), function (h) {
    h.classList.add("fm-fold");
    h.title = "fold or unfold";
    h.addEventListener("click", function () { h.parentNode.classList.toggle("fm-folded"); });
  });
  var toc = document.querySelector("nav.toc");
  if (toc) {
    var find = document.createElement("input");
    find.type = "search";
    find.className = "fm-find";
    find.placeholder = "find a case id";
    find.setAttribute("aria-label", "find a case id");
    find.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      var q = find.value.trim().toLowerCase();
      var cells = document.querySelectorAll("table.top-cases td.id, .story h3, table.journeys td");
      for (var i = 0; i < cells.length; i++) {
        if (q && text(cells[i]).toLowerCase().indexOf(q) >= 0) {
          var row = cells[i].closest("tr") || cells[i];
          var section = cells[i].closest("section");
          if (section) { section.classList.remove("fm-folded"); }
          row.classList.remove("fm-more");
          row.hidden = false;
          row.scrollIntoView({ block: "center" });
          row.classList.add("fm-hit");
          setTimeout(function () { row.classList.remove("fm-hit"); }, 2500);
          find.classList.remove("fm-miss");
          return;
        }
      }
      find.classList.add("fm-miss");
    });
    toc.appendChild(find);
  }
})();
