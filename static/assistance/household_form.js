// Household form: add member rows (Django formset). No inline scripts (CSP).
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var container = document.getElementById("members");
  var total = document.getElementById("id_members-TOTAL_FORMS");
  if (!button || !template || !container || !total) return;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var wrapper = document.createElement("div");
    wrapper.innerHTML = html.trim();
    var row = wrapper.firstElementChild;
    var label = row.querySelector(".member-index");
    if (label) label.textContent = String(index + 1);
    var relation = row.querySelector("select[name$='-relation']");
    if (relation && relation.value === "head") relation.value = "other";
    container.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input[type=text]");
    if (first) first.focus();
  });
})();
