/* A document batch's progress, refreshed every two seconds while it runs; the page reloads once
   the batch is over, to show its ZIP and its documents. */
(function () {
    "use strict";

    var panel = document.querySelector("[data-batch-status-url]");
    if (!panel) return;
    var bar = panel.querySelector("[data-batch-bar]");
    var text = panel.querySelector("[data-batch-text]");
    var issued = panel.querySelector("[data-batch-issued]");
    var skipped = panel.querySelector("[data-batch-skipped]");
    var status = panel.querySelector("[data-batch-status] .w-status");
    var lastText = "";

    function later(seconds) {
        window.setTimeout(refresh, seconds * 1000);
    }

    function show(data) {
        if (data.status !== "queued") {
            bar.value = data.progress;
            bar.textContent = data.progress + " %";
            var line = data.done + " / " + data.total + " (" + data.progress + " %)";
            if (line !== lastText) {
                // Only a changed text is announced by screen readers (aria-live="polite").
                text.innerHTML = "";
                var strong = document.createElement("strong");
                strong.textContent = data.done + " / " + data.total;
                text.appendChild(strong);
                text.appendChild(document.createTextNode(" (" + data.progress + " %)"));
                lastText = line;
            }
        }
        if (status) status.textContent = data.status_label;
        if (issued) issued.textContent = data.issued;
        if (skipped) skipped.textContent = data.skipped;
    }

    function refresh() {
        fetch(panel.dataset.batchStatusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) {
                if (!response.ok) throw new Error(response.statusText);
                return response.json();
            })
            .then(function (data) {
                show(data);
                if (data.finished) {
                    window.location.reload();
                } else {
                    later(2);
                }
            })
            .catch(function () {
                later(5); // no network for a moment: try again a little later
            });
    }

    later(2);
})();
