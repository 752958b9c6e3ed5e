// Sort the calibration report's tables in the browser when a column header is clicked.
// Without JavaScript the same header links sort on the server (?sort=table.column&dir=asc|desc).
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? cell.getAttribute("data-sort-value") : null;
    if (raw === null || raw === "") {
      return null;
    }
    return numeric ? parseFloat(raw) : raw;
  }

  function sortBy(table, header, index) {
    var numeric = header.getAttribute("data-kind") !== "text";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric);
      var y = cellValue(b, index, numeric);
      if (x === null || y === null) {
        // No data sorts last whichever the direction, as on the server.
        return x === y ? 0 : x === null ? 1 : -1;
      }
      var order = numeric ? x - y : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  document.querySelectorAll("table.js-sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (header, index) {
      var link = header.querySelector("a.sort-link");
      if (!link) {
        return;
      }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        sortBy(table, header, index);
      });
    });
  });
})();
