// The income test's live per-person income: the household's net incomes typed so far,
// divided by the members (rows with a name), half up to the grosz, against the threshold.
// The server computes the same figure when the household is saved; this only shows it early.
(function () {
  "use strict";
  function grosze(text) {
    var cleaned = (text || "").replace(/\s|\u00a0/g, "").replace(",", ".").replace(/z[łl]$/, "");
    if (!cleaned) { return 0; }
    if (!/^-?\d+(\.\d{1,2})?$/.test(cleaned)) { return NaN; }
    return Math.round(parseFloat(cleaned) * 100);
  }
  function zloty(value) {
    var whole = Math.floor(value / 100), rest = value % 100;
    return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0") + "," + (rest < 10 ? "0" : "") + rest + "\u00a0zł";
  }
  function update(form, output) {
    var rows = form.querySelectorAll("tbody tr"), total = 0, members = 0, bad = false;
    rows.forEach(function (row) {
      var name = row.querySelector("input[name$='-name']");
      if (!name || !name.value.trim()) { return; }
      members += 1;
      row.querySelectorAll("input.income").forEach(function (input) {
        var value = grosze(input.value);
        if (isNaN(value) || value < 0) { bad = true; } else { total += value; }
      });
    });
    output.hidden = false;
    if (bad) { output.textContent = output.dataset.bad; return; }
    if (!members) { output.textContent = ""; return; }
    var perPerson = Math.floor((total * 2 + members) / (2 * members));
    var threshold = parseInt(form.dataset.threshold, 10);
    output.textContent = output.dataset.label + " " + zloty(perPerson) + " – " +
      (perPerson <= threshold ? output.dataset.yes : output.dataset.no);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("household-form");
    var output = document.getElementById("live-income");
    if (!form || !output) { return; }
    form.addEventListener("input", function () { update(form, output); });
    update(form, output);
  });
})();
