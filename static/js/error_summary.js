/* A form's error summary: focused when the page opens; each of its links brings the field it
   names into view (the block given by data-error-summary) and focuses its control. */
(function () {
    "use strict";

    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    var block = summary.dataset.errorSummary;
    summary.focus();
    summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var control = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!control) return;
        event.preventDefault();
        ((block && control.closest(block)) || control).scrollIntoView();
        control.focus({ preventScroll: true });
    });
})();
