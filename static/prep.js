// The interview time in the reader's own time zone: the server writes it in UTC, with the exact
// moment in the <time> element's datetime; the browser knows where its reader is.
(function () {
  "use strict";
  document.querySelectorAll("time[data-local-time]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) {
      return;
    }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var text = new Intl.DateTimeFormat(undefined, {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    }).format(moment);
    element.textContent = text + (zone ? " (" + zone.replace(/_/g, " ") + ")" : "");
  });
})();
