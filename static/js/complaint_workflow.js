// The complaint page has its workflow forms (answer, analysis) above the record's own form. Text typed
// in one of them is not sent by the record's "Save" button: ask before leaving it behind.
(function () {
    "use strict";
    var section = document.querySelector("[data-complaint-workflow]");
    if (!section) {
        return;
    }
    var message = section.getAttribute("data-unsaved-message");
    document.addEventListener("submit", function (event) {
        if (section.contains(event.target)) {
            return; // a workflow form: its own text goes with it
        }
        var typed = Array.prototype.filter.call(section.querySelectorAll("textarea"), function (field) {
            return field.value.trim() !== "";
        });
        if (typed.length && !window.confirm(message)) {
            event.preventDefault();
            typed[0].focus();
        }
    }, true);
})();
