// Turns on web push notifications for the resident's browser.
//
// The page has (no inline script: the CSP allows only files from 'self'):
//   <button type="button" data-push-subscribe hidden
//           data-vapid-key="{{ vapid_public_key }}"      applicationServerKey, base64url
//           data-endpoint="{% url '...' %}"              where the subscription is POSTed
//           data-sw="{% static 'notifications/sw.js' %}"  the service worker
//           data-scope="/static/notifications/"           optional registration scope
//           data-csrf="{{ csrf_token }}">Włącz powiadomienia</button>
//   <p data-push-status aria-live="polite"></p>
//   <script src="{% static 'notifications/push.js' %}" defer></script>
//
// The CSRF token comes from data-csrf (the csrftoken cookie is HttpOnly here) or, failing
// that, from the cookie. The button is shown only when the browser can do web push.
// On success the button fires a "ratusz:push-subscribed" event (detail: the subscription).
(function () {
  "use strict";

  var TEXT = {
    unsupported: "Ta przeglądarka nie obsługuje powiadomień push albo strona nie jest " +
      "otwarta przez bezpieczne połączenie (HTTPS). Komunikaty urzędu nadal otrzymasz " +
      "e-mailem lub SMS-em, jeśli je wybierzesz.",
    denied: "Powiadomienia z tej strony są zablokowane w ustawieniach przeglądarki. " +
      "Aby je włączyć, zezwól tej witrynie na powiadomienia i odśwież stronę.",
    dismissed: "Nie udzielono zgody na powiadomienia. Możesz spróbować ponownie.",
    working: "Włączanie powiadomień…",
    active: "Powiadomienia w tej przeglądarce są włączone.",
    done: "Gotowe: powiadomienia z urzędu będą pojawiać się w tej przeglądarce.",
    server: "Nie udało się zapisać subskrypcji (błąd serwera %s). Spróbuj ponownie później.",
    failed: "Nie udało się włączyć powiadomień. Spróbuj ponownie później."
  };

  function base64UrlToBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function sameBytes(buffer, bytes) {
    if (!buffer) {
      return false;
    }
    var view = new Uint8Array(buffer);
    if (view.length !== bytes.length) {
      return false;
    }
    for (var i = 0; i < view.length; i += 1) {
      if (view[i] !== bytes[i]) {
        return false;
      }
    }
    return true;
  }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var pair = parts[i].trim();
      if (pair.indexOf(name + "=") === 0) {
        return decodeURIComponent(pair.slice(name.length + 1));
      }
    }
    return "";
  }

  function supported() {
    return window.isSecureContext !== false && "serviceWorker" in navigator &&
      "PushManager" in window && "Notification" in window;
  }

  // Safari before 15 takes a callback instead of returning a promise.
  function requestPermission() {
    return new Promise(function (resolve) {
      var answer = Notification.requestPermission(resolve);
      if (answer && typeof answer.then === "function") {
        answer.then(resolve);
      }
    });
  }

  function whenActive(registration) {
    if (registration.active) {
      return Promise.resolve(registration);
    }
    var worker = registration.installing || registration.waiting;
    return new Promise(function (resolve, reject) {
      if (!worker) {
        reject(new Error("no service worker"));
        return;
      }
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") {
          resolve(registration);
        } else if (worker.state === "redundant") {
          reject(new Error("service worker failed"));
        }
      });
    });
  }

  function init() {
    var button = document.querySelector("[data-push-subscribe]");
    if (!button) {
      return;
    }
    var status = document.querySelector("[data-push-status]");
    if (status && !status.hasAttribute("aria-live")) {
      status.setAttribute("aria-live", "polite");
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    function hide(text) {
      button.hidden = true;
      button.disabled = true;
      say(text);
    }

    if (!supported() || !button.dataset.vapidKey || !button.dataset.endpoint ||
        !button.dataset.sw) {
      hide(TEXT.unsupported);
      return;
    }
    if (Notification.permission === "denied") {
      hide(TEXT.denied);
      return;
    }
    button.hidden = false;
    button.disabled = false;

    var key = base64UrlToBytes(button.dataset.vapidKey);
    var scope = button.dataset.scope || undefined;

    navigator.serviceWorker.getRegistration(scope).then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (subscription && Notification.permission === "granted") {
        say(TEXT.active);
      }
    }).catch(function () {});

    async function subscribe() {
      button.disabled = true;
      say(TEXT.working);
      try {
        var permission = await requestPermission();
        if (permission === "denied") {
          hide(TEXT.denied);
          return;
        }
        if (permission !== "granted") {
          say(TEXT.dismissed);
          button.disabled = false;
          return;
        }
        var registration = await navigator.serviceWorker.register(
          button.dataset.sw, scope ? { scope: scope } : undefined);
        registration = await whenActive(registration);
        var subscription = await registration.pushManager.getSubscription();
        if (subscription && subscription.options &&
            !sameBytes(subscription.options.applicationServerKey, key)) {
          await subscription.unsubscribe(); // made with an older VAPID key
          subscription = null;
        }
        if (!subscription) {
          subscription = await registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: key
          });
        }
        var response = await fetch(button.dataset.endpoint, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": button.dataset.csrf || cookie("csrftoken")
          },
          body: JSON.stringify(subscription.toJSON())
        });
        if (!response.ok) {
          say(TEXT.server.replace("%s", String(response.status)));
          button.disabled = false;
          return;
        }
        say(TEXT.done);
        button.dispatchEvent(new CustomEvent("ratusz:push-subscribed", {
          bubbles: true, detail: subscription.toJSON()
        }));
      } catch (error) {
        if (Notification.permission === "denied") {
          hide(TEXT.denied);
          return;
        }
        say(TEXT.failed);
        button.disabled = false;
      }
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      subscribe();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
