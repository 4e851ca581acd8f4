// Filters of an adjustment page: by kind, by department, undeclared only. Without JavaScript the
// page shows every change, grouped by kind.
(function () {
  "use strict";
  var form = document.getElementById("adj-filter");
  if (!form) return;
  var kind = form.querySelector("#f-kind");
  var dept = form.querySelector("#f-dept");
  var undeclared = form.querySelector("#f-undeclared");
  var count = document.getElementById("adj-count");
  var changes = Array.prototype.slice.call(document.querySelectorAll("article.change"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.kind-section"));
  function apply() {
    var shown = 0;
    changes.forEach(function (c) {
      var ok = (!kind.value || c.dataset.kind === kind.value) &&
        (!dept.value || c.dataset.department === dept.value) &&
        (!undeclared.checked || c.dataset.declared === "no");
      c.hidden = !ok;
      if (ok) shown += 1;
    });
    sections.forEach(function (s) {
      s.hidden = !s.querySelector("article.change:not([hidden])");
    });
    count.textContent = "显示 " + shown + " 项调整，共 " + changes.length + " 项";
  }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
