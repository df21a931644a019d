/* Study progress: reports what the member really studied to the progress API.
   Video lessons: the spans actually played (start -> position), every 15 s and on pause, seek, end and
   leaving the page. Reading lessons and documents: seconds with the page visible.
   The server decides what counts; this script only reports honestly and resumes where the member left.
   A member has one study clock: opening another lesson or document moves it there and this page pauses
   ("replaced") until the member continues here (plays the video, or comes back to the page), which takes
   the clock back. After a pause the page first reports a zero-length span, so that the server's clock
   restarts at the moment study resumes (the server credits nothing for a long silence). */
(function () {
  "use strict";
  var INTERVAL = 15000;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data};
      });
    });
  }

  function Tracker(box) {
    this.box = box;
    this.kind = box.getAttribute("data-kind") || "document";
    this.startUrl = box.getAttribute("data-start-url");
    this.heartbeatUrl = box.getAttribute("data-heartbeat-url");
    this.bar = box.querySelector("[data-progress-bar]");
    this.text = box.querySelector("[data-progress-text]");
    this.session = null;
    this.seq = 0;
    this.stopped = false;   // for good: the page cannot record progress
    this.replaced = false;  // for now: another page (or window) holds the member's study clock
    this.starting = null;
    this.onlive = null;     // called when a (re)start succeeds: the server's clock for this page begins now
  }

  Tracker.prototype.live = function () { return !!this.session && !this.stopped && !this.replaced; };

  Tracker.prototype.show = function (data) {
    // The bar agrees with the text: full exactly when the server says completed (as StudyProgress.percent).
    var percent = null;
    if (data.completed) {
      percent = 100;
    } else if (data.required_seconds) {
      percent = Math.min(99, Math.floor(100 * (data.watched_seconds || 0) / data.required_seconds));
    }
    if (percent !== null) {
      this.bar.value = percent;
      this.box.setAttribute("data-share", String(percent));
    }
    if (data.completed) {
      this.box.setAttribute("data-completed", "true");
      this.text.textContent = "已完成";
      var done = document.querySelector("[data-lesson-done]");
      if (done && done.hidden) { done.hidden = false; }
    } else if (data.required_seconds) {
      this.text.textContent = "已学习 " + Math.floor(data.watched_seconds || 0) + " 秒，共需 " +
        Math.ceil(data.required_seconds) + " 秒";
    }
  };

  Tracker.prototype.start = function () {
    var self = this;
    if (this.starting) { return this.starting; }
    this.starting = post(this.startUrl, {}).then(function (result) {
      self.starting = null;
      if (result.status !== 200) { self.stop(result.data.detail); return null; }
      self.session = result.data.session;
      self.seq = 0;
      self.replaced = false;
      self.box.setAttribute("data-session", "live");
      self.show(result.data);
      if (self.onlive) { self.onlive(); }
      return result.data;
    }, function () { self.starting = null; return null; });
    return this.starting;
  };

  // Study continues here: take the clock back if another page holds it, else restart its count now.
  Tracker.prototype.resume = function (position) {
    if (this.stopped || !this.session) { return Promise.resolve(null); }
    if (this.replaced) { return this.start(); }
    return this.send(position, position);
  };

  Tracker.prototype.send = function (start, position, keepalive) {
    if (!this.live()) { return Promise.resolve(null); }
    var self = this;
    this.seq += 1;
    var body = {session: this.session, seq: this.seq, position: position, start: start};
    return post(this.heartbeatUrl, body, keepalive).then(function (result) {
      if (result.status === 200) { self.show(result.data); return result.data; }
      if (result.status === 409 && result.data.code === "session_replaced") { self.pause(result.data.detail); }
      return null;
    }).catch(function () { return null; });
  };

  Tracker.prototype.pause = function (message) {
    this.replaced = true;
    this.box.setAttribute("data-session", "replaced");
    if (message) { this.text.textContent = message; }
  };

  Tracker.prototype.stop = function (message) {
    this.stopped = true;
    this.box.setAttribute("data-session", "stopped");
    if (message) { this.text.textContent = message; }
  };

  function trackReading(tracker, info) {
    var counted = info.position || 0;
    var sent = counted;
    var duration = info.duration;
    var lastTick = null;  // counts real time between ticks while the page is visible and holds the clock
    tracker.onlive = function () { lastTick = null; };
    setInterval(function () {
      var now = Date.now();
      if (document.visibilityState === "visible" && tracker.live()) {
        if (lastTick !== null) { counted = Math.min(duration, counted + Math.min(now - lastTick, 5000) / 1000); }
        lastTick = now;
      } else {
        lastTick = null;
      }
    }, 1000);
    function flush(keepalive) {
      if (counted > sent) { var from = sent; sent = counted; tracker.send(from, counted, keepalive); }
    }
    setInterval(function () { flush(false); }, INTERVAL);
    function resume() { flush(false); tracker.resume(counted); }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(true); } else { resume(); }
    });
    window.addEventListener("focus", function () { if (tracker.replaced) { resume(); } });
    window.addEventListener("pagehide", function () { flush(true); });
  }

  function trackVideo(tracker, info, video) {
    var spanStart = null;   // where the current uninterrupted playback began
    var lastTime = 0;       // last position seen while playing
    var resumed = false;
    function resume() {
      if (resumed) { return; }
      resumed = true;
      if (info.position > 0 && info.position < info.duration - 1) { video.currentTime = info.position; }
      lastTime = video.currentTime;
    }
    // After the first frame: hls.js sets its own start position on "loadedmetadata" and would undo ours.
    if (video.readyState >= 2) { resume(); } else { video.addEventListener("loadeddata", resume); }
    tracker.onlive = function () { lastTime = video.currentTime; spanStart = video.paused ? null : lastTime; };
    function flush(keepalive) {
      if (spanStart === null) { return; }
      var end = lastTime;
      var from = spanStart;
      spanStart = video.paused ? null : end;
      if (end > from) { tracker.send(from, end, keepalive); }
    }
    video.addEventListener("playing", function () {
      if (spanStart === null) { spanStart = video.currentTime; tracker.resume(spanStart); }
    });
    video.addEventListener("timeupdate", function () { if (!video.seeking) { lastTime = video.currentTime; } });
    video.addEventListener("seeking", function () { flush(false); spanStart = null; });
    video.addEventListener("seeked", function () { lastTime = video.currentTime; if (!video.paused) { spanStart = lastTime; } });
    video.addEventListener("pause", function () { lastTime = video.currentTime; flush(false); });
    video.addEventListener("ended", function () { lastTime = video.duration || lastTime; flush(false); });
    setInterval(function () { if (!video.paused) { lastTime = video.currentTime; flush(false); } }, INTERVAL);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(true); return; }
      if (tracker.replaced && !video.paused) { spanStart = video.currentTime; tracker.resume(spanStart); }
    });
    window.addEventListener("pagehide", function () { flush(true); });
  }

  function init(box) {
    var tracker = new Tracker(box);
    box.dpsTracker = tracker;
    tracker.start().then(function (info) {
      if (!info) { return; }
      if (tracker.kind === "video") {
        var video = document.querySelector("video[data-video-id]");
        if (video) { trackVideo(tracker, info, video); }
      } else {
        trackReading(tracker, info);
      }
    });
  }

  document.querySelectorAll("[data-study-tracker]").forEach(init);
})();
