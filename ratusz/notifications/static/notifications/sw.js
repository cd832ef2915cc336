// Ratusz service worker for web push notifications (resident alerts).
// Shows what the platform pushed ({title, body, url, tag, severity}) and opens the linked
// page on click. Plain ES2017, no imports: it is served as a static file.
"use strict";

var URGENT_SEVERITIES = ["Severe", "Extreme"];
var DEFAULT_TITLE = "Powiadomienie z urzędu";

function readPayload(event) {
  if (!event.data) {
    return {};
  }
  try {
    var data = event.data.json();
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return { body: event.data.text() };
  }
}

// Only pages of our own origin are opened: a push cannot send the resident elsewhere.
function safeUrl(url) {
  try {
    var target = new URL(url || "/", self.registration.scope);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = readPayload(event);
  var urgent = URGENT_SEVERITIES.indexOf(data.severity) !== -1;
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    lang: "pl",
    dir: "ltr",
    requireInteraction: urgent,
    data: { url: safeUrl(data.url) }
  };
  if (data.tag) {
    options.tag = String(data.tag);
    options.renotify = true; // an update of an alert alerts again
  }
  var title = typeof data.title === "string" && data.title ? data.title : DEFAULT_TITLE;
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = safeUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i += 1) {
        if (list[i].url === url && "focus" in list[i]) {
          return list[i].focus();
        }
      }
      return self.clients.openWindow ? self.clients.openWindow(url) : undefined;
    })
  );
});
