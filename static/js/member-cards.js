// Member cards: a click on a member's name (a link with data-member-card="<card url>", in posts,
// chat and member lists) opens a small card — organization, department, work fields, handle and
// a link to the profile — beside the name, without leaving the page. Without this script the
// link simply opens the profile. The card's HTML, words included, comes from the server.

const cache = new Map();
let popover = null;
let opener = null;

function closeCard({ restoreFocus = true } = {}) {
  if (!popover || popover.hidden) return;
  popover.hidden = true;
  popover.replaceChildren();
  if (restoreFocus) opener?.focus();
  opener = null;
}

function ensurePopover() {
  if (popover) return popover;
  popover = document.createElement("div");
  popover.className = "member-popover";
  popover.setAttribute("role", "dialog");
  popover.hidden = true;
  document.body.append(popover);
  popover.addEventListener("click", (event) => {
    if (event.target.closest("[data-member-card-close]")) closeCard();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !popover.hidden) closeCard();
  });
  document.addEventListener("click", (event) => {
    if (!popover.hidden && !popover.contains(event.target) && !event.target.closest("[data-member-card]")) {
      closeCard({ restoreFocus: false });
    }
  });
  return popover;
}

async function cardHtml(url) {
  if (!cache.has(url)) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    cache.set(url, await response.text());
  }
  return cache.get(url);
}

function place(box, link) {
  const rect = link.getBoundingClientRect();
  const width = Math.min(box.offsetWidth || 320, document.documentElement.clientWidth - 16);
  const left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
  box.style.left = `${left + window.scrollX}px`;
  box.style.top = `${rect.bottom + window.scrollY + 4}px`;
}

async function openCard(link) {
  const box = ensurePopover();
  let html;
  try {
    html = await cardHtml(link.dataset.memberCard);
  } catch {
    window.location.href = link.href;
    return;
  }
  opener = link;
  box.innerHTML = html;
  const name = box.querySelector("[id$='-name']");
  if (name) box.setAttribute("aria-labelledby", name.id);
  box.hidden = false;
  place(box, link);
  (box.querySelector("a[href]") || box).focus();
}

export function setupMemberCards() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-member-card]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (opener === link && popover && !popover.hidden) {
      closeCard();
      return;
    }
    openCard(link);
  });
}
