/* Signature pads: draw with a finger, a stylus or the mouse; the drawing travels in the form's
   hidden `signature` input as a PNG data URL. The submit button waits until something is drawn. */
(function () {
    "use strict";

    function setUp(pad) {
        var canvas = pad.querySelector("canvas");
        var input = pad.querySelector('input[name="signature"]');
        var state = pad.querySelector("[data-signature-state]");
        var submit = pad.closest("form").querySelector("[data-signature-submit]");
        var context = canvas.getContext("2d");
        var width = 0;
        var last = null;

        function clear() {
            context.clearRect(0, 0, canvas.width, canvas.height);
            input.value = "";
            submit.disabled = true;
            state.textContent = state.dataset.empty;
        }

        // The bitmap follows the displayed size and the screen's pixel density, so the ink is sharp.
        function fit() {
            var box = canvas.getBoundingClientRect();
            if (box.width === width) return; // a phone's toolbar hiding on scroll keeps the drawing
            width = box.width;
            var ratio = Math.min(window.devicePixelRatio || 1, 3);
            canvas.width = Math.round(box.width * ratio);
            canvas.height = Math.round(box.height * ratio);
            context.setTransform(ratio, 0, 0, ratio, 0, 0);
            context.lineWidth = 2.5;
            context.lineCap = "round";
            context.lineJoin = "round";
            context.strokeStyle = "#10204a";
            clear();
        }

        function at(event) {
            var box = canvas.getBoundingClientRect();
            return { x: event.clientX - box.left, y: event.clientY - box.top };
        }

        canvas.addEventListener("pointerdown", function (event) {
            event.preventDefault();
            canvas.setPointerCapture(event.pointerId);
            last = at(event);
            context.beginPath();
            context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
            context.fillStyle = context.strokeStyle;
            context.fill();
        });
        canvas.addEventListener("pointermove", function (event) {
            if (!last) return;
            var point = at(event);
            context.beginPath();
            context.moveTo(last.x, last.y);
            context.lineTo(point.x, point.y);
            context.stroke();
            last = point;
        });
        function end() {
            if (!last) return;
            last = null;
            input.value = canvas.toDataURL("image/png");
            submit.disabled = false;
            state.textContent = state.dataset.drawn;
        }
        canvas.addEventListener("pointerup", end);
        canvas.addEventListener("pointercancel", end);
        pad.querySelector("[data-signature-clear]").addEventListener("click", clear);
        window.addEventListener("resize", fit);
        fit();
    }

    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
})();
