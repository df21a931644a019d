// Exam paper: server-side remaining time, autosave of each answer through the JSON API, auto-submit at zero.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var remainingEl = document.getElementById("remaining");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var endAt = Date.now() + parseInt(remainingEl.dataset.seconds, 10) * 1000;
  var submitted = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    remainingEl.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    if (left <= 0 && !submitted) { submitted = true; form.submit(); return; }
    window.setTimeout(tick, 1000);
  }

  function responseOf(fieldset) {
    var type = fieldset.dataset.type;
    if (type === "fill") {
      return Array.prototype.map.call(fieldset.querySelectorAll("input[type=text]"), function (i) { return i.value; });
    }
    var checked = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
    return type === "multiple" ? checked : (checked[0] || null);
  }

  function save(fieldset) {
    var response = responseOf(fieldset);
    if (response === null) { return; }
    fetch(form.dataset.saveUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({question: parseInt(fieldset.dataset.question, 10), response: response, seed: form.dataset.seed})
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.ok) {
          status.textContent = form.dataset.savedText;
          endAt = Date.now() + data.remaining_seconds * 1000;
        } else {
          status.textContent = data.detail || form.dataset.errorText;
        }
      });
    }).catch(function () { status.textContent = form.dataset.errorText; });
  }

  var timers = {};
  form.addEventListener("change", function (e) {
    var fs = e.target.closest("fieldset[data-question]");
    if (fs) { save(fs); }
  });
  form.addEventListener("input", function (e) {
    var fs = e.target.closest("fieldset[data-question]");
    if (!fs || e.target.type !== "text") { return; }
    window.clearTimeout(timers[fs.dataset.question]);
    timers[fs.dataset.question] = window.setTimeout(function () { save(fs); }, 800);
  });
  form.addEventListener("submit", function () { submitted = true; });
  tick();
})();
