/* Admin: resumable video upload with tus-js-client (static/vendor/tus-js-client) to media:upload_create.
 * Progress, speed and time left; retries through dropped connections from the last acknowledged offset;
 * after a page reload the same file resumes (tus-js-client keeps the upload URL in localStorage under the
 * file's fingerprint); Cancel terminates the upload (the server deletes the partial file). */
(function () {
  "use strict";
  var root = document.querySelector("[data-tus-uploader]");
  if (!root || !window.tus) { return; }
  var $ = function (selector) { return root.querySelector(selector); };
  var fileInput = $("#dps-upload-file"), titleInput = $("#dps-upload-title");
  var startButton = $("[data-upload-start]"), pauseButton = $("[data-upload-pause]");
  var cancelButton = $("[data-upload-cancel]"), progressBox = $("[data-upload-progress]");
  var bar = progressBox.querySelector("progress"), statusLine = $("[data-upload-status]");
  var pendingBox = $("[data-upload-pending]");
  var texts = {};
  Array.prototype.forEach.call($("template[data-messages]").content.querySelectorAll("[data-key]"), function (el) {
    texts[el.getAttribute("data-key")] = el.textContent;
  });
  function text(key, values) {
    return (texts[key] || key).replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
  }
  function size(bytes) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return (i ? bytes.toFixed(1) : String(bytes)) + " " + units[i];
  }
  function say(message) { statusLine.textContent = message; }

  var upload = null, samples = [];
  window.dpsUpload = {state: "idle", resumedFrom: null, offsets: []};  // read by the browser test

  function showProgress(sent, total) {
    var now = Date.now();
    samples.push([now, sent]);
    while (samples.length > 2 && now - samples[0][0] > 5000) { samples.shift(); }
    var first = samples[0], seconds = (now - first[0]) / 1000;
    var rate = seconds > 0.5 ? (sent - first[1]) / seconds : 0;
    var percent = total ? Math.floor(sent * 100 / total) : 0;
    bar.value = percent;
    $("[data-upload-percent]").textContent = percent + "%";
    $("[data-upload-bytes]").textContent = text("of", {done: size(sent), size: size(total)});
    $("[data-upload-speed]").textContent = rate > 0 ? size(Math.round(rate)) + "/s" : "—";
    if (rate > 0) {
      var left = Math.round((total - sent) / rate);
      $("[data-upload-eta]").textContent = text("min", {minutes: Math.floor(left / 60), seconds: left % 60});
    }
  }

  function setRunning(running) {
    startButton.disabled = running || !fileInput.files.length;
    pauseButton.hidden = !running;
    cancelButton.hidden = !upload;
    fileInput.disabled = running;
  }

  function listPending() {
    if (!window.tus.defaultOptions.urlStorage) { return; }
    window.tus.defaultOptions.urlStorage.findAllUploads().then(function (found) {
      var mine = found.filter(function (item) { return item.uploadUrl && item.uploadUrl.indexOf(root.dataset.endpoint) !== -1; });
      if (!mine.length) { pendingBox.hidden = true; return; }
      pendingBox.hidden = false;
      pendingBox.textContent = mine.map(function (item) {
        var meta = item.metadata || {};
        return text("pending", {name: meta.filename || "", size: size(item.size || 0)});
      }).join(" ");
    });
  }

  function start() {
    var file = fileInput.files[0];
    if (!file) { return; }
    if (file.size > Number(root.dataset.maxBytes)) { say(text("too_big")); return; }
    if (!upload) {
      upload = new window.tus.Upload(file, {
        endpoint: root.dataset.endpoint,
        chunkSize: Number(root.dataset.chunkBytes),
        retryDelays: [0, 1000, 2000, 3000, 5000, 10000, 10000, 20000, 20000, 30000, 30000, 60000, 60000, 60000],
        removeFingerprintOnSuccess: true,
        headers: {"X-CSRFToken": root.dataset.csrf},
        metadata: {filename: file.name, filetype: file.type || "", title: titleInput.value || ""},
        onProgress: function (sent, total) {
          if (window.dpsUpload.state === "retrying") { window.dpsUpload.state = "uploading"; say(text("uploading")); }
          showProgress(sent, total);
        },
        onChunkComplete: function (chunk, accepted) { window.dpsUpload.offsets.push(accepted); },
        onShouldRetry: function (error, attempt, options) {
          var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
          if (status === 403 || status === 404 || status === 412 || status === 413 || status === 415 || status === 460) {
            return false;
          }
          window.dpsUpload.state = "retrying";
          say(text("retrying"));
          return true;
        },
        onError: function (error) {
          window.dpsUpload.state = "failed";
          var response = error.originalResponse;
          var reason = response && response.getBody() ? response.getBody() : String(error.message || error);
          say(text("failed") + " " + reason);
          upload = null;
          setRunning(false);
          listPending();
        },
        onSuccess: function (payload) {
          window.dpsUpload.state = "done";
          var id = payload && payload.lastResponse ? payload.lastResponse.getHeader("X-Video-Id") : null;
          say(text("done"));
          if (id) {
            var link = document.createElement("a");
            link.href = root.dataset.editUrl.replace("{id}", id);
            link.textContent = " " + text("open");
            link.setAttribute("data-upload-video", id);
            statusLine.appendChild(link);
          }
          upload = null;
          setRunning(false);
          cancelButton.hidden = true;
          pauseButton.hidden = true;
          startButton.disabled = true;
          listPending();
        }
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          window.dpsUpload.resumedFrom = previous[0].uploadUrl;
        }
        run();
      });
      return;
    }
    run();
  }

  function run() {
    samples = [];
    progressBox.hidden = false;
    window.dpsUpload.state = "uploading";
    say(window.dpsUpload.resumedFrom ? text("resumed") : text("uploading"));
    setRunning(true);
    upload.start();
  }

  startButton.addEventListener("click", start);
  fileInput.addEventListener("change", function () { startButton.disabled = !fileInput.files.length; });
  pauseButton.addEventListener("click", function () {
    if (!upload) { return; }
    upload.abort(false);
    window.dpsUpload.state = "paused";
    say(text("paused"));
    setRunning(false);
  });
  cancelButton.addEventListener("click", function () {
    if (!upload) { return; }
    var current = upload;
    upload = null;
    current.abort(true).then(function () {
      window.dpsUpload.state = "cancelled";
      bar.value = 0;
      progressBox.hidden = true;
      say(text("cancelled"));
      setRunning(false);
      listPending();
    });
  });
  listPending();
})();
