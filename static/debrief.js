// The debrief page: a refused action's answer takes the page's own address back (so a reload is
// the page, never the action's address), its first error is brought into view and focused, a
// concurrence or a veto is confirmed in a dialog that restates the outcome, and printing expands
// every card. Without scripts the page still works: the server asks for the confirmation box.
(function () {
  "use strict";
  var root = document.querySelector(".debrief[data-page-url]");
  if (!root) return;

  if (root.dataset.refused) {
    history.replaceState(null, "", root.dataset.pageUrl + "#decision-panel");
    // After the browser's own scroll to #decision-panel (the form's address): the first error.
    window.addEventListener("load", function () {
      var invalid = document.querySelector(
        "#decision-panel [aria-invalid='true'], #decision-panel .alert-danger, [data-testid='conflict']"
      );
      if (!invalid) return;
      invalid.scrollIntoView({ block: "center" });
      var target = invalid.matches("fieldset") ? invalid.querySelector("input") : invalid;
      if (target && target.matches("input, textarea, select")) target.focus({ preventScroll: true });
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var dialog = document.getElementById(form.dataset.confirm);
    var box = form.querySelector(".debrief-confirm input[type=checkbox]");
    if (!dialog || !box || typeof dialog.showModal !== "function") return;
    // The dialog asks instead: the box is ticked only when the dialog is answered yes.
    box.checked = false;
    form.querySelector(".debrief-confirm").hidden = true;
    var submitter = null;
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed === "yes") return;
      event.preventDefault();
      submitter = event.submitter || null;
      dialog.showModal();
    });
    dialog.querySelector("[data-confirm-yes]").addEventListener("click", function () {
      box.checked = true;
      form.dataset.confirmed = "yes";
      dialog.close();
      if (typeof form.requestSubmit === "function") form.requestSubmit(submitter || undefined);
      else form.submit();
    });
    dialog.querySelector("[data-confirm-no]").addEventListener("click", function () {
      dialog.close();
    });
  });

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.debrief-more").forEach(function (details) {
      details.open = true;
    });
  });
})();
