// Chapters seek the recording: a link with data-seek="SECONDS" moves the page's player there
// and plays; #t=SECONDS in the address does the same on load. The chapter being played is
// marked (aria-current) so the list says where one is.
const player = document.querySelector("[data-player]");
const chapters = [...document.querySelectorAll("[data-seek]")]
  .map((link) => ({ link, at: Number(link.dataset.seek) }))
  .filter((chapter) => !Number.isNaN(chapter.at))
  .sort((a, b) => a.at - b.at);

function seek(seconds) {
  if (!player || Number.isNaN(seconds)) return;
  player.currentTime = seconds;
  player.play().catch(() => {});
}

function markCurrent() {
  const now = player.currentTime;
  const current = chapters.filter((chapter) => chapter.at <= now).pop();
  chapters.forEach((chapter) => {
    if (chapter === current) chapter.link.setAttribute("aria-current", "time");
    else chapter.link.removeAttribute("aria-current");
  });
}

if (player) {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link) return;
    event.preventDefault();
    seek(Number(link.dataset.seek));
    history.replaceState(null, "", `#t=${link.dataset.seek}`);
  });
  player.addEventListener("timeupdate", markCurrent);
  player.addEventListener("seeked", markCurrent);
  const start = /^#t=(\d+)$/.exec(location.hash);
  if (start) player.addEventListener("loadedmetadata", () => seek(Number(start[1])), { once: true });
}
