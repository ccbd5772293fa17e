// The check-in QR display: counts down to the end of the code's 25-second window (the server
// says how many seconds are left, so the page follows the server's clock, not the device's) and
// then loads the page again for the next code. Without script, the page's meta refresh does the
// same a moment later.
(() => {
  const qr = document.getElementById("qr");
  const countdown = document.getElementById("countdown");
  if (!qr || !countdown) return;
  const left = Number(qr.getAttribute("data-seconds-left"));
  if (!Number.isFinite(left) || left <= 0) return;
  // A little after the boundary, so the server is surely in the next window.
  const deadline = performance.now() + left * 1000 + 300;
  const tick = () => {
    const ms = deadline - performance.now();
    if (ms <= 0) {
      window.location.reload();
      return;
    }
    countdown.textContent = String(Math.max(1, Math.ceil((ms - 300) / 1000)));
    window.setTimeout(tick, Math.min(250, ms));
  };
  tick();
})();
