// 答题PK: the lobby's matchmaking socket and the battle socket. The server decides everything: this page only
// shows what it sends (questions with their deadline, reveals, scores) and sends the member's choice.
(function () {
  "use strict";
  function socketUrl(path) {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }
  function show(el, text) { el.textContent = text; el.hidden = !text; }

  // --- Lobby ---
  var lobby = document.getElementById("battle-lobby");
  if (lobby && lobby.querySelector("[data-queue]")) {
    var matching = document.getElementById("matching");
    var waitEl = document.getElementById("matching-wait");
    var botsBtn = document.getElementById("play-bots");
    var lobbyError = document.getElementById("lobby-error");
    var ws = null, waitTimer = null, startedAt = 0, botsAfter = 15, pending = null;
    var open = function (then) {
      if (ws && ws.readyState === 1) { then(); return; }
      pending = then;
      ws = new WebSocket(socketUrl(lobby.dataset.socket));
      ws.onopen = function () { if (pending) { var p = pending; pending = null; p(); } };
      ws.onmessage = function (e) {
        var m = JSON.parse(e.data);
        if (m.type === "matched" || (m.type === "lobby" && m.url)) { window.location.href = m.url; }
        else if (m.type === "waiting") {
          botsAfter = m.bots_after; startedAt = Date.now(); matching.hidden = false; botsBtn.hidden = true;
          clearInterval(waitTimer);
          waitTimer = setInterval(function () {
            var s = Math.floor((Date.now() - startedAt) / 1000);
            waitEl.textContent = waitEl.dataset.template.replace("%(s)s", s);
            if (s >= botsAfter) { botsBtn.hidden = false; }
          }, 250);
        } else if (m.type === "cancelled") { matching.hidden = true; clearInterval(waitTimer); }
        else if (m.type === "error") { show(lobbyError, m.message); }
      };
      ws.onclose = function () { matching.hidden = true; clearInterval(waitTimer); };
    };
    lobby.querySelectorAll("[data-queue]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        show(lobbyError, "");
        open(function () { ws.send(JSON.stringify({type: "queue", mode: btn.dataset.queue})); });
      });
    });
    botsBtn.addEventListener("click", function () { ws.send(JSON.stringify({type: "bots"})); });
    document.getElementById("cancel-match").addEventListener("click", function () {
      if (ws) { ws.send(JSON.stringify({type: "cancel"})); }
    });
  }

  // --- Battle ---
  var root = document.getElementById("battle");
  if (!root) { return; }
  var t = root.dataset;
  var mySeat = parseInt(t.seat, 10);
  var stem = document.getElementById("stem");
  var choices = document.getElementById("choices");
  var status = document.getElementById("status");
  var explain = document.getElementById("explain");
  var qno = document.getElementById("qno");
  var ring = document.getElementById("ring");
  var countdown = document.getElementById("countdown");
  var errorEl = document.getElementById("battle-error");
  var room = document.getElementById("room");
  var current = null, clockSkew = 0, tick = null, sock = null, finished = false, retry = 0;

  function playerEl(seat) { return root.querySelector('.player[data-seat="' + seat + '"]'); }
  function setScores(list) {
    list.forEach(function (p) {
      var el = playerEl(p.seat);
      if (!el) { return; }
      el.querySelector("[data-score]").textContent = p.score;
      el.classList.toggle("gone", !!p.forfeited);
    });
  }
  function clearMarks() {
    root.querySelectorAll("[data-mark]").forEach(function (m) { m.textContent = ""; m.className = "pmark"; });
  }
  function runClock(q) {
    clearInterval(tick);
    var total = q.deadline_ms - q.shown_at_ms;
    var step = function () {
      var left = Math.max(0, q.deadline_ms - (Date.now() + clockSkew));
      countdown.textContent = Math.ceil(left / 1000);
      ring.style.strokeDashoffset = String(100 - (100 * left) / total);
      if (left <= 0) { clearInterval(tick); choices.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }
    };
    step();
    tick = setInterval(step, 100);
  }
  function showQuestion(q, answered) {
    if (room) { room.hidden = true; }
    current = q;
    clearMarks();
    explain.hidden = true;
    qno.textContent = t.tQuestion.replace("%(n)s", q.index + 1).replace("%(total)s", q.total);
    stem.textContent = q.stem;
    choices.textContent = "";
    q.options.forEach(function (o) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "choice"; b.dataset.key = o.key;
      var k = document.createElement("span"); k.className = "key"; k.textContent = o.key;
      var s = document.createElement("span"); s.className = "text"; s.textContent = o.text;
      b.appendChild(k); b.appendChild(s);
      b.disabled = !!answered;
      b.addEventListener("click", function () {
        choices.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        b.classList.add("picked");
        sock.send(JSON.stringify({type: "answer", index: q.index, choice: o.key}));
      });
      choices.appendChild(b);
    });
    show(status, answered ? t.tSent : "");
    runClock(q);
  }
  function reveal(m) {
    clearInterval(tick);
    countdown.textContent = "0";
    choices.querySelectorAll("button").forEach(function (b) {
      b.disabled = true;
      if (m.answer.indexOf(b.dataset.key) >= 0) { b.classList.add("right"); }
      else if (b.classList.contains("picked")) { b.classList.add("wrong"); }
    });
    m.results.forEach(function (r) {
      var el = playerEl(r.seat);
      if (!el) { return; }
      var mark = el.querySelector("[data-mark]");
      mark.textContent = r.choice === null ? t.tTimeout : (r.correct ? "+" + r.points : t.tWrong);
      mark.className = "pmark " + (r.correct ? "right" : "wrong");
      if (r.seat === mySeat) { show(status, r.correct ? t.tCorrect + " +" + r.points : (r.choice === null ? t.tTimeout : t.tWrong)); }
    });
    setScores(m.scores);
    if (m.explanation) { explain.textContent = m.explanation; explain.hidden = false; }
  }
  function final(m) {
    finished = true;
    clearInterval(tick);
    setScores(m.players);
    var list = document.getElementById("final-list");
    list.textContent = "";
    m.players.slice().sort(function (a, b) { return a.rank - b.rank; }).forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.rank + ". " + p.name + " · " + p.score + (p.forfeited ? " (" + t.tLeft + ")" : "");
      if (p.seat === mySeat) { li.className = "me"; }
      list.appendChild(li);
    });
    document.getElementById("final").hidden = false;
    document.getElementById("stage").hidden = true;
    var leave = document.getElementById("leave-form");
    if (leave) { leave.hidden = true; }
  }
  function connect() {
    sock = new WebSocket(socketUrl(t.socket));
    sock.onopen = function () { retry = 0; show(errorEl, ""); };
    sock.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "state") {
        clockSkew = m.server_now_ms - Date.now();
        setScores(m.players);
        if (m.state === "finished") { window.location.href = root.querySelector("#final-link").href; }
        else if (m.question) { showQuestion(m.question, m.answered); }
        else if (m.state === "running") { if (room) { room.hidden = true; } stem.textContent = t.tWaiting; }
      } else if (m.type === "question") { showQuestion(m, false); }
      else if (m.type === "ack") { show(status, t.tSent); }
      else if (m.type === "reveal") { reveal(m); }
      else if (m.type === "scores") { setScores(m.players); }
      else if (m.type === "finished") { final(m); }
      else if (m.type === "error" || m.type === "superseded") { show(errorEl, m.message); }
    };
    sock.onclose = function (e) {
      if (finished || e.code === 4409 || e.code === 4403 || e.code === 4401) { return; }
      show(errorEl, t.tLost);
      retry += 1;
      setTimeout(connect, Math.min(3000, 300 * retry));
    };
  }
  connect();
}());
