// Feedback form autosave: every ~30 s, when something changed, the form is posted to the JSON draft
// endpoint with its CSRF token; the page shows "Draft saved at HH:MM" and refreshes the quality
// hints. The form works fully without this script (Save draft / Submit are plain POSTs).
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var seconds = Number(form.getAttribute("data-autosave-seconds")) || 30;
  var statusBox = document.getElementById("autosave-status");
  var IGNORED = { csrf_token: true, version: true };

  var lastSaved = snapshot();
  var inFlight = null;
  var stopped = false;
  var submitting = false;

  function snapshot() {
    var parts = [];
    new FormData(form).forEach(function (value, key) {
      if (!IGNORED[key]) {
        parts.push(key + "=" + value);
      }
    });
    return parts.join("&");
  }

  function field(name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function say(text) {
    if (statusBox) {
      statusBox.textContent = text;
    }
  }

  function clock(iso) {
    var when = iso ? new Date(iso) : new Date();
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function showHints(hints) {
    var boxes = form.querySelectorAll("[data-hints-for]");
    Array.prototype.forEach.call(boxes, function (box) {
      var name = box.getAttribute("data-hints-for");
      box.textContent = "";
      hints.forEach(function (hint) {
        if (hint.field !== name) {
          return;
        }
        var line = document.createElement("p");
        line.className = "feedback-hint feedback-hint-" + hint.kind + " small mb-1";
        line.textContent = hint.message;
        box.appendChild(line);
      });
    });
  }

  function post(state, retried) {
    var token = field("csrf_token");
    var headers = { Accept: "application/json" };
    if (token && token.value) {
      headers["X-CSRFToken"] = token.value;
    }
    return fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: headers,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(
        function (data) {
          return { status: response.status, data: data };
        },
        function () {
          return { status: response.status, data: {} };
        }
      );
    }).then(function (result) {
      var data = result.data;
      if (result.status === 200 && typeof data.version !== "number") {
        // Redirected to the login page: the session ended. The text stays on this page.
        say("You are logged out, so this draft is not saved. Log in again in another tab, " +
            "then press Save draft here: your text is still on this page.");
        return;
      }
      if (result.status === 200) {
        field("version").value = data.version;
        lastSaved = state;
        say("Draft saved at " + clock(data.saved_at));
        showHints(data.hints || []);
        return;
      }
      if (result.status === 400 && data.csrf_token && !retried) {
        // The token expired during a long session: take the fresh one and try once more.
        if (token) {
          token.value = data.csrf_token;
        }
        return post(state, true);
      }
      if (result.status === 409) {
        stopped = true;
      }
      say(data.message || "The draft could not be saved; use Save draft.");
    });
  }

  function save() {
    if (stopped || submitting || inFlight) {
      return inFlight || Promise.resolve();
    }
    var state = snapshot();
    if (state === lastSaved) {
      return Promise.resolve();
    }
    say("Saving…");
    inFlight = post(state, false)
      .catch(function () {
        say("Could not reach the server; your text is still here. Trying again shortly.");
      })
      .then(function () {
        inFlight = null;
      });
    return inFlight;
  }

  window.setInterval(save, seconds * 1000);

  // A pending autosave changes the version the form carries: let it land before the real POST.
  form.addEventListener("submit", function (event) {
    if (!inFlight) {
      submitting = true;
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    inFlight.then(function () {
      submitting = true;
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
    });
  });
})();
