// The operator's intake page: keyboard shortcuts, caller history by phone, knowledge
// suggestions while typing, township options by county, outcome sections. No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var $ = function (sel) { return form.querySelector(sel); };

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }
  function load(url, target) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html && target) target.innerHTML = html; return html; });
  }

  var callerBox = document.getElementById("caller-history");
  var suggestBox = document.getElementById("suggest");
  var refreshCaller = debounce(function () {
    var phone = $("[name=caller_phone]").value.trim();
    load(form.dataset.callerUrl + "?caller_phone=" + encodeURIComponent(phone), callerBox);
  }, 350);
  var refreshSuggest = debounce(function () {
    var params = new URLSearchParams();
    ["description", "subject", "county", "township", "address"].forEach(function (name) {
      var el = $("[name=" + name + "]");
      if (el) params.set(name, el.value);
    });
    load(form.dataset.suggestUrl + "?" + params.toString(), suggestBox);
  }, 400);

  $("[name=caller_phone]").addEventListener("input", refreshCaller);
  ["description", "address"].forEach(function (name) { $("[name=" + name + "]").addEventListener("input", refreshSuggest); });
  ["subject", "township"].forEach(function (name) { $("[name=" + name + "]").addEventListener("change", refreshSuggest); });
  $("[name=county]").addEventListener("change", function () {
    var county = $("[name=county]").value;
    load(form.dataset.townshipsUrl + "?county=" + encodeURIComponent(county), $("[name=township]")).then(refreshSuggest);
  });

  function showOutcome() {
    var checked = form.querySelector("[name=outcome]:checked");
    var value = checked ? checked.value : "";
    form.querySelectorAll(".outcome-section").forEach(function (section) {
      section.hidden = section.dataset.outcome !== value;
    });
  }
  function choose(value) {
    var radio = form.querySelector("[name=outcome][value=" + value + "]");
    if (radio) { radio.checked = true; showOutcome(); }
    var focusTarget = { answer: "[name=answer]", dispatch: "[name=lead_unit]", handover: "[name=handover_target]" }[value];
    if (focusTarget) $(focusTarget).focus();
  }
  form.querySelectorAll("[name=outcome]").forEach(function (r) { r.addEventListener("change", showOutcome); });
  showOutcome();

  document.addEventListener("keydown", function (event) {
    if (event.altKey && ["1", "2", "3", "4"].indexOf(event.key) >= 0) {
      event.preventDefault();
      choose({ "1": "answer", "2": "dispatch", "3": "handover", "4": "save" }[event.key]);
    } else if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  suggestBox.addEventListener("click", function (event) {
    var answer = event.target.closest(".use-answer");
    if (answer) {
      choose("answer");
      $("[name=answer]").value = answer.dataset.answer;
      return;
    }
    var unit = event.target.closest(".use-unit");
    if (unit) {
      choose("dispatch");
      $("[name=lead_unit]").value = unit.dataset.unit;
    }
  });

  if ($("[name=caller_phone]").value) refreshCaller();
  if ($("[name=description]").value) refreshSuggest();
})();
