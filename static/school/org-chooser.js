/* The organization chooser (school/widgets.py): browse the tree lazily, search by name or code, tick to
 * choose. Only the chosen list carries named inputs, so the form posts exactly what is shown there.
 * Event delegation on the document, so choosers added later (inline panels) work without set-up. */
(function () {
  "use strict";

  function chooserOf(el) { return el.closest("[data-org-chooser]"); }

  function text(root, key) { return root.dataset["text" + key] || ""; }

  function chosenIds(root) {
    return new Set(Array.from(root.querySelectorAll("[data-org-chosen] input[type=checkbox]"))
      .filter(function (i) { return i.checked; }).map(function (i) { return i.value; }));
  }

  function entryLabel(org, withTrail) {
    var label = document.createElement("label");
    var name = document.createElement("span");
    name.className = "org-chooser__name";
    name.textContent = org.name;
    var code = document.createElement("span");
    code.className = "org-chooser__code";
    code.textContent = "（" + org.code + "）";
    name.appendChild(code);
    label.appendChild(name);
    if (withTrail && org.trail) {
      var trail = document.createElement("span");
      trail.className = "org-chooser__trail";
      trail.textContent = org.trail;
      label.appendChild(trail);
    }
    return label;
  }

  function refreshNone(root) {
    var none = root.querySelector("[data-org-none]");
    if (none) none.hidden = chosenIds(root).size > 0;
  }

  function choose(root, org) {
    var list = root.querySelector("[data-org-chosen]");
    if (!root.hasAttribute("data-multiple")) {
      list.innerHTML = "";
      root.querySelectorAll("[data-org-results] input[type=checkbox]").forEach(function (box) {
        if (box.value !== String(org.id)) box.checked = false;
      });
    }
    var existing = list.querySelector('input[value="' + org.id + '"]');
    if (existing) { existing.checked = true; refreshNone(root); return; }
    var li = document.createElement("li");
    li.className = "org-chooser__item";
    var label = entryLabel(org, true);
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = root.dataset.name;
    box.value = org.id;
    box.checked = true;
    label.insertBefore(box, label.firstChild);
    li.appendChild(label);
    list.appendChild(li);
    refreshNone(root);
  }

  function unchoose(root, id) {
    var box = root.querySelector('[data-org-chosen] input[value="' + id + '"]');
    if (box) box.closest("li").remove();
    refreshNone(root);
  }

  function resultItem(root, org, indent, chosen) {
    var li = document.createElement("li");
    li.className = "org-chooser__item";
    li.style.paddingLeft = (indent * 1.5) + "rem";
    li.dataset.orgId = org.id;
    li.dataset.indent = indent;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "org-chooser__toggle";
    toggle.dataset.orgToggle = org.id;
    toggle.textContent = "▸";
    toggle.title = text(root, "Expand");
    toggle.setAttribute("aria-label", text(root, "Expand") + "：" + org.name);
    toggle.setAttribute("aria-expanded", "false");
    toggle.disabled = !org.has_children;
    li.appendChild(toggle);
    var label = entryLabel(org, indent === 0 || root.dataset.mode === "search");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.value = org.id;
    box.checked = chosen.has(String(org.id));
    box.dataset.org = JSON.stringify(org);
    label.insertBefore(box, label.firstChild);
    li.appendChild(label);
    return li;
  }

  function load(root, params, after, indent) {
    var status = root.querySelector("[data-org-status]");
    var results = root.querySelector("[data-org-results]");
    var url = root.dataset.url + "?" + new URLSearchParams(params).toString();
    var generation = root.dataset.generation;  // a newer search or browse makes this answer stale
    status.textContent = text(root, "Loading");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (root.dataset.generation !== generation) return false;
        var chosen = chosenIds(root);
        var anchor = after;
        var fragment = document.createDocumentFragment();
        data.results.forEach(function (org) { fragment.appendChild(resultItem(root, org, indent, chosen)); });
        if (data.more) {
          var li = document.createElement("li");
          li.className = "org-chooser__more";
          var more = document.createElement("button");
          more.type = "button";
          more.className = "button button-small button-secondary";
          more.textContent = text(root, "More");
          more.dataset.orgMore = JSON.stringify(Object.assign({}, params, { offset: data.next_offset }));
          more.dataset.indent = indent;
          li.appendChild(more);
          fragment.appendChild(li);
        }
        if (anchor) anchor.after(fragment); else results.appendChild(fragment);
        status.textContent = data.message || (data.results.length || after ? "" : text(root, "Empty"));
        return true;
      })
      .catch(function () { if (root.dataset.generation === generation) status.textContent = text(root, "Error"); });
  }

  function restart(root, mode) {
    root.dataset.generation = String(Number(root.dataset.generation || 0) + 1);
    root.dataset.mode = mode;
    root.querySelector("[data-org-results]").innerHTML = "";
  }

  function browse(root) {
    restart(root, "browse");
    return load(root, {}, null, 0).then(function (current) {
      var status = root.querySelector("[data-org-status]");
      if (current && !status.textContent) status.textContent = text(root, "Browse");
    });
  }

  var timers = new WeakMap();

  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-org-search]");
    if (!input) return;
    var root = chooserOf(input);
    clearTimeout(timers.get(root));
    timers.set(root, setTimeout(function () {
      var q = input.value.trim();
      if (!q) { browse(root); return; }
      restart(root, "search");
      load(root, { q: q }, null, 0);
    }, 250));
  });

  document.addEventListener("keydown", function (event) {
    // Enter in the search box searches; it must not submit the whole form.
    if (event.key === "Enter" && event.target.closest("[data-org-search]")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-org-toggle]");
    var more = event.target.closest("[data-org-more]");
    if (!toggle && !more) return;
    var root = chooserOf(event.target);
    if (!root) return;
    if (more) {
      var li = more.closest("li");
      var previous = li.previousElementSibling;
      li.remove();
      load(root, JSON.parse(more.dataset.orgMore), previous, Number(more.dataset.indent));
      return;
    }
    var item = toggle.closest("li");
    var indent = Number(item.dataset.indent);
    if (toggle.getAttribute("aria-expanded") === "true") {
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "▸";
      var next = item.nextElementSibling;
      while (next && (Number(next.dataset.indent) > indent || (next.classList.contains("org-chooser__more") &&
             Number(next.querySelector("[data-org-more]").dataset.indent) > indent))) {
        var gone = next;
        next = next.nextElementSibling;
        gone.remove();
      }
      return;
    }
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "▾";
    load(root, { parent: toggle.dataset.orgToggle }, item, indent + 1);
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-org-results] input[type=checkbox]")) return;
    var root = chooserOf(box);
    if (box.checked) choose(root, JSON.parse(box.dataset.org)); else unchoose(root, box.value);
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-org-chosen] input[type=checkbox]")) return;
    var root = chooserOf(box);
    var result = root.querySelector('[data-org-results] input[value="' + box.value + '"]');
    if (result) result.checked = box.checked;
    refreshNone(root);
  });

  function start() {
    document.querySelectorAll("[data-org-chooser]").forEach(function (root) {
      if (!root.dataset.started) { root.dataset.started = "1"; browse(root); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
