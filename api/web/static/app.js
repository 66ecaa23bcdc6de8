// Waspada review page: keyboard triage over server-rendered HTML. No inline script, no
// third-party code; every request carries the session's CSRF token in a header.
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var toastTimer = null;

  function toast(message, isError) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.className = isError ? "error" : "";
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, 3500);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#rows .row"));
  }

  function selectedIndex() {
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("selected")) return i;
    }
    return -1;
  }

  function backUrl() {
    var params = new URLSearchParams(window.location.search);
    params.delete("item");
    var q = params.toString();
    return "/ui/" + (q ? "?" + q : "");
  }

  function loadPanel(id, single) {
    var pane = document.getElementById("pane");
    if (!pane) return Promise.resolve();
    // Until the new panel arrives no key may act on the previous item's panel.
    pane.setAttribute("aria-busy", "true");
    var url = "/ui/items/" + encodeURIComponent(id) + "/panel?back=" + encodeURIComponent(backUrl()) +
      (single ? "&single=1" : "");
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (res.status === 401) { window.location.href = "/ui/login"; return null; }
        return res.text().then(function (body) { return { ok: res.ok, body: body }; });
      })
      .then(function (r) {
        pane.removeAttribute("aria-busy");
        if (!r) return;
        // The fragment is rendered and escaped by the server (Jinja2 autoescape).
        pane.innerHTML = r.ok ? r.body : "";
        if (!r.ok) toast(document.body.dataset.lang === "en" ? "Item not available" : "Item tidak tersedia", true);
      });
  }

  function select(index) {
    var list = rows();
    if (!list.length) return;
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (r) { r.classList.remove("selected"); });
    var row = list[index];
    row.classList.add("selected");
    row.scrollIntoView({ block: "nearest" });
    var params = new URLSearchParams(window.location.search);
    params.set("item", row.dataset.id);
    history.replaceState(null, "", "/ui/?" + params.toString());
    loadPanel(row.dataset.id);
  }

  function currentItem() {
    var pane = document.getElementById("pane");
    if (pane && pane.getAttribute("aria-busy") === "true") return null;
    return document.getElementById("item");
  }

  // Decisions seen on this page (id -> status): a narrative row is finished when its own
  // copy and every listed copy are decided, whether at once (cluster) or one by one.
  var decided = {};

  function copiesOf(row) {
    return (row.dataset.copies || row.dataset.id).split(" ").concat([row.dataset.id]);
  }

  function setStatus(id, status, label) {
    var item = currentItem();
    if (item && item.dataset.id === String(id)) {
      item.dataset.status = status;
      var b = document.getElementById("item-status");
      if (b) { b.textContent = label; b.className = "badge status status-" + status; }
    }
  }

  function applyDecision(id, status, label, others) {
    var ids = [String(id)].concat((others || []).map(String));
    ids.forEach(function (x) { decided[x] = status; });
    setStatus(id, status, label);
    var finished = [];
    rows().forEach(function (r) {
      var copies = copiesOf(r);
      if (!ids.some(function (x) { return copies.indexOf(x) >= 0; })) return;
      r.querySelectorAll("li.copy").forEach(function (li) {
        if (ids.indexOf(li.dataset.copy) < 0) return;
        li.classList.add("done");
        var b = li.querySelector('[data-role="copy-status"]');
        if (b) { b.textContent = label; b.className = "badge status status-" + status; }
      });
      var open = copies.filter(function (x) { return !decided[x]; });
      var count = r.querySelector('[data-role="copies"]');
      if (count) count.textContent = count.textContent.replace(/^\d+/, String(new Set(open).size));
      if (open.length === 0) {
        r.dataset.status = status;
        var badge = r.querySelector('[data-role="status"]');
        if (badge) { badge.textContent = label; badge.className = "badge status status-" + status; }
        finished.push(r);
      }
    });
    finished.forEach(function (r) { removeDecided(r, status); });
  }

  function markClaimed(id, who) {
    rows().forEach(function (r) {
      if (r.dataset.id === String(id)) r.classList.add("claimed");
    });
    var item = currentItem();
    if (!item || item.dataset.id !== String(id)) return;
    var claim = document.getElementById("item-claim");
    if (!claim) {
      claim = document.createElement("span");
      claim.id = "item-claim";
      claim.className = "meta";
      item.querySelector(".item-head").appendChild(claim);
    }
    // textContent, never innerHTML: the reviewer's name is data.
    claim.textContent = "\u{1F512} " + (who || "");
  }

  function removeDecided(row, status) {
    var filter = new URLSearchParams(window.location.search).get("status") || "";
    var list = rows();
    var idx = list.indexOf(row);
    if (idx < 0) return;
    if (filter && filter !== status) {
      // The narrative no longer matches the filter: it leaves the queue, no reload.
      row.remove();
      var count = document.getElementById("row-count");
      if (count) count.textContent = String(rows().length);
      if (rows().length) select(Math.min(idx, rows().length - 1));
      else {
        var pane = document.getElementById("pane");
        if (pane) pane.textContent = "";
      }
    } else {
      row.classList.add("done");
      select(idx + 1 < list.length ? idx + 1 : idx);
    }
  }

  function post(form) {
    var data = new FormData(form);
    return fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": CSRF },
      body: new URLSearchParams(data)
    }).then(function (res) {
      if (res.status === 401) { window.location.href = "/ui/login"; return null; }
      return res.json().then(function (body) { return { ok: res.ok, body: body }; },
        function () { return { ok: false, body: {} }; });
    });
  }

  function submitForm(form) {
    var id = currentItem() ? currentItem().dataset.id : null;
    post(form).then(function (r) {
      if (!r) return;
      if (!r.ok) {
        toast((r.body.title || "Error") + (r.body.detail ? ": " + r.body.detail : ""), true);
        return;
      }
      toast(r.body.message || "OK", false);
      if (form.dataset.kind === "claim") { markClaimed(id, r.body.claimed_by); return; }
      if (r.body.status) {
        applyDecision(id, r.body.status, r.body.status_label || r.body.status, r.body.cluster_item_ids);
      }
    });
  }

  function activate(kind, focusId) {
    document.querySelectorAll("form.decision").forEach(function (f) {
      f.classList.toggle("active", f.dataset.kind === kind);
    });
    var el = document.getElementById(focusId);
    if (el) el.focus();
  }

  function toggleHelp(show) {
    var help = document.getElementById("help");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  // u: the same queue with or without the uncertain items interleaved (a fresh first page).
  function toggleMix() {
    if (document.body.dataset.page !== "queue") return;
    var params = new URLSearchParams(window.location.search);
    if (params.get("mix") === "uncertain") params.delete("mix"); else params.set("mix", "uncertain");
    params.delete("cursor");
    params.delete("item");
    var query = params.toString();
    window.location.assign("/ui/" + (query ? "?" + query : ""));
  }

  function formFor(kind) {
    var item = currentItem();
    return item ? item.querySelector('form[data-kind="' + kind + '"]') : null;
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.closest("#item")) return;
    ev.preventDefault();
    submitForm(form);
  });

  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    var action = target.closest("[data-action]");
    if (action) {
      var name = action.getAttribute("data-action");
      if (name === "help") toggleHelp();
      if (name === "help-close") toggleHelp(false);
      return;
    }
    var copy = target.closest("#rows .copy-link");
    if (copy && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) {
      // One copy of a narrative, to decide on its own: the panel opens without the
      // "whole cluster" box ticked.
      ev.preventDefault();
      var row = copy.closest(".row");
      rows().forEach(function (r) { r.classList.toggle("selected", r === row); });
      loadPanel(copy.dataset.id, true);
      return;
    }
    var link = target.closest("#rows .row-link");
    if (link && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) {
      ev.preventDefault();
      select(rows().indexOf(link.parentElement));
    }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = ev.target instanceof Element ? ev.target.tagName : "";
    var typing = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (ev.key === "Escape") {
      toggleHelp(false);
      document.querySelectorAll("form.decision.active").forEach(function (f) { f.classList.remove("active"); });
      if (typing && ev.target instanceof HTMLElement) ev.target.blur();
      return;
    }
    if (typing) return;
    var item = currentItem();
    var handled = true;
    switch (ev.key) {
      case "j": case "ArrowDown": select(selectedIndex() + 1); break;
      case "k": case "ArrowUp": select(Math.max(0, selectedIndex() - 1)); break;
      case "u": toggleMix(); break;
      case "?": toggleHelp(); break;
      case "/": var q = document.getElementById("f-q"); if (q) q.focus(); break;
      case "o":
        if (item && item.dataset.url) window.open(item.dataset.url, "_blank", "noopener,noreferrer");
        break;
      case "c": if (formFor("claim")) submitForm(formFor("claim")); break;
      case "y": if (formFor("confirm")) submitForm(formFor("confirm")); break;
      case "n": if (formFor("dismiss")) activate("dismiss", "dismiss-reason"); break;
      case "e": if (formFor("escalate")) activate("escalate", "escalate-target"); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  // A select has no implicit submit: Enter on the focused reason/target sends its form.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") return;
    var el = ev.target;
    if (el instanceof HTMLSelectElement && el.form && el.form.classList.contains("decision")) {
      ev.preventDefault();
      submitForm(el.form);
    }
  });

  if (document.body.dataset.page === "queue" && selectedIndex() < 0 && rows().length) {
    rows()[0].classList.add("selected");
  }
})();
