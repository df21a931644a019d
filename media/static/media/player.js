/* Digital Party School video player: HLS through hls.js where Media Source is needed (Chromium,
   Firefox, Android), the browser's own HLS where it has it (Safari, iOS), a quality menu in both.
   Events for other code, dispatched on the <video data-video-id> element:
     dps-player:ready    detail {videoId, engine: "hls.js"|"native", levels: [{index, height, bandwidth}]}
     dps-player:quality  detail {videoId, level (-1 = auto), height}
   The media events themselves (timeupdate, pause, seeked, ended) are never stopped. */
(function () {
  "use strict";
  if (window.DPSPlayer) { window.DPSPlayer.initAll(); return; }

  function emit(video, name, detail) {
    video.dispatchEvent(new CustomEvent("dps-player:" + name, {bubbles: true, detail: detail}));
  }

  function renditions(select) {
    var node = document.getElementById(select.getAttribute("data-renditions"));
    try { return node ? JSON.parse(node.textContent) : []; } catch (e) { return []; }
  }

  function addOption(select, value, label) {
    var option = document.createElement("option");
    option.value = String(value);
    option.textContent = label;
    select.appendChild(option);
  }

  function showMessage(figure, text) {
    var box = figure.querySelector(".vplayer-message");
    if (box) { box.textContent = text; }
  }

  /* Lowest rung first: while the video has fewer rungs than planned, re-read the master playlist (hls.js
     reads a VOD master once) and call reload() when it names more; stop when every planned rung is in. */
  function fresh(url, count) { return url + (url.indexOf("?") === -1 ? "?" : "&") + "rungs=" + count; }

  function watchUpgrades(video, figure, shown, reload) {
    var planned = parseInt(video.getAttribute("data-planned-rungs") || "0", 10);
    if (!planned) { return; }
    var every = parseInt(video.getAttribute("data-upgrade-poll-ms") || "15000", 10);
    function check() {
      window.fetch(video.getAttribute("data-src"), {cache: "no-store", credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (text) {
          var count = (text.match(/#EXT-X-STREAM-INF/g) || []).length;
          var now = shown();
          if (now && count > now) { reload(count); }
          if (count >= planned && now) {
            var notice = figure.querySelector("[data-upgrading]");
            if (notice) { notice.hidden = true; }
            return;
          }
          window.setTimeout(check, every);
        })
        .catch(function () { window.setTimeout(check, every); });
    }
    check();
  }

  function withHlsJs(video, figure, select) {
    var hls = new window.Hls({capLevelToPlayerSize: true, startLevel: -1});
    video.dpsHls = hls;
    hls.loadSource(video.getAttribute("data-src"));
    hls.attachMedia(video);
    watchUpgrades(video, figure, function () { return hls.levels ? hls.levels.length : 0; }, function (count) {
      // More rungs: load the master again where the member is; the automatic choice may now switch up.
      var at = video.currentTime, playing = !video.paused;
      hls.once(window.Hls.Events.MANIFEST_PARSED, function () {
        if (at) { video.currentTime = at; }
        if (playing) { video.play(); }
      });
      // A new URL: the old master is in the HTTP cache for a minute (Cache-Control max-age=60).
      hls.loadSource(fresh(video.getAttribute("data-src"), count));
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function (_event, data) {
      var levels = data.levels.map(function (level, index) {
        return {index: index, height: level.height, bandwidth: level.bitrate};
      });
      while (select.options.length > 1) { select.remove(1); }
      levels.slice().sort(function (a, b) { return b.height - a.height || b.bandwidth - a.bandwidth; })
        .forEach(function (level) {
          addOption(select, level.index, level.height ? level.height + "p" : Math.round(level.bandwidth / 1000) + "k");
        });
      if (levels.length > 1) { select.parentNode.hidden = false; }
      emit(video, "ready", {videoId: video.dataset.videoId, engine: "hls.js", levels: levels});
    });
    select.addEventListener("change", function () {
      var level = parseInt(select.value, 10);
      hls.currentLevel = level;  // -1 = automatic
      var chosen = level >= 0 ? hls.levels[level] : null;
      emit(video, "quality", {videoId: video.dataset.videoId, level: level, height: chosen ? chosen.height : null});
    });
    var recovered = false;
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) { return; }
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
        return;
      }
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        showMessage(figure, figure.getAttribute("data-network-error") || "网络错误，正在重试…");
        hls.startLoad();
        return;
      }
      showMessage(figure, "视频无法播放，请刷新页面重试。");
      hls.destroy();
    });
  }

  function withNativeHls(video, figure, select) {
    var master = video.getAttribute("data-src");
    video.src = master;
    var list = renditions(select);
    list.forEach(function (item, index) { addOption(select, index, item.label); });
    if (list.length > 1) { select.parentNode.hidden = false; }
    select.addEventListener("change", function () {
      var index = parseInt(select.value, 10);
      var at = video.currentTime, playing = !video.paused;
      video.src = index >= 0 ? list[index].url : master;
      video.addEventListener("loadedmetadata", function resume() {
        video.removeEventListener("loadedmetadata", resume);
        video.currentTime = at;
        if (playing) { video.play(); }
      });
      emit(video, "quality", {videoId: video.dataset.videoId, level: index, height: index >= 0 ? list[index].height : null});
    });
    video.addEventListener("error", function () { showMessage(figure, "视频无法播放，请刷新页面重试。"); });
    var nativeShown = list.length;
    watchUpgrades(video, figure, function () { return nativeShown; }, function (count) {
      nativeShown = count;
      if (select.value !== "-1") { return; }  // a fixed rung was chosen: keep it
      var at = video.currentTime, playing = !video.paused;
      video.src = fresh(master, count);
      video.addEventListener("loadedmetadata", function resume() {
        video.removeEventListener("loadedmetadata", resume);
        video.currentTime = at;
        if (playing) { video.play(); }
      });
    });
    emit(video, "ready", {videoId: video.dataset.videoId, engine: "native",
      levels: list.map(function (item, index) { return {index: index, height: item.height, bandwidth: item.bandwidth}; })});
  }

  function init(figure) {
    if (figure.dpsReady) { return; }
    var video = figure.querySelector("video[data-src]");
    var select = figure.querySelector(".vplayer-quality");
    if (!video || !select) { return; }
    figure.dpsReady = true;
    if (window.Hls && window.Hls.isSupported()) {
      withHlsJs(video, figure, select);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      withNativeHls(video, figure, select);
    } else {
      showMessage(figure, "此浏览器无法播放视频，请更换浏览器。");
    }
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vplayer]"), init);
  }

  window.DPSPlayer = {init: init, initAll: initAll};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
