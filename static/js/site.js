// Progressive enhancement only: every page works without this file.
import { setupMemberCards } from "./member-cards.js";
import { attachAllMentions } from "./mentions.js";
import { setupInstantSearch } from "./search-instant.js";

function setupNavToggle() {
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;
  const small = window.matchMedia("(max-width: 40rem)");
  const apply = () => {
    toggle.hidden = !small.matches;
    nav.dataset.collapsed = small.matches && toggle.getAttribute("aria-expanded") !== "true";
  };
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    apply();
  });
  small.addEventListener("change", apply);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      toggle.setAttribute("aria-expanded", "false");
      apply();
      toggle.focus();
    }
  });
  apply();
}

function showUnread(count) {
  document.querySelectorAll("[data-unread-count]").forEach((badge) => {
    badge.dataset.count = String(count);
    badge.querySelector("[data-unread-number]").textContent = count > 0 ? String(count) : "";
  });
}

function connectNotifications(delay = 1000) {
  if (!document.querySelector("[data-unread-count]")) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/notifications/`);
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "unread.count") showUnread(frame.count);
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4403) return;
    setTimeout(() => connectNotifications(Math.min(delay * 2, 30000)), delay);
  });
}

// Verification codes (1234-5678): a numeric keypad on phones, and full-width digits typed
// with the Japanese IME on are turned into ASCII before the form is sent.
function setupCodeInputs() {
  document.querySelectorAll('input[name="code"]').forEach((input) => {
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("autocomplete", "one-time-code");
    input.addEventListener("change", () => {
      input.value = input.value.normalize("NFKC").replace(/[ー―‐－]/g, "-").trim();
    });
  });
}

// A form sends once: a second click while the first is on its way does nothing. (Without
// this script the form's one-time client_id makes the server keep only one.) A page shown
// again from the back-forward cache can send again.
function setupSubmitOnce() {
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "true";
    });
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sending]").forEach((form) => delete form.dataset.sending);
  });
}

// On a topic page: new replies are announced and fetched in, in order, without a reload. On
// every (re)connect the server says how far the topic goes, so nothing posted meanwhile is lost.
function followTopic() {
  const section = document.querySelector("[data-topic-live]");
  if (!section) return;
  const notice = section.querySelector("[data-live-notice]");
  let highest = Number(section.dataset.highest);
  let unseen = 0;
  let queue = Promise.resolve();

  async function fetchPost(number) {
    const page = await fetch(`${section.dataset.url}?n=${number}`, { credentials: "same-origin" });
    const html = new DOMParser().parseFromString(await page.text(), "text/html");
    return html.getElementById(`p${number}`);
  }

  async function insert(number) {
    if (document.getElementById(`p${number}`)) return;
    const post = await fetchPost(number);
    if (!post || document.getElementById(`p${number}`)) return;
    post.classList.add("post--new");
    const later = [...section.querySelectorAll("article.post")].find(
      (other) => Number(other.id.slice(1)) > number,
    );
    if (later) later.before(post);
    else (section.querySelector("article.post:last-of-type") || notice).after(post);
  }

  // A deleted post is replaced by what the server shows now: the line saying it was deleted.
  async function replace(number) {
    const shown = document.getElementById(`p${number}`);
    if (!shown) return;
    const post = await fetchPost(number);
    if (post) shown.replaceWith(post);
    else shown.remove();
  }

  function arrived(upTo) {
    for (let number = highest + 1; number <= upTo; number += 1) {
      unseen += 1;
      queue = queue.then(() => insert(number));
    }
    highest = Math.max(highest, upTo);
    if (unseen) {
      notice.hidden = false;
      notice.textContent = notice.dataset.template.replace("%s", unseen);
    }
  }

  function connect(delay = 1000) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/topics/${section.dataset.topicLive}/`);
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "topic.state") arrived(frame.highest);
      if (frame.type === "post.created") arrived(frame.number);
      if (frame.type === "post.deleted") queue = queue.then(() => replace(frame.number));
      if (frame.type === "topic.solved") section.dataset.solved = String(frame.number);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401 || event.code === 4403) return;
      setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
    });
  }
  connect();
}

// Sign-up: the organization chooser shows only when the address needs it (the server says so
// for the address typed, and offers only the organizations an ambiguous name can mean).
// Without this script the chooser is always there, and the server checks it either way.
function setupOrganizationChooser() {
  const select = document.querySelector("select[data-organization-lookup]");
  const form = select && select.form;
  const email = form && form.querySelector('input[name="email"]');
  if (!email) return;
  const field = select.closest("p, .field") || select;
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  const show = (visible) => {
    field.hidden = !visible;
  };
  const offer = (ids) => {
    const allowed = ids && new Set(ids.map(String));
    select.querySelectorAll("option").forEach((option) => {
      const off = Boolean(allowed && option.value && !allowed.has(option.value));
      option.hidden = off;
      option.disabled = off;
    });
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = ![...group.children].some((option) => !option.hidden);
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "";
  };
  let asked = "";
  async function lookUp() {
    const address = email.value.trim();
    if (address === asked) return;
    asked = address;
    if (!address.includes("@")) return;
    const body = new FormData();
    body.append("email", address);
    if (token) body.append("csrfmiddlewaretoken", token.value);
    let answer;
    try {
      const response = await fetch(select.dataset.organizationLookup, {
        method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      answer = await response.json();
    } catch {
      show(true); // cannot tell: let the member choose, the server decides on sending
      return;
    }
    if (address !== email.value.trim()) return;
    offer(answer.organizations);
    show(answer.needed);
    if (!answer.needed) select.value = "";
  }
  // Shown from the start when the server already asked for a choice or one is made.
  show(select.value !== "" || select.getAttribute("aria-invalid") === "true");
  email.addEventListener("change", lookUp);
  email.addEventListener("blur", lookUp);
  if (email.value) lookUp();
}

// A form with data-confirm="…" asks before it is sent (the text comes from the template).
function setupConfirm() {
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
}

setupNavToggle();
setupConfirm();
setupOrganizationChooser();
followTopic();
setupSubmitOnce();
setupCodeInputs();
connectNotifications();
attachAllMentions();
setupMemberCards();
setupInstantSearch();
