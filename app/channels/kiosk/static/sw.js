/* Touchpoint kiosk service worker: the kiosk page opens without a network once it has
 * been opened with one. Its files are stored when it installs; each kiosk address (its
 * query is its configuration) is stored when the page asks, and again on every online
 * load. The cache is named after the version of the files, so a deploy replaces it.
 * Only GETs under /kiosk are answered here: answers are never sent through this worker.
 */
'use strict';

var VERSION = '__VERSION__';
var PRECACHED = __PRECACHED__;
var PREFIX = 'touchpoint-kiosk-';
var CACHE = PREFIX + VERSION;
var PAGE = '/kiosk';
var NETWORK_WAIT_MS = 4000; // then a stored page is better than a spinner

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(PRECACHED);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(adoptPages().then(function () { return self.clients.claim(); }));
});

// Pages stored by an older version move into the new cache (they are refreshed on their
// next online load); a tablet that updates and then loses its network still opens.
async function adoptPages() {
  var cache = await caches.open(CACHE);
  var names = await caches.keys();
  for (var i = 0; i < names.length; i++) {
    if (names[i] === CACHE || names[i].indexOf(PREFIX) !== 0) continue;
    var old = await caches.open(names[i]);
    var requests = await old.keys();
    for (var j = 0; j < requests.length; j++) {
      if (new URL(requests[j].url).pathname === PAGE && !(await cache.match(requests[j]))) {
        await cache.put(requests[j], await old.match(requests[j]));
      }
    }
    await caches.delete(names[i]);
  }
}

self.addEventListener('message', function (event) {
  var address = event.data && event.data.remember;
  if (typeof address !== 'string' || new URL(address, self.location.href).pathname !== PAGE) return;
  event.waitUntil(remember(address).then(function (stored) {
    if (stored && event.source) event.source.postMessage({ remembered: address });
  }));
});

async function remember(address) {
  var cache = await caches.open(CACHE);
  // Stored already: online loads under this worker refresh it on their way (see page()).
  if (await cache.match(address)) return true;
  try {
    var response = await fetch(address, { cache: 'no-cache', credentials: 'omit' });
    if (response.ok) {
      await cache.put(address, response);
      return true;
    }
  } catch (error) {
    // offline right now: it will be stored on the next online load
  }
  return false;
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(page(event, url));
  } else if (url.pathname.indexOf(PAGE + '/') === 0 && url.pathname !== PAGE + '/sw.js') {
    event.respondWith(asset(request));
  }
});

// The network first (the page may have changed), the stored copy when it fails, answers
// 5xx, or is too slow.
async function page(event, url) {
  var cache = await caches.open(CACHE);
  var address = url.pathname + url.search;
  var network = fetch(event.request).then(function (response) {
    if (!response.ok) return response;
    return cache.put(address, response.clone()).then(function () { return response; });
  });
  event.waitUntil(network.catch(function () { return null; }));
  var stored = await cache.match(address);
  if (!stored) return network;
  var slow = new Promise(function (resolve) { setTimeout(resolve, NETWORK_WAIT_MS, null); });
  try {
    var response = await Promise.race([network, slow]);
    if (response && response.status < 500) return response;
  } catch (error) {
    // unreachable: the stored copy
  }
  return stored;
}

// Files: the exact version from the cache, else the network; offline, any stored version.
async function asset(request) {
  var cache = await caches.open(CACHE);
  var exact = await cache.match(request);
  if (exact) return exact;
  try {
    var response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    var near = await cache.match(request, { ignoreSearch: true });
    if (near) return near;
    throw error;
  }
}
