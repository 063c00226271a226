/*! Touchpoint website widget. Hand-written, no dependencies; see docs/widget.md. */
(function (w, d) {
  "use strict";
  try {
    var me = d.currentScript, stub = w.touchpoint;
    if (!me || (stub && stub.loaded)) return; // a second copy on the page stays idle
    // Filled in by the server: {ui: {locale: {…}}, w: {metric: {locale: [question, low, high, followup, thanks]}}}
    var T = __TOUCHPOINT_TEXTS__;
    var O = new URL(me.src).origin, ds = me.dataset, DAY = 864e5, P = "touchpoint:";
    var SCALE = { nps: [0, 10], ces: [1, 7], csat: [1, 5] };
    var num = function (v, dflt, max) {
      v = parseFloat(v);
      return v >= 0 && v <= max ? v : dflt;
    };
    var C = {
      key: ds.key, survey: ds.survey || "default", metric: ds.metric || "nps",
      touchpoint: ds.touchpoint, locale: ds.locale,
      resurvey: num(ds.resurveyDays, 90, 1e5), dismiss: num(ds.dismissDays, 14, 1e5),
      delay: num(ds.delay, 0, 86400), sample: num(ds.sample, 1, 1)
    };
    var mem = {}, busy, timer, sent = {}, host, cur, gen = 0;

    // Nothing this script does may ever throw into the host page.
    var guard = function (f) {
      return function () {
        try { return f.apply(this, arguments); } catch (e) { /* swallowed on purpose */ }
      };
    };
    // localStorage may be missing or refuse (privacy modes): then memory, for this page.
    var get = function (k) {
      try { return JSON.parse(w.localStorage.getItem(P + k)); } catch (e) { return mem[k]; }
    };
    var put = function (k, v) {
      mem[k] = v;
      try { w.localStorage.setItem(P + k, JSON.stringify(v)); } catch (e) { /* memory only */ }
    };

    // Fatigue: per survey, when it was last answered (a) or dismissed (d), and the
    // visitor's sampling roll (r), a random number that never leaves the browser.
    var seen = function (survey) { return (get("seen") || {})[survey] || {}; };
    var note = function (survey, field, value) {
      var all = get("seen") || {};
      (all[survey] = all[survey] || {})[field] = value;
      put("seen", all);
    };
    var throttled = function (survey) {
      var s = seen(survey), now = Date.now();
      return now - (s.a || 0) < C.resurvey * DAY || now - (s.d || 0) < C.dismiss * DAY;
    };
    var sampled = function (survey) {
      var r = seen(survey).r;
      if (typeof r != "number") note(survey, "r", (r = Math.random()));
      return r < C.sample;
    };

    var uuid = function () {
      var b = w.crypto.getRandomValues(new Uint8Array(16)), h = "";
      b[6] = (b[6] & 15) | 64;
      b[8] = (b[8] & 63) | 128;
      for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
      return h.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    };
    var call = function (method, path, body, key, idem) {
      var h = { "Content-Type": "application/json" };
      if (key) h.Authorization = "Bearer " + key;
      if (idem) h["Idempotency-Key"] = idem;
      return fetch(O + path, {
        method: method, headers: h, body: JSON.stringify(body),
        credentials: "omit", referrerPolicy: "no-referrer"
      });
    };

    // The outbox: answers (POST) and comments (PATCH) not yet delivered, in localStorage,
    // each under its own idempotency key (k), retried until the server has them.
    var outbox = function () {
      var q = get("outbox");
      return Array.isArray(q) ? q : [];
    };
    var change = function (k, f) {
      var q = outbox();
      for (var i = 0; i < q.length; i++) {
        if (q[i].k == k) {
          if (f(q[i])) q.splice(i, 1);
          break;
        }
      }
      put("outbox", q);
    };
    var enqueue = function (item) {
      put("outbox", outbox().concat([item]).slice(-50));
    };
    var wake = function () { // on load and when back online: retry at once (Retry-After aside)
      var q = outbox();
      for (var i = 0; i < q.length; i++) if (!q[i].ra) q[i].w = 0;
      put("outbox", q);
      flush();
    };
    var flush = guard(function () {
      if (busy) return;
      var q = outbox(), now = Date.now(), it, next = Infinity;
      for (var i = 0; i < q.length && !it; i++) {
        if (q[i].o != O) continue; // another Touchpoint's: never sent anywhere else
        if ((q[i].w || 0) <= now) it = q[i];
        else next = Math.min(next, q[i].w);
      }
      clearTimeout(timer);
      if (!it) {
        if (next < Infinity) timer = setTimeout(flush, Math.min(next - now, 3e5));
        return;
      }
      busy = 1;
      var post = !it.i;
      (post
        ? call("POST", "/v1/responses", it.b, it.p, it.k)
        : call("PATCH", "/v1/responses/" + it.i, { followup_token: it.t, comment: it.c })
      ).then(function (r) {
        var s = r.status;
        if (r.ok) return post ? r.json() : 1;
        if (s == 422 && post && it.b.responded_at) {
          // A device clock far ahead: the server's time will do.
          change(it.k, function (x) { delete x.b.responded_at; });
          throw 0;
        }
        if (s == 408 || s == 429 || s >= 500) throw +r.headers.get("Retry-After") || 0;
        return 1; // refused for good (a revoked key, an expired token): drop it
      }).then(function (j) {
        change(it.k, function (x) {
          if (!post || !j || !j.id) return 1;
          sent[it.k] = x;
          x.i = j.id;
          x.t = j.followup_token;
          x.w = 0;
          delete x.b;
          delete x.p;
          return x.c == null; // a comment waits for this answer's id: keep it queued
        });
      }, function (retryAfter) {
        change(it.k, function (x) {
          x.n = (x.n || 0) + 1;
          x.ra = retryAfter > 0;
          x.w = Date.now() + (x.ra ? retryAfter * 1e3
            : Math.min(3e5, 1e3 * Math.pow(2, x.n)) * (1 + Math.random() / 5));
        });
      }).then(done, done);
    });
    var done = guard(function () {
      busy = 0;
      flush();
    });

    // Texts: the survey's own wording, or the built-in one when it cannot be fetched.
    var pick = function (locale) {
      var all = [locale].concat(navigator.languages || [navigator.language]);
      for (var i = 0; i < all.length; i++) {
        var p = String(all[i] || "").split("-")[0].toLowerCase();
        if (T.ui[p]) return p;
      }
      return "en";
    };
    var wording = function (o) {
      var ask = new AbortController();
      var stop = setTimeout(guard(function () { ask.abort(); }), 4000);
      var url = O + "/v1/surveys/" + encodeURIComponent(o.survey) + "/wording?metric=" +
        o.metric + (o.locale ? "&locale=" + encodeURIComponent(o.locale) : "");
      return fetch(url, { credentials: "omit", referrerPolicy: "no-referrer", signal: ask.signal })
        .then(function (r) {
          if (!r.ok) throw 0;
          return r.json();
        })
        .then(function (j) {
          if (!j.question || !T.ui[j.locale]) throw 0;
          return j;
        })
        .catch(function () {
          var l = pick(o.locale), t = T.w[o.metric][l];
          return { locale: l, question: t[0], low_label: t[1], high_label: t[2], followup: t[3], thanks: t[4] };
        })
        .then(function (j) {
          clearTimeout(stop);
          return j;
        });
    };

    var CSS =
      ":host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483647!important}" +
      "*{box-sizing:border-box}" +
      ".w{position:fixed;right:16px;bottom:16px;width:min(400px,calc(100vw - 32px));padding:16px;" +
      "background:#fff;color:#1f2937;border:1px solid #6b7280;border-radius:8px;" +
      "box-shadow:0 4px 24px rgba(0,0,0,.2);font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;" +
      "text-align:left;animation:tp .2s ease-out}" +
      "@keyframes tp{from{opacity:0;transform:translateY(8px)}}" +
      "@media (prefers-reduced-motion:reduce){.w{animation:none}}" +
      "p,label{display:block;margin:0 36px 12px 0;font-weight:600}" +
      "button,textarea,input{font:inherit;color:inherit}" +
      "button{cursor:pointer;border-radius:4px;border:1px solid #6b7280;background:#fff;min-height:40px;padding:0 16px}" +
      "button:hover{background:#eff6ff}" +
      "button:focus-visible,textarea:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}" +
      ".x{position:absolute;top:8px;right:8px;width:32px;min-height:32px;padding:0;border:0;font-size:24px;line-height:1}" +
      ".s{display:flex;gap:4px}.s button{flex:1;min-width:24px;padding:0}" +
      ".l{display:flex;justify-content:space-between;gap:8px;margin-top:6px;font-size:13px;color:#4b5563}" +
      ".h{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}" +
      "textarea{display:block;width:100%;min-height:80px;padding:8px;border:1px solid #6b7280;border-radius:4px;resize:vertical}" +
      ".a{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}" +
      ".p{background:#1d4ed8;border-color:#1d4ed8;color:#fff}.p:hover{background:#1e40af}" +
      "@media (max-width:360px){.w{right:4px;bottom:4px;width:calc(100vw - 8px);padding:12px 10px}.s{gap:2px}}";

    var el = function (tag, props, kids) {
      var e = d.createElement(tag);
      for (var k in props) {
        if (k == "text") e.textContent = props[k];
        else if (k.slice(0, 2) == "on") e.addEventListener(k.slice(2), guard(props[k]));
        else e.setAttribute(k, props[k]);
      }
      for (var i = 0; kids && i < kids.length; i++) e.appendChild(kids[i]);
      return e;
    };
    var inside = function () { return host && host.shadowRoot.activeElement; };

    var close = function (dismissed) {
      gen++; // also stops a show still waiting for its texts
      if (!host) return;
      if (dismissed && cur.step == 1) note(cur.o.survey, "d", Date.now());
      var focused = inside();
      host.remove();
      host = null;
      if (focused && cur.prev && cur.prev.focus) cur.prev.focus();
    };
    var step = function (n, kids, focus) {
      var hadFocus = inside() || focus;
      cur.step = n;
      cur.box.textContent = "";
      cur.box.appendChild(el("button", { "class": "x", type: "button", "aria-label": cur.U.close, onclick: function () { close(1); }, text: "×" }));
      for (var i = 0; i < kids.length; i++) cur.box.appendChild(kids[i]);
      var first = cur.box.querySelector(".s button,textarea,[role=status]");
      if (hadFocus && first) first.focus();
    };

    var question = function (focus) {
      var W = cur.W, range = SCALE[cur.o.metric], scores = [];
      for (var s = range[0]; s <= range[1]; s++) {
        var end = s == range[0] ? W.low_label : s == range[1] ? W.high_label : "";
        scores.push(el("button", { type: "button", "aria-label": end ? s + ", " + end : s, "data-score": s, text: s, onclick: answer }));
      }
      cur.trap = el("input", { "class": "h", name: "website", tabindex: "-1", "aria-hidden": "true", autocomplete: "off" });
      step(1, [
        el("p", { id: "tp-q", text: W.question }),
        el("div", { "class": "s", role: "group", "aria-labelledby": "tp-q", onkeydown: arrows }, scores),
        el("div", { "class": "l", "aria-hidden": "true" }, [el("span", { text: W.low_label }), el("span", { text: W.high_label })]),
        cur.trap
      ], focus);
    };
    var arrows = function (e) {
      var all = [].slice.call(e.currentTarget.children), i = all.indexOf(e.target);
      var to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 }[e.key];
      if (to == null || !all[to]) return;
      e.preventDefault();
      all[to].focus();
    };
    var answer = function (e) {
      var o = cur.o, body = {
        metric: o.metric, score: +e.currentTarget.getAttribute("data-score"), survey: o.survey,
        locale: cur.W.locale, responded_at: new Date().toISOString(), honeypot: cur.trap.value
      };
      if (o.touchpoint) body.touchpoint = o.touchpoint;
      if (o.properties) {
        body.properties = {};
        for (var k in o.properties) body.properties[k] = String(o.properties[k]);
      }
      cur.k = uuid();
      enqueue({ k: cur.k, o: O, p: o.key, b: body });
      note(o.survey, "a", Date.now());
      followup();
      flush();
    };
    var followup = function () {
      var box = el("textarea", { id: "tp-c", maxlength: "5000" });
      step(2, [
        el("label", { "for": "tp-c", text: cur.W.followup }),
        box,
        el("div", { "class": "a" }, [
          el("button", { type: "button", text: cur.U.skip, onclick: thanks }),
          el("button", { type: "button", "class": "p", text: cur.U.send, onclick: function () { comment(box.value.trim()); } })
        ])
      ]);
    };
    var comment = function (text) {
      var k = cur.k, known = sent[k], queued;
      if (text) {
        change(k, function (x) {
          queued = x.c = text;
        });
        if (!queued && known) enqueue({ k: k, o: O, i: known.i, t: known.t, c: text });
        flush();
      }
      thanks();
    };
    var thanks = function () {
      var mine = gen;
      step(3, [el("p", { role: "status", tabindex: "-1", text: cur.W.thanks })]);
      setTimeout(guard(function () { if (mine == gen) close(); }), 4000);
    };

    var show = function (opts, explicit) {
      opts = opts || {};
      var o = {
        key: opts.key || C.key, survey: opts.survey || C.survey, metric: opts.metric || C.metric,
        touchpoint: opts.touchpoint || C.touchpoint, locale: opts.locale || C.locale,
        properties: opts.properties
      };
      if (host || !o.key || !SCALE[o.metric] || (!opts.force && throttled(o.survey))) return;
      var mine = ++gen, prev = d.activeElement;
      wording(o).then(guard(function (W) {
        if (mine != gen || host || !d.body) return; // hidden (or shown) meanwhile
        host = el("touchpoint-widget");
        var root = host.attachShadow({ mode: "open" }), U = T.ui[W.locale];
        if (root.adoptedStyleSheets && w.CSSStyleSheet) {
          var sheet = new CSSStyleSheet();
          sheet.replaceSync(CSS);
          root.adoptedStyleSheets = [sheet];
        } else root.appendChild(el("style", { text: CSS }));
        cur = { o: o, W: W, U: U, prev: prev };
        cur.box = el("div", { "class": "w", role: "region", "aria-label": U.region, lang: W.locale, onkeydown: function (e) { if (e.key == "Escape") close(1); } });
        root.appendChild(cur.box);
        d.body.appendChild(host);
        question(explicit && opts.focus !== false); // only a page's own call moves the focus
      }));
    };

    var api = function (command, options) {
      try {
        if (command == "show") show(options, 1);
        else if (command == "hide") close();
      } catch (e) { /* never into the host page */ }
    };
    api.loaded = 1;
    w.touchpoint = api;
    var queued = (stub && stub.q) || [];
    var start = guard(function () {
      for (var i = 0; i < queued.length; i++) api.apply(null, queued[i]);
      if (C.key && sampled(C.survey) && !throttled(C.survey))
        setTimeout(guard(function () { show({}, 0); }), C.delay * 1e3);
      wake();
    });
    w.addEventListener("online", guard(wake));
    if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", start);
    else setTimeout(start, 0);
  } catch (e) { /* never into the host page */ }
})(window, document);
