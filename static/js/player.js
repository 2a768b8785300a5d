// Chapters seek the recording: a link with data-seek="SECONDS" moves the page's player there
// and plays; #t=SECONDS in the address does the same on load.
const player = document.querySelector("[data-player]");

function seek(seconds) {
  if (!player || Number.isNaN(seconds)) return;
  player.currentTime = seconds;
  player.play().catch(() => {});
}

if (player) {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link) return;
    event.preventDefault();
    seek(Number(link.dataset.seek));
    history.replaceState(null, "", `#t=${link.dataset.seek}`);
  });
  const start = /^#t=(\d+)$/.exec(location.hash);
  if (start) player.addEventListener("loadedmetadata", () => seek(Number(start[1])), { once: true });
}
