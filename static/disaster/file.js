// The county filing grid: totals as you type, autosaved drafts with the server's §1 checks
// shown inline (the server is the one source of the Chinese messages), Enter moves down a
// column, and the submit button cannot be pressed twice.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var grid = document.getElementById("grid");
  var status = document.getElementById("save-status");
  var results = document.getElementById("check-results");
  var url = form.getAttribute("data-autosave-url");
  var timer = null;
  var dirty = false;
  var saving = false;

  function parseValue(text, money) {
    var clean = (text || "").replace(/[,，\s]/g, "");
    if (clean === "") return 0;
    if (money ? !/^\d+(\.\d{0,2})?$/.test(clean) : !/^\d+$/.test(clean)) return null;
    return money ? Math.round(parseFloat(clean) * 100) : parseInt(clean, 10);
  }

  function recomputeTotals() {
    grid.querySelectorAll("tfoot [data-total]").forEach(function (cell) {
      var field = cell.getAttribute("data-total");
      var money = field === "direct_loss";
      var sum = 0;
      var bad = false;
      grid.querySelectorAll('tbody input[data-field="' + field + '"]').forEach(function (input) {
        var v = parseValue(input.value, money);
        if (v === null) bad = true; else sum += v;
      });
      cell.textContent = bad ? "？" : money ? (sum / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2 }) : sum.toLocaleString("zh-CN");
    });
  }

  function showChecks(errors) {
    grid.querySelectorAll("td.invalid").forEach(function (td) { td.classList.remove("invalid"); });
    var items = [];
    Object.keys(errors).forEach(function (key) {
      var parts = key.split(".");
      if (parts[0] === "rows" && parts.length === 3) {
        var input = form.querySelector('input[name="r-' + parts[1] + "-" + parts[2] + '"]');
        if (input) input.parentElement.classList.add("invalid");
      }
      errors[key].forEach(function (msg) { items.push([key, msg]); });
    });
    results.textContent = "";
    if (!items.length) return;
    var h = document.createElement("h2");
    h.textContent = "请核对以下数据";
    var ul = document.createElement("ul");
    ul.className = "check-list";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-key", item[0]);
      li.textContent = item[1];
      ul.appendChild(li);
    });
    results.appendChild(h);
    results.appendChild(ul);
  }

  function save() {
    if (saving) { schedule(); return; }
    saving = true;
    dirty = false;
    status.textContent = "正在保存草稿…";
    var body = new FormData(form);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        status.textContent = "草稿已保存 " + data.saved_at;
        showChecks(data.errors || {});
      })
      .catch(function () {
        dirty = true;
        status.textContent = "草稿暂未保存（网络中断？），稍后自动重试";
        schedule(5000);
      })
      .finally(function () { saving = false; });
  }

  function schedule(delay) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, delay || 800);
  }

  form.addEventListener("input", function (event) {
    dirty = true;
    if (event.target.closest("#grid")) recomputeTotals();
    status.textContent = "有未保存的修改…";
    schedule();
  });
  form.addEventListener("change", function () { dirty = true; schedule(); });

  grid.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("input")) return;
    event.preventDefault();
    var td = event.target.parentElement;
    var index = Array.prototype.indexOf.call(td.parentElement.children, td);
    var next = td.parentElement.nextElementSibling;
    if (next) next.children[index].querySelector("input").focus();
  });

  var addRow = document.getElementById("add-missing-row");
  if (addRow) {
    addRow.addEventListener("click", function () {
      var hidden = form.querySelector(".missing-row[hidden]");
      if (hidden) hidden.hidden = false;
      if (!form.querySelector(".missing-row[hidden]")) addRow.disabled = true;
    });
  }

  var submitted = false;
  form.addEventListener("submit", function (event) {
    if (submitted) { event.preventDefault(); return; }
    submitted = true;
    dirty = false;
    if (timer) clearTimeout(timer);
    var button = document.getElementById("submit-report");
    button.disabled = true;
    button.textContent = "正在提交…";
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitted) { save(); event.preventDefault(); event.returnValue = ""; }
  });

  recomputeTotals();
})();
