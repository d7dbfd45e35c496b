/* Replywatch desk: live countdowns, keyboard shortcuts, the reply length counter, copy button.
 * Everything works without this file; it only saves clicks. No data from a customer is ever
 * inserted as HTML here (textContent only). */
(function () {
  "use strict";
  var body = document.body;

  /* -- countdowns: server time, not the browser's clock ---------------------------------- */
  var serverNow = Date.parse(body.getAttribute("data-now") || "");
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  var warningMs = Number(body.getAttribute("data-warning-seconds") || 900) * 1000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function timeLeft(ms) {          // mirrors monitor/web/filters.py time_left
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = h ? h + "h " + pad(m) + "m" : m + "m " + pad(sec) + "s";
    return text + (ms >= 0 ? " left" : " overdue");
  }

  function tick() {
    var now = Date.now() + skew;
    var clocks = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Date.parse(el.getAttribute("data-deadline")) - now;
      if (isNaN(left)) continue;
      var state = left < 0 ? "breached" : left <= warningMs ? "soon" : "ok";
      if (!el.classList.contains(state)) {
        el.classList.remove("ok", "soon", "breached");
        el.classList.add(state);
      }
      el.textContent = timeLeft(left);
    }
  }
  if (document.querySelector("[data-deadline]")) {
    tick();
    window.setInterval(tick, 1000);
  }

  /* -- reply length, counted the platform's way (responders/limits.py) -------------------- */
  var X_WEIGHT_ONE = [[0x0000, 0x10FF], [0x2000, 0x200D], [0x2010, 0x201F], [0x2032, 0x2037]];

  function measure(text, mode) {
    if (mode === "bytes") return new TextEncoder().encode(text).length;
    var points = Array.from(mode === "x" ? text.normalize("NFC") : text);
    if (mode !== "x") return points.length;
    var n = 0;
    points.forEach(function (ch) {
      var cp = ch.codePointAt(0);
      n += X_WEIGHT_ONE.some(function (r) { return cp >= r[0] && cp <= r[1]; }) ? 1 : 2;
    });
    return n;
  }

  var editor = document.getElementById("reply-text");
  var counter = document.getElementById("reply-count");
  if (editor && counter) {
    var limit = Number(editor.getAttribute("data-limit")) || 0;
    var mode = editor.getAttribute("data-count-mode") || "chars";
    var update = function () {
      var n = measure(editor.value.replace(/\r\n/g, "\n"), mode);
      counter.textContent = limit ? n + " / " + limit : n + " characters (no limit)";
      var over = limit > 0 && n > limit;
      counter.classList.toggle("over", over);
      editor.setAttribute("aria-invalid", over ? "true" : "false");
    };
    editor.addEventListener("input", update);
    update();
  }

  /* -- copy the reply (post by hand) ------------------------------------------------------ */
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      source.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  /* -- help overlay ----------------------------------------------------------------------- */
  var help = document.getElementById("help");
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.querySelector("button").focus();
  }
  document.querySelectorAll("[data-help-toggle]").forEach(function (b) {
    b.addEventListener("click", function () { toggleHelp(); });
  });

  /* -- queue selection -------------------------------------------------------------------- */
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var current = rows.findIndex(function (r) { return r.classList.contains("selected"); });
  if (current < 0 && rows.length) current = 0;

  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) {
      r.classList.toggle("selected", n === current);
      r.setAttribute("aria-selected", n === current ? "true" : "false");
    });
    rows[current].scrollIntoView({ block: "nearest" });
  }
  if (rows.length) {
    select(current);
    rows.forEach(function (r, n) {
      r.addEventListener("click", function (ev) {
        if (ev.target.closest("a")) return;
        select(n);
        window.location.assign(r.getAttribute("data-href"));
      });
    });
  }

  /* -- keys ------------------------------------------------------------------------------- */
  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  function focusField(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.focus();
    if (el.setSelectionRange && el.tagName === "TEXTAREA") el.setSelectionRange(el.value.length, el.value.length);
    return true;
  }

  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (typing) {
      if (ev.key === "Escape") target.blur();
      else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.id === "reply-text") {
        ev.preventDefault();
        submit(document.getElementById("approve-form"));
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (help && !help.hidden) {
      if (ev.key === "Escape" || ev.key === "?") { ev.preventDefault(); toggleHelp(false); }
      return;
    }
    var handled = true;
    switch (ev.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter":
      case "o":
        if (target.closest && target.closest("a, button")) { handled = false; break; }
        if (rows.length) window.location.assign(rows[current].getAttribute("data-href"));
        else handled = false;
        break;
      case "a": submit(document.getElementById("approve-form")); break;
      case "e": handled = focusField("reply-text"); break;
      case "r": handled = focusField("reject-reason"); break;
      case "u": {
        var back = document.querySelector("a.back");
        if (back) window.location.assign(back.getAttribute("href")); else handled = false;
        break;
      }
      case "?": toggleHelp(true); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });
})();
