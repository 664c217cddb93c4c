// Subsidies pages. No inline scripts (CSP): behaviour hangs on data-* attributes.
(function () {
  "use strict";
  // <select data-autosubmit> submits its form as GET when changed (pick a clause → its fields).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (!select) return;
    var form = select.form;
    var target = select.getAttribute("data-autosubmit");
    if (target) {
      var params = new URLSearchParams();
      form.querySelectorAll("[data-keep]").forEach(function (el) {
        if (el.value) params.set(el.name, el.value);
      });
      window.location.assign(target + "?" + params.toString());
    }
  });
})();
