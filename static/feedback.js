// Feedback form: nothing typed is lost. The draft is posted to the JSON draft endpoint (with its
// CSRF token) after every pause in typing, every ~30 s when something changed, and when the page
// is hidden or left (a keepalive request outlives the page). Leaving is questioned only when the
// text cannot be saved (logged out, changed elsewhere, server unreachable). Under each text box a
// count says, as you type, how many words it has against what submitting needs, with the same rule
// as the server (barraiser/feedback/quality.py). The form works fully without this script.
(function () {
  "use strict";

  // --- the server's counting rule, mirrored: quality.word_count and quality.count_message ---
  var WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;

  function wordCount(text) {
    var found = (text || "").match(WORD);
    return found ? found.length : 0;
  }

  function charactersIn(text) {
    return Array.from((text || "").replace(/\r\n/g, "\n")).length;
  }

  function number(n) {
    return n.toLocaleString("en-US");
  }

  function countMessage(text, minWords, limit) {
    var words = wordCount(text);
    var characters = charactersIn(text);
    var message;
    if (minWords === null || minWords === undefined) {
      message = words + (words === 1 ? " word." : " words.");
    } else if (words < minWords) {
      message = "This evidence has " + words + " of the " + minWords + " words needed to submit.";
    } else {
      message = words + " words: enough to submit.";
    }
    if (characters > limit) {
      message += " Too long: " + number(characters) + " of " + number(limit) +
        " characters. Shorten it to save.";
    } else if (characters > limit * 0.9) {
      message += " " + number(characters) + " of " + number(limit) + " characters.";
    }
    return message;
  }

  window.barRaiserFeedback = { wordCount: wordCount, countMessage: countMessage };

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var seconds = Number(form.getAttribute("data-autosave-seconds")) || 30;
  var limit = Number(form.getAttribute("data-text-limit")) || 20000;
  var PAUSE_MS = 1500;
  var KEEPALIVE_BYTES = 60000; // browsers cap a keepalive request's body at 64 KiB
  var statusBox = document.getElementById("autosave-status");
  var IGNORED = { csrf_token: true, version: true };

  var lastSaved = snapshot();
  var inFlight = null;
  var stopped = false; // a conflict or a lost session: saving would fail until the page is reloaded
  var failed = false; // the last attempt did not reach the server
  var submitting = false;
  var pause = null;

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

  function tooLong() {
    return Array.prototype.some.call(form.querySelectorAll("textarea"), function (box) {
      return charactersIn(box.value) > limit;
    });
  }

  // --- counts and hints -----------------------------------------------------------------------

  function recount(box) {
    var line = form.querySelector('[data-count-for="' + box.id + '"]');
    if (!line) {
      return;
    }
    var min = line.hasAttribute("data-min-words") ? Number(line.getAttribute("data-min-words")) : null;
    line.textContent = countMessage(box.value, min, limit);
  }

  function clearStaleError(box) {
    // The error beside the box was about the text as it was; once edited, the count speaks.
    var error = document.getElementById(box.id + "-errors");
    if (!error) {
      return;
    }
    error.remove();
    box.classList.remove("is-invalid");
    box.removeAttribute("aria-invalid");
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== box.id + "-errors";
    });
    box.setAttribute("aria-describedby", described.join(" "));
  }

  function showHints(hints) {
    var boxes = form.querySelectorAll("[data-hints-for]");
    Array.prototype.forEach.call(boxes, function (box) {
      var name = box.getAttribute("data-hints-for");
      box.textContent = "";
      hints.forEach(function (hint) {
        // Shortness is said by the count under the box: one message per problem.
        if (hint.field !== name || hint.kind === "short") {
          return;
        }
        var line = document.createElement("p");
        line.className = "feedback-hint feedback-hint-" + hint.kind + " small mb-1";
        line.textContent = hint.message;
        box.appendChild(line);
      });
    });
  }

  // --- saving ---------------------------------------------------------------------------------

  function post(state, retried) {
    var token = field("csrf_token");
    var headers = { Accept: "application/json" };
    if (token && token.value) {
      headers["X-CSRFToken"] = token.value;
    }
    var body = new FormData(form);
    return fetch(url, {
      method: "POST",
      body: body,
      headers: headers,
      credentials: "same-origin",
      // Outlives the page when it is left mid-save; too large a body cannot go that way.
      keepalive: state.length * 3 < KEEPALIVE_BYTES,
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
      failed = false;
      if (result.status === 200 && typeof data.version !== "number") {
        // Redirected to the login page: the session ended. The text stays on this page.
        stopped = true;
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
    window.clearTimeout(pause);
    if (stopped || submitting || inFlight) {
      return inFlight || Promise.resolve();
    }
    var state = snapshot();
    if (state === lastSaved) {
      return Promise.resolve();
    }
    if (tooLong()) {
      say("Not saved: a box is over " + number(limit) + " characters. Shorten it to save.");
      return Promise.resolve();
    }
    say("Saving…");
    inFlight = post(state, false)
      .catch(function () {
        failed = true;
        say("Could not reach the server; your text is still here. Trying again shortly.");
      })
      .then(function () {
        inFlight = null;
      });
    return inFlight;
  }

  form.addEventListener("input", function (event) {
    var box = event.target;
    if (box && box.tagName === "TEXTAREA") {
      recount(box);
      clearStaleError(box);
    }
    window.clearTimeout(pause);
    pause = window.setTimeout(save, PAUSE_MS);
  });
  form.addEventListener("change", function () {
    window.clearTimeout(pause);
    pause = window.setTimeout(save, PAUSE_MS);
  });
  window.setInterval(save, seconds * 1000);

  // Leaving or hiding the page saves at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save();
    }
  });
  window.addEventListener("pagehide", save);
  // Back from the browser's page cache, the form may carry a version the save on leaving has
  // moved on from: read it afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || snapshot() === lastSaved) {
      return;
    }
    save();
    if (stopped || failed || tooLong() || !navigator.onLine) {
      // This text cannot be saved on the way out: ask before it is lost.
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A pending autosave changes the version the form carries: let it land before the real POST.
  form.addEventListener("submit", function (event) {
    window.clearTimeout(pause);
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
