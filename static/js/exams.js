// Exam paper: server-side remaining time with 5- and 1-minute warnings, autosave of each answer through the
// JSON API, answer card, marks (标记, stored with the attempt on the server), one question per screen or the whole paper,
// confirmation before submitting (how many are unanswered), automatic submit when time runs out.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var remainingEl = document.getElementById("remaining");
  var warning = document.getElementById("time-warning");
  var bar = document.getElementById("exam-bar");
  var card = document.getElementById("answer-card");
  var confirmBox = document.getElementById("confirm-submit");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var endAt = Date.now() + parseInt(remainingEl.dataset.seconds, 10) * 1000;
  var submitted = false;
  var warned = {};
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));
  var marks = {};  // as the server has them (the page renders them; each toggle is saved at once)
  var current = 0;
  questions.forEach(function (fs) { if (fs.dataset.marked === "true") { marks[fs.dataset.question] = 1; } });

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function warn(text, level) {
    warning.textContent = text;
    warning.hidden = false;
    bar.classList.add(level);
  }
  function submitNow(auto) {
    if (submitted) { return; }
    submitted = true;
    form.querySelector("#confirmed").value = "1";
    if (auto) { form.querySelector("#auto").value = "1"; }
    form.submit();
  }
  function tick() {
    var left = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    remainingEl.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    if (left <= 60 && !warned.one) { warned.one = warned.five = true; warn(warning.dataset.one, "urgent"); }
    else if (left <= 300 && !warned.five) { warned.five = true; warn(warning.dataset.five, "warn"); }
    if (left <= 0 && !submitted) { warn(warning.dataset.auto, "urgent"); submitNow(true); return; }
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
  function answered(fieldset) {
    var r = responseOf(fieldset);
    if (r === null) { return false; }
    if (typeof r === "string") { return r !== ""; }
    return r.some(function (v) { return v.trim() !== ""; });
  }

  function refreshCard() {
    var count = 0;
    questions.forEach(function (fs) {
      var id = fs.dataset.question;
      var cell = card.querySelector("[data-goto='" + id + "']");
      var isAnswered = answered(fs);
      if (isAnswered) { count += 1; }
      cell.classList.toggle("answered", isAnswered);
      cell.classList.toggle("marked", !!marks[id]);
      cell.classList.toggle("current", form.classList.contains("single") && questions[current] === fs);
      var button = fs.querySelector("[data-mark]");
      button.setAttribute("aria-pressed", marks[id] ? "true" : "false");
      fs.classList.toggle("is-marked", !!marks[id]);
    });
    document.getElementById("answered-count").textContent = count;
    return count;
  }

  function save(fieldset) {
    var response = responseOf(fieldset);
    refreshCard();
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

  function saveMark(id, on) {
    return fetch(form.dataset.markUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({question: parseInt(id, 10), marked: on, seed: form.dataset.seed})
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.detail || form.dataset.errorText); }
        marks = {};
        data.marks.forEach(function (q) { marks[String(q)] = 1; });
        status.textContent = form.dataset.savedText;
      });
    });
  }

  function show(index, focus) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    var single = form.classList.contains("single");
    questions.forEach(function (fs, i) { fs.hidden = single && i !== current; });
    Array.prototype.forEach.call(form.querySelectorAll("[data-section-of]"), function (h) {
      h.hidden = single && h.dataset.sectionOf !== questions[current].dataset.question;
    });
    refreshCard();
    var target = questions[current];
    if (focus) {
      target.scrollIntoView({block: "start"});
      var first = target.querySelector("input");
      if (first) { first.focus({preventScroll: true}); }
    }
  }
  function setView(view) {
    form.classList.toggle("single", view === "single");
    Array.prototype.forEach.call(document.querySelectorAll("[data-view]"), function (b) {
      b.setAttribute("aria-pressed", b.dataset.view === view ? "true" : "false");
    });
    try { window.localStorage.setItem("exam-view", view); } catch (e) { /* private mode */ }
    show(current, false);
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
  form.addEventListener("click", function (e) {
    var mark = e.target.closest("[data-mark]");
    if (mark) {
      var id = mark.dataset.mark;
      var on = !marks[id];
      if (on) { marks[id] = 1; } else { delete marks[id]; }
      refreshCard();
      saveMark(id, on).then(refreshCard, function (err) {  // not saved: show the mark as the server has it
        if (on) { delete marks[id]; } else { marks[id] = 1; }
        status.textContent = err.message;
        refreshCard();
      });
      return;
    }
    var step = e.target.closest("[data-step]");
    if (step) {
      var fs = step.closest("fieldset[data-question]");
      show(questions.indexOf(fs) + parseInt(step.dataset.step, 10), true);
    }
  });
  document.getElementById("open-card").addEventListener("click", function () { refreshCard(); card.showModal(); });
  card.addEventListener("click", function (e) {
    var cell = e.target.closest("[data-goto]");
    if (!cell) { return; }
    e.preventDefault();
    card.close();
    show(questions.indexOf(document.getElementById("q" + cell.dataset.goto)), true);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-view]"), function (b) {
    b.addEventListener("click", function () { setView(b.dataset.view); });
  });
  form.addEventListener("submit", function (e) {
    if (submitted) { return; }
    e.preventDefault();
    var left = questions.length - refreshCard();
    document.getElementById("confirm-text").textContent = left > 0 ?
      form.dataset.unansweredText.replace("__N__", left) : form.dataset.allAnsweredText;
    var markedCount = Object.keys(marks).length;
    var markedEl = document.getElementById("confirm-marked");
    markedEl.hidden = markedCount === 0;
    markedEl.textContent = form.dataset.markedText.replace("__N__", markedCount);
    confirmBox.showModal();
  });
  document.getElementById("confirm-cancel").addEventListener("click", function () { confirmBox.close(); });
  document.getElementById("confirm-ok").addEventListener("click", function () { confirmBox.close(); submitNow(false); });

  var view = "all";
  try { view = window.localStorage.getItem("exam-view") || "all"; } catch (e) { view = "all"; }
  setView(view);
  tick();
})();
