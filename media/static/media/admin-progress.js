/* Admin: reload a page that shows a video in processing every 5 s, so the progress moves. */
(function () {
  "use strict";
  function busy() { return document.querySelector('[data-video-status="processing"], [data-video-status="queued"]'); }
  if (!busy()) { return; }
  window.setTimeout(function () {
    var active = document.activeElement;
    var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
    if (!typing && busy()) { window.location.reload(); }
  }, 5000);
})();
