// jeeves's only script: live parts of pages, the streaming console,
// times in the browser's time zone, form rows added and deleted, and the
// copy button. No inline script anywhere: the Content-Security-Policy
// forbids it.
(function () {
  "use strict";

  // Live parts: elements marked data-live-part are refreshed from a fresh
  // copy of the same page, every data-live milliseconds (the server sets
  // a short interval while builds run, a long one when idle).
  function refresh() {
    fetch(location.href, { credentials: "same-origin", headers: { "X-Jeeves-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-part]").forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (fresh && fresh.innerHTML !== el.innerHTML) {
            var node = document.importNode(fresh, true);
            localTimes(node);
            if (node.innerHTML === el.innerHTML) { return; }
            el.replaceWith(node);
          }
        });
        schedule(doc.body.getAttribute("data-live"));
      })
      .catch(function () { schedule("10000"); });
  }
  var timer = null;
  function schedule(ms) {
    clearTimeout(timer);
    var n = parseInt(ms, 10);
    if (n > 0) { timer = setTimeout(refresh, n); }
  }

  // The console follows the log with progressiveText until the build
  // ends (no X-More-Data), appending text nodes (never HTML).
  function follow(pre) {
    var url = pre.getAttribute("data-progressive");
    var start = parseInt(pre.getAttribute("data-start"), 10) || 0;
    function poll() {
      fetch(url + "?start=" + start, { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { return Promise.reject(r.status); }
          var more = r.headers.get("X-More-Data") === "true";
          var size = parseInt(r.headers.get("X-Text-Size"), 10);
          return r.text().then(function (t) {
            var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
            if (t) { pre.appendChild(document.createTextNode(t)); }
            if (!isNaN(size)) { start = size; }
            if (atBottom && t) { window.scrollTo(0, document.body.scrollHeight); }
            if (more) {
              setTimeout(poll, 300);
            } else {
              pre.removeAttribute("data-more");
              pre.setAttribute("data-finished", "true");
              refresh();
            }
          });
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }

  // Times: the server writes each moment in UTC (<time datetime=…>);
  // here it is shown in the browser's time zone, the exact time with the
  // zone on hover. A "… ago" keeps its words and gets the exact time.
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) { return; }
      var exact = d.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });
      el.setAttribute("title", exact);
      if (!el.hasAttribute("data-ago")) {
        el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
          pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
      }
    });
  }

  // A notice (flash=ID) is shown once: the address bar drops its id, so
  // that a reload, a bookmark or a live refresh does not carry it.
  function dropFlash() {
    var url = new URL(location.href);
    if (!url.searchParams.has("flash")) { return; }
    url.searchParams.delete("flash");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    dropFlash();
    var pre = document.getElementById("console");
    if (pre && pre.hasAttribute("data-more")) { follow(pre); }
    schedule(document.body.getAttribute("data-live"));

    // "Add Parameter" / "Add build step": a new row from the form's
    // <template>, of the type asked for; "Delete" removes its row (the
    // server removes what a missing row stood for).
    document.querySelectorAll("[data-add]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var tpl = document.getElementById(btn.getAttribute("data-add"));
        var box = document.getElementById(btn.getAttribute("data-into"));
        if (!tpl || !box) { return; }
        var row = tpl.content.firstElementChild.cloneNode(true);
        var kind = btn.getAttribute("data-kind");
        var select = row.querySelector("select.param-kind");
        if (kind && select) { select.value = kind; }
        box.appendChild(row);
        var menu = btn.closest("details");
        if (menu) { menu.open = false; }
        var first = row.querySelector("input:not([type=hidden]), textarea");
        if (first) { first.focus(); }
      });
    });
    document.addEventListener("click", function (e) {
      var btn = e.target.closest && e.target.closest("[data-remove-row]");
      if (!btn) { return; }
      var row = btn.closest("fieldset");
      var next = row && (row.nextElementSibling || row.previousElementSibling);
      if (row) { row.remove(); }
      var focus = next && next.querySelector && next.querySelector("input:not([type=hidden]), textarea");
      if (focus) { focus.focus(); }
    });

    // A schedule is checked as it is typed, as Jenkins's form does
    // (descriptorByName/hudson.triggers.TimerTrigger/checkSpec): the
    // answer's class and text, never its markup, go under the field.
    document.querySelectorAll("textarea[data-check]").forEach(function (field) {
      var out = document.getElementById(field.getAttribute("aria-describedby"));
      if (!out) { return; }
      var pending = null;
      function check() {
        var url = field.getAttribute("data-check") + "?value=" + encodeURIComponent(field.value);
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            var div = new DOMParser().parseFromString(html, "text/html").querySelector("div");
            out.textContent = "";
            field.removeAttribute("aria-invalid");
            if (!div) { return; }
            var kind = ["ok", "warning", "error"].indexOf(div.className) >= 0 ? div.className : "ok";
            var p = document.createElement("p");
            p.className = "check-" + kind;
            p.textContent = div.textContent;
            if (kind === "error") { field.setAttribute("aria-invalid", "true"); }
            out.appendChild(p);
          })
          .catch(function () { /* the server checks again on Save */ });
      }
      field.addEventListener("input", function () {
        clearTimeout(pending);
        pending = setTimeout(check, 400);
      });
    });

    // Copy buttons.
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var el = document.getElementById(btn.getAttribute("data-copy"));
        if (!el) { return; }
        var text = el.textContent;
        var done = function () { btn.textContent = "Copied"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else {
          var range = document.createRange();
          range.selectNodeContents(el);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
        }
      });
    });
  });
})();

// ---- Items, views, nodes and the search box (ui17a) ----------------------
// Live name checks, completion of "Copy from" and the search box's
// suggestions: each fetches one of the server's JSON or FormValidation
// answers and puts its text (never its markup) on the page.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // A field with data-check is checked as it is typed, as Jenkins's
  // checkUrl does: the answer's class and text go under the field, in
  // the element its aria-describedby names.
  function liveCheck(field) {
    var out = document.getElementById(field.getAttribute("aria-describedby"));
    if (!out) { return; }
    var param = field.getAttribute("data-check-param") || "value";
    var check = function () {
      var url = field.getAttribute("data-check") + "?" + param + "=" + encodeURIComponent(field.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var div = new DOMParser().parseFromString(html, "text/html").querySelector("div");
          out.textContent = "";
          field.removeAttribute("aria-invalid");
          if (!div) { return; }
          var kind = ["ok", "warning", "error"].indexOf(div.className) >= 0 ? div.className : "ok";
          var p = document.createElement("p");
          p.className = "check-" + kind;
          p.textContent = div.textContent;
          if (kind === "error") { field.setAttribute("aria-invalid", "true"); }
          out.appendChild(p);
        })
        .catch(function () { /* the server checks again on submit */ });
    };
    field.addEventListener("input", debounce(check, 300));
  }

  // A field with a datalist is completed as it is typed from a JSON
  // answer {"suggestions":[{"name":…}]}: Jenkins's autoComplete… and
  // search/suggest.
  function complete(field, url, param) {
    var list = document.getElementById(field.getAttribute("list"));
    if (!list) { return; }
    var fill = function () {
      if (field.value === "" && param === "query") { list.textContent = ""; return; }
      fetch(url + "?" + param + "=" + encodeURIComponent(field.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          list.textContent = "";
          (data.suggestions || []).slice(0, 20).forEach(function (s) {
            var o = document.createElement("option");
            o.value = s.name;
            if (s.group) { o.label = s.group; }
            list.appendChild(o);
          });
        })
        .catch(function () { /* no suggestions: typing still works */ });
    };
    field.addEventListener("input", debounce(fill, 200));
    field.addEventListener("focus", fill);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-check]").forEach(liveCheck);
    document.querySelectorAll("input[data-complete]").forEach(function (f) {
      complete(f, f.getAttribute("data-complete"), "value");
    });
    document.querySelectorAll("input[data-suggest]").forEach(function (f) {
      complete(f, f.getAttribute("data-suggest"), "query");
    });
  });
})();
