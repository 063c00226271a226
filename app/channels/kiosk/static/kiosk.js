/* Touchpoint store kiosk (docs/kiosk.md).
 *
 * Offline first: an answer is written to IndexedDB before the screen moves on, and a
 * sync loop sends what is waiting with POST /v1/responses/batch. An answer leaves the
 * tablet only when the service has said, in a 2xx, that it was created or was already
 * there (duplicate); one the service will never take (invalid, conflict) is moved
 * aside and shown, so it cannot block the queue. Everything else (no network, timeout,
 * 408, 429, 5xx, a refused key) keeps it queued and retries later, with backoff.
 *
 * Before it takes answers the page asks the service (GET /v1/kiosk/setup) whether its key
 * may record them with this address's survey, touchpoint and location; refused, it shows
 * staff a setup error instead of the question. Unable to ask (offline), it goes by the
 * last answer it had for this key and address, and asks again when it is back online.
 * Answers already taken stay queued whatever the check says.
 */
(function () {
  'use strict';

  var KEY_PATTERN = /^tp_kk_[0-9a-f]{16}[A-Za-z0-9]{40}$/;
  var ARM_MS = 400; // the comment step ignores taps this long: the 2nd tap of a double tap
  var SEND_TIMEOUT_MS = 15000;
  var MAX_BATCH_ITEMS = 200;
  var MAX_BATCH_BYTES = 200000; // the service takes bodies up to 256 KiB
  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_MAX_MS = 300000;
  var RETRY_AFTER_MAX_MS = 3600000;
  var PERIODIC_MS = 60000;
  var SETUP_WAIT_MS = 4000; // then the question is taken unchecked, and the check goes on
  var SCREENS = ['question', 'comment', 'thanks', 'setup'];

  var cfg = JSON.parse(document.getElementById('kiosk-config').textContent);
  var T = cfg.texts;
  var byId = function (id) { return document.getElementById(id); };
  var scale = document.querySelector('.scale');
  var commentSection = byId('comment');
  var commentText = byId('comment-text');
  var sendButton = byId('send');
  var skipButton = byId('skip');

  var key = null;
  var ready = false; // storage open and a key known
  var screen = 'question';
  var current = null; // the answer whose comment step is open
  var lastSubmit = -Infinity; // performance.now() of the last tap that submitted
  var idleTimer = null;
  var resetTimer = null;
  var guardTimer = null;
  var storageWarning = false;
  var keyRefused = false;
  var setupChecked = false; // the service has judged this key and this address
  var setupWrong = null; // what the service refused: {reason, errors}, shown to staff

  /* ---------- storage: IndexedDB, and memory where IndexedDB fails ---------- */

  function idbStore(db) {
    function run(names, mode, work) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(names, mode, { durability: 'strict' });
        var out = {};
        t.oncomplete = function () { resolve(out.value); };
        t.onerror = t.onabort = function () { reject(t.error || new Error('transaction failed')); };
        work(t, out);
      });
    }
    return {
      all: function (name) {
        return run([name], 'readonly', function (t, out) {
          t.objectStore(name).getAll().onsuccess = function (event) { out.value = event.target.result; };
        });
      },
      put: function (name, value) {
        return run([name], 'readwrite', function (t) { t.objectStore(name).put(value); });
      },
      remove: function (name, id) {
        return run([name], 'readwrite', function (t) { t.objectStore(name).delete(id); });
      },
      setAside: function (item) {
        return run(['outbox', 'aside'], 'readwrite', function (t) {
          t.objectStore('outbox').delete(item.id);
          t.objectStore('aside').put(item);
        });
      }
    };
  }

  function memoryStore() {
    var stores = { outbox: new Map(), aside: new Map(), meta: new Map() };
    var copy = function (value) { return JSON.parse(JSON.stringify(value)); };
    return {
      all: function (name) { return Promise.resolve(Array.from(stores[name].values(), copy)); },
      put: function (name, value) { stores[name].set(value.id, copy(value)); return Promise.resolve(); },
      remove: function (name, id) { stores[name].delete(id); return Promise.resolve(); },
      setAside: function (item) {
        stores.outbox.delete(item.id);
        stores.aside.set(item.id, copy(item));
        return Promise.resolve();
      }
    };
  }

  var memory = memoryStore();
  var idb = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error('no IndexedDB')); return; }
    var request = indexedDB.open('touchpoint-kiosk', 1);
    request.onupgradeneeded = function () {
      ['outbox', 'aside', 'meta'].forEach(function (name) {
        if (!request.result.objectStoreNames.contains(name)) {
          request.result.createObjectStore(name, { keyPath: 'id' });
        }
      });
    };
    request.onsuccess = function () { resolve(idbStore(request.result)); };
    request.onerror = function () { reject(request.error); };
  }).catch(function (error) { storageFailed(error); return null; });

  function storageFailed(error) {
    console.warn('Touchpoint kiosk: answers cannot be stored durably', error);
    storageWarning = true;
    updateIndicator();
  }

  // Both stores, merged by id (memory wins: it holds what IndexedDB failed to update).
  function all(name) {
    return idb.then(function (store) {
      return store ? store.all(name).catch(function (error) { storageFailed(error); return []; }) : [];
    }).then(function (stored) {
      return memory.all(name).then(function (kept) {
        var merged = new Map();
        stored.concat(kept).forEach(function (item) { merged.set(item.id, item); });
        return Array.from(merged.values());
      });
    });
  }

  function both(action) {
    return idb.then(function (store) {
      var durable = store ? action(store).catch(storageFailed) : Promise.resolve();
      return Promise.all([durable, action(memory)]);
    });
  }

  // Never rejects: an answer that IndexedDB refuses is kept in memory, and staff are told.
  function save(name, value) {
    return idb.then(function (store) {
      if (!store) return memory.put(name, value);
      return store.put(name, value).then(function () {
        return memory.remove(name, value.id);
      }, function (error) {
        storageFailed(error);
        return memory.put(name, value);
      });
    });
  }

  /* ---------- small helpers ---------- */

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.from(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }

  function pad(number, width) { return String(number).padStart(width || 2, '0'); }

  // The tablet's own time with its offset: the service files the answer under the hour
  // of the tap, however late it is synced.
  function localIso(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset < 0 ? '-' : '+';
    offset = Math.abs(offset);
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) +
      'T' + pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds()) +
      '.' + pad(date.getMilliseconds(), 3) + sign + pad(Math.floor(offset / 60)) + ':' + pad(offset % 60);
  }

  function fill(text, count) { return text.replace('{n}', String(count)); }

  function fillIn(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* ---------- screens ---------- */

  function show(name) {
    SCREENS.forEach(function (other) { byId(other).hidden = other !== name; });
    screen = name;
    document.body.setAttribute('data-screen', name);
    var heading = byId(name + '-title');
    if (heading) heading.focus({ preventScroll: true });
  }

  function guardLeft() { return cfg.guard_ms - (performance.now() - lastSubmit); }

  // Taps on the question are ignored for a while after an answer (one person, one answer),
  // and until the setup check lets the kiosk take answers.
  function showGuard() {
    clearTimeout(guardTimer);
    var left = guardLeft();
    if (left > 0) {
      scale.setAttribute('aria-disabled', 'true');
      guardTimer = setTimeout(showGuard, left);
    } else if (!ready) {
      scale.setAttribute('aria-disabled', 'true');
    } else {
      scale.removeAttribute('aria-disabled');
    }
  }

  function toQuestion() {
    clearTimeout(resetTimer);
    if (setupWrong) { show('setup'); return; }
    show('question');
    showGuard();
  }

  scale.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-score]');
    if (!button || !ready || screen !== 'question' || current || guardLeft() > 0) return;
    record(Number(button.getAttribute('data-score')));
  });

  function record(score) {
    var tapped = new Date();
    lastSubmit = performance.now();
    var id = uuid();
    var body = {
      metric: cfg.metric,
      score: score,
      survey: cfg.survey,
      locale: cfg.locale,
      responded_at: localIso(tapped),
      idempotency_key: id
    };
    if (cfg.touchpoint) body.touchpoint = cfg.touchpoint;
    if (cfg.location) body.location = cfg.location;
    // Waits for its comment step before it is sent: score and comment go as one item.
    current = { id: id, state: 'open', at: tapped.getTime(), body: body };
    save('outbox', current).then(function () {
      updateIndicator();
      openComment();
    });
  }

  function openComment() {
    commentText.value = '';
    commentSection.classList.add('arming');
    sendButton.disabled = skipButton.disabled = true;
    show('comment');
    setTimeout(function () {
      commentSection.classList.remove('arming');
      sendButton.disabled = skipButton.disabled = false;
    }, ARM_MS);
    touchIdle();
  }

  function touchIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { finish(null, false); }, cfg.idle_ms);
  }

  ['input', 'keydown', 'pointerdown', 'focusin'].forEach(function (type) {
    commentSection.addEventListener(type, function () { if (screen === 'comment') touchIdle(); });
  });
  sendButton.addEventListener('click', function () { finish(commentText.value.trim(), true); });
  skipButton.addEventListener('click', function () { finish('', true); });

  // Send, Skip, or no input for a while (then the customer has gone: straight back to the
  // question, and an unsent draft is dropped with them).
  function finish(comment, tapped) {
    if (screen !== 'comment' || !current) return;
    clearTimeout(idleTimer);
    var item = current;
    current = null;
    if (tapped) lastSubmit = performance.now();
    if (comment) item.body.comment = comment.slice(0, 5000);
    item.state = 'ready';
    commentText.value = '';
    save('outbox', item).then(function () {
      if (tapped) {
        show('thanks');
        resetTimer = setTimeout(toQuestion, cfg.reset_ms);
      } else {
        toQuestion();
      }
      updateIndicator();
      syncSoon();
    });
  }

  /* ---------- the indicator ---------- */

  var shown = 0;
  function updateIndicator() {
    var asked = ++shown;
    return Promise.all([all('outbox'), all('aside')]).then(function (found) {
      if (asked !== shown) return; // a newer count is on its way
      var pending = found[0].length;
      var aside = found[1].length;
      var parts = [pending ? fill(T.pending, pending) : T.all_sent];
      if (aside) parts.push(fill(T.set_aside, aside));
      if (keyRefused) parts.push(T.key_refused);
      if (storageWarning) parts.push(T.storage_lost);
      var footer = byId('status');
      footer.setAttribute('data-pending', String(pending));
      footer.setAttribute('data-aside', String(aside));
      footer.classList.toggle('warn', Boolean(aside || keyRefused || storageWarning));
      var text = parts.join(' · ');
      var label = byId('status-text');
      if (label.textContent !== text) label.textContent = text;
    });
  }

  /* ---------- sync ---------- */

  var syncing = false;
  var again = false;
  var retryTimer = null;
  var failures = 0;
  var batchLimit = MAX_BATCH_ITEMS;
  var encoder = new TextEncoder();

  // fresh: the network is back, so forget the backoff and try at once.
  function syncSoon(fresh) {
    if (fresh && retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
      failures = 0;
    }
    if (retryTimer) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    drain().catch(function (error) {
      console.warn('Touchpoint kiosk: sync failed', error);
      return backoff(0);
    }).then(function (delay) {
      syncing = false;
      updateIndicator();
      if (delay !== null) {
        retryTimer = setTimeout(function () { retryTimer = null; syncSoon(); }, delay);
      } else if (again) {
        syncSoon();
      }
    });
  }

  // Sends until nothing is ready; null when done, else the delay before the next try.
  async function drain() {
    for (;;) {
      if (!key) return null;
      // No network at all: nothing to try until the 'online' event calls syncSoon again.
      if (navigator.onLine === false) return null;
      var waiting = (await all('outbox')).filter(function (item) { return item.state === 'ready'; });
      if (!waiting.length) return null;
      waiting.sort(function (a, b) { return a.at - b.at; });
      var outcome = await send(take(waiting));
      if (outcome.retry) return backoff(outcome.retryAfter || 0);
      await updateIndicator();
    }
  }

  function take(waiting) {
    var batch = [];
    var bytes = 16;
    for (var i = 0; i < waiting.length; i++) {
      var size = encoder.encode(JSON.stringify(waiting[i].body)).length + 1;
      if (batch.length && (batch.length >= batchLimit || bytes + size > MAX_BATCH_BYTES)) break;
      batch.push(waiting[i]);
      bytes += size;
    }
    return batch;
  }

  // Exponential backoff with jitter, never sooner than the service asked (Retry-After).
  function backoff(retryAfter) {
    failures += 1;
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, failures - 1));
    return Math.max(ceiling / 2 + Math.random() * ceiling / 2, retryAfter);
  }

  function retryAfterMs(response) {
    var value = (response.headers.get('Retry-After') || '').trim();
    var ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
    return isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), RETRY_AFTER_MAX_MS);
  }

  async function post(batch) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    try {
      var response = await fetch('/v1/responses/batch', {
        method: 'POST',
        headers: { 'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ responses: batch.map(function (item) { return item.body; }) }),
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal
      });
      var payload = null;
      try { payload = await response.json(); } catch (error) { payload = null; }
      return { response: response, payload: payload };
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(batch) {
    var answer;
    try {
      answer = await post(batch);
    } catch (error) {
      return { retry: true }; // offline, unreachable, or timed out
    }
    var response = answer.response;
    var status = response.status;
    if (status === 401 || status === 403) {
      keyRefused = true;
      return { retry: true, retryAfter: retryAfterMs(response) };
    }
    if (response.ok) return settle(batch, answer.payload);
    var problem = (response.headers.get('Content-Type') || '').indexOf('application/problem+json') === 0;
    if (problem && [400, 413, 415, 422].indexOf(status) >= 0) {
      // The service refused the request as a whole: find the item that spoils it.
      if (batch.length > 1) {
        batchLimit = Math.max(1, Math.floor(batch.length / 2));
        return {};
      }
      await setAside(batch[0], { status: 'refused', http: status, errors: (answer.payload || {}).errors || [] });
      return {};
    }
    // 408, 429, 5xx, and anything unexpected (a proxy's error page): keep and retry.
    return { retry: true, retryAfter: retryAfterMs(response) };
  }

  async function settle(batch, payload) {
    var results = payload && Array.isArray(payload.results) ? payload.results : [];
    var settled = 0;
    for (var i = 0; i < results.length; i++) {
      var result = results[i];
      var item = batch[result.index];
      if (!item) continue;
      if (result.status === 'created' || result.status === 'duplicate') {
        await both(function (store) { return store.remove('outbox', item.id); });
        settled += 1;
      } else if (result.status === 'invalid' || result.status === 'conflict') {
        await setAside(item, { status: result.status, errors: result.errors || [] });
        settled += 1;
      }
    }
    keyRefused = false;
    if (!settled) return { retry: true };
    failures = 0;
    batchLimit = MAX_BATCH_ITEMS;
    return {};
  }

  // Never sent again, never silently dropped: kept on the tablet, counted on screen.
  function setAside(item, why) {
    item.state = 'aside';
    item.why = why;
    item.set_aside_at = new Date().toISOString();
    console.warn('Touchpoint kiosk: the service did not accept an answer; it is kept aside',
      why.status, JSON.stringify(why.errors));
    return both(function (store) { return store.setAside(item); });
  }

  /* ---------- the key (from the address's fragment, remembered on the tablet) ---------- */

  // The key leaves the address as soon as it is read (replaceState: the history entry
  // itself changes, so Back cannot show it), before the history trap below copies the
  // address into another entry.
  var givenKey = null;
  function takeKeyFromAddress() {
    var found = null;
    var rest = location.hash.replace(/^#/, '').split('&').filter(function (part) {
      if (part.indexOf('key=') !== 0) return part !== '';
      try { found = decodeURIComponent(part.slice(4)); } catch (error) { found = part.slice(4); }
      return false;
    });
    if (found === null) return;
    givenKey = found;
    history.replaceState(history.state, '',
      location.pathname + location.search + (rest.length ? '#' + rest.join('&') : ''));
  }
  takeKeyFromAddress();

  async function findKey() {
    var given = givenKey;
    givenKey = null;
    if (given !== null) {
      if (!KEY_PATTERN.test(given)) {
        key = null;
        showSetup(byId('setup-title').textContent, T.key_wrong_kind);
        return;
      }
      key = given;
      await save('meta', { id: 'key', value: key });
      return;
    }
    var stored = await meta('key');
    key = stored ? stored.value : null;
  }

  function meta(id) {
    return all('meta').then(function (entries) {
      return entries.filter(function (entry) { return entry.id === id; })[0] || null;
    });
  }

  /* ---------- the setup check: may this key record answers from this address? ---------- */

  // What the service judged, remembered per key and address for loads without a network.
  function setupId() { return 'setup ' + key.slice(6, 22) + ' ' + location.pathname + location.search; }

  // {wrong: null} when the service takes this setup, {wrong: {...}} when it refuses it,
  // null when it could not say (offline, unreachable, 5xx, anything unexpected).
  async function askSetup() {
    var params = new URLSearchParams({ survey: cfg.survey });
    if (cfg.touchpoint) params.set('touchpoint', cfg.touchpoint);
    if (cfg.location) params.set('location', cfg.location);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    try {
      var response = await fetch('/v1/kiosk/setup?' + params, {
        headers: { 'Authorization': 'Bearer ' + key },
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal
      });
      if (response.ok) return { wrong: null };
      if (response.status === 401) return { wrong: { reason: 'key-refused', errors: [] } };
      if (response.status === 403) return { wrong: { reason: 'key-wrong-kind', errors: [] } };
      if (response.status === 422) {
        var problem = await response.json();
        return { wrong: { reason: 'address', errors: problem.errors || [] } };
      }
      return null;
    } catch (error) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  var checking = null; // {key, promise}: the check under way
  // Resolves true once the service has judged the current key and address.
  function checkSetup() {
    if (!key) return Promise.resolve(false);
    if (setupChecked) return Promise.resolve(true);
    if (checking && checking.key === key) return checking.promise;
    var asked = { key: key };
    asked.promise = askSetup().then(async function (outcome) {
      if (checking === asked) checking = null;
      // Staff gave another key meanwhile: that one has its own check.
      if (key !== asked.key || outcome === null) return false;
      setupChecked = true;
      await save('meta', { id: setupId(), wrong: outcome.wrong });
      applySetup(outcome.wrong);
      return true;
    });
    checking = asked;
    return asked.promise;
  }

  function applySetup(wrong) {
    setupWrong = wrong;
    ready = !wrong;
    if (!wrong) {
      document.body.setAttribute('data-setup', setupChecked ? 'ok' : 'unchecked');
      // Never in the middle of a customer's comment or thanks.
      if (screen === 'setup' || screen === 'question') toQuestion();
      return;
    }
    // An answer in its comment step is kept as it is: the check never costs an answer.
    if (screen === 'comment') finish(commentText.value.trim(), false);
    var texts = {
      'key-refused': [T.setup_key_refused],
      'key-wrong-kind': [T.key_wrong_kind]
    }[wrong.reason] || wrong.errors.map(function (error) {
      if (error.field === 'location' && cfg.location) return fillIn(T.setup_location, { location: cfg.location });
      return fillIn(T.setup_field, { name: error.field });
    });
    showSetup(T.setup_title, texts.join(' '), wrong.errors);
    document.body.setAttribute('data-setup', wrong.reason);
  }

  function showSetup(title, text, errors) {
    byId('setup-title').textContent = title;
    byId('setup-text').textContent = text;
    var list = byId('setup-problems');
    list.replaceChildren.apply(list, (errors || []).map(function (error) {
      var item = document.createElement('li');
      var field = document.createElement('code');
      field.textContent = error.field;
      item.append(field, ': ' + error.message);
      return item;
    }));
    list.hidden = !(errors && errors.length);
    var kept = byId('setup-kept');
    kept.textContent = T.setup_kept;
    kept.hidden = !key;
    clearTimeout(resetTimer);
    show('setup');
  }

  // Taps wait for the check; a check that cannot be made (offline) or takes too long
  // does not stop the kiosk: the last judgement of this setup holds, else it is taken.
  async function settleSetup() {
    setupChecked = false;
    setupWrong = null;
    document.body.setAttribute('data-setup', key ? 'checking' : 'no-key');
    if (!key) {
      ready = false;
      show('setup');
      return;
    }
    ready = false;
    showGuard();
    var judged = navigator.onLine === false ? false : await Promise.race([checkSetup(), wait(SETUP_WAIT_MS)]);
    if (judged) return;
    var remembered = await meta(setupId());
    if (setupChecked) return; // judged while the remembered answer was read
    applySetup(remembered ? remembered.wrong : null);
  }

  /* ---------- no way out for a customer ---------- */

  document.addEventListener('contextmenu', function (event) { event.preventDefault(); });
  document.addEventListener('dragstart', function (event) { event.preventDefault(); });
  document.addEventListener('selectstart', function (event) {
    if (event.target !== commentText) event.preventDefault();
  });
  history.pushState(null, '', location.href);
  window.addEventListener('popstate', function () {
    takeKeyFromAddress(); // a key typed into the address arrives this way too
    history.pushState(null, '', location.href);
  });

  /* ---------- start ---------- */

  async function start() {
    // Answers whose comment step a reload or a crash cut short can go as they are.
    var open = (await all('outbox')).filter(function (item) { return item.state === 'open'; });
    for (var i = 0; i < open.length; i++) {
      open[i].state = 'ready';
      await save('outbox', open[i]);
    }
    await findKey();
    var settled = settleSetup();
    await updateIndicator();
    syncSoon(); // queued answers go whatever the check says: they are never lost to it
    await settled;
  }

  // Checks not made at load (offline, unreachable) are made when the network is back.
  function recheck() { if (key && !setupChecked) checkSetup(); }

  window.addEventListener('online', function () { recheck(); syncSoon(true); });
  window.addEventListener('hashchange', function () {
    takeKeyFromAddress();
    if (givenKey === null) return;
    findKey().then(function () {
      settleSetup();
      syncSoon(true);
    });
  });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { recheck(); syncSoon(); }
  });
  setInterval(function () { recheck(); syncSoon(); }, PERIODIC_MS);

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.remembered) document.documentElement.setAttribute('data-offline-ready', 'true');
    });
    navigator.serviceWorker.register(cfg.service_worker, { scope: '/kiosk' })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        registration.active.postMessage({ remember: location.pathname + location.search });
      })
      .catch(function (error) { console.warn('Touchpoint kiosk: no offline copy of this page', error); });
  }
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(function () { return false; });
  }

  start().catch(function (error) { storageFailed(error); });
})();
