/* The room's QR code: fetched again as soon as it changes, and shown full screen on demand.
   The page reloads when the half-day is no longer open (locked from another device). */
(function () {
    "use strict";

    var panel = document.querySelector("[data-qr-refresh]");
    if (!panel) return;
    var image = panel.querySelector("[data-qr-image]");
    var link = panel.querySelector("[data-qr-link]");
    var count = document.querySelector("[data-signed-count]");
    var fullScreen = panel.querySelector("[data-qr-fullscreen]");

    function later(seconds) {
        window.setTimeout(refresh, Math.max(seconds, 5) * 1000);
    }

    function refresh() {
        fetch(panel.dataset.qrRefresh, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) {
                if (response.status === 409) {
                    window.location.reload();
                    return null;
                }
                if (!response.ok) throw new Error(response.statusText);
                return response.json();
            })
            .then(function (data) {
                if (!data) return;
                image.innerHTML = data.svg;
                link.href = data.url;
                link.textContent = data.url;
                if (count && data.signed !== undefined) count.textContent = data.signed;
                later(data.refresh_in);
            })
            .catch(function () {
                later(10); // no network for a moment: try again soon
            });
    }

    if (fullScreen && panel.requestFullscreen) {
        fullScreen.hidden = false;
        fullScreen.addEventListener("click", function () {
            panel.requestFullscreen();
        });
    }
    later(Number(panel.dataset.refreshIn));
})();
