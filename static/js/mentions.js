// @mention autocomplete for any textarea with data-mention-autocomplete="<lookup url>": the post
// composer (reply, new topic, edit) and the chat composer share this one module. Typing "@" and
// part of a name, reading (かな, カナ or romaji), handle or organization lists members (the
// group's first); up/down moves, Enter or Tab writes "@handle ", Escape closes. The textarea
// keeps the focus and points at the highlighted option (aria-activedescendant), as in the
// ARIA listbox pattern. Words come from the textarea's data-mention-* attributes.

const DELAY_MS = 150;
const QUERY = /(?:^|[^\p{L}\p{N}_])[@＠]([^\s@＠]{0,40})$/u;
let lists = 0;

function fill(text, value) {
  return (text || "").replace("%s", String(value));
}

class MentionAutocomplete {
  constructor(input) {
    this.input = input;
    this.url = input.dataset.mentionAutocomplete;
    this.options = [];
    this.active = -1;
    this.query = null;
    this.asked = 0;
    lists += 1;
    this.list = document.createElement("ul");
    this.list.id = `mention-list-${lists}`;
    this.list.className = "mention-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", input.dataset.mentionLabel || "");
    this.list.hidden = true;
    this.status = document.createElement("p");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    input.after(this.list, this.status);
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", this.list.id);
    // Capture: the box's own Enter handling (chat sends on Enter) comes after a choice.
    input.addEventListener("keydown", (event) => this.onKeydown(event), { capture: true });
    input.addEventListener("input", () => this.onInput());
    input.addEventListener("click", () => this.onInput());
    input.addEventListener("keyup", (event) => {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) this.onInput();
    });
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(Number(option.dataset.index));
    });
  }

  currentQuery() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    if (this.input.selectionStart !== this.input.selectionEnd) return null;
    const match = QUERY.exec(before);
    return match ? match[1] : null;
  }

  onInput() {
    const query = this.currentQuery();
    if (query === null) {
      this.close();
      return;
    }
    if (query === this.query && !this.list.hidden) return;
    this.query = query;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.lookUp(query), DELAY_MS);
  }

  async lookUp(query) {
    this.asked += 1;
    const asked = this.asked;
    let members = [];
    try {
      const url = new URL(this.url, location.href);
      url.searchParams.set("q", query);
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      members = (await response.json()).members || [];
    } catch {
      members = [];
    }
    if (asked !== this.asked || this.currentQuery() !== query) return;
    this.show(members);
  }

  show(members) {
    this.options = members;
    this.list.replaceChildren(
      ...members.map((member, index) => {
        const option = document.createElement("li");
        option.id = `${this.list.id}-${index}`;
        option.dataset.index = String(index);
        option.setAttribute("role", "option");
        option.className = "mention-list__option";
        const name = document.createElement("span");
        name.className = "mention-list__name";
        name.textContent = member.name;
        const handle = document.createElement("span");
        handle.className = "mention-list__handle";
        handle.textContent = `@${member.handle}`;
        const organization = document.createElement("span");
        organization.className = "meta";
        organization.textContent = member.organization;
        option.append(name, " ", handle, " ", organization);
        return option;
      }),
    );
    if (!members.length) {
      this.close();
      if (this.query) this.status.textContent = this.input.dataset.mentionNone || "";
      return;
    }
    this.list.hidden = false;
    this.status.textContent = fill(this.input.dataset.mentionCount, members.length);
    this.activate(0);
  }

  activate(index) {
    this.active = (index + this.options.length) % this.options.length;
    this.list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === this.active));
    });
    const option = this.list.children[this.active];
    this.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  close() {
    clearTimeout(this.timer);
    this.asked += 1;
    this.query = null;
    this.options = [];
    this.active = -1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.removeAttribute("aria-activedescendant");
  }

  onKeydown(event) {
    if (this.list.hidden || event.isComposing || event.keyCode === 229) return;
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves) {
      this.activate(this.active + moves[event.key]);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      this.choose(this.active);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // "@yam" before the caret becomes "@yamada-hanako ", and the caret goes after it.
  choose(index) {
    const member = this.options[index];
    if (!member) return;
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret).replace(/[@＠][^\s@＠]*$/u, "");
    const written = `@${member.handle} `;
    this.input.value = before + written + this.input.value.slice(caret);
    const at = before.length + written.length;
    this.input.setSelectionRange(at, at);
    this.close();
    this.input.focus();
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

export function attachMentions(input) {
  if (!input?.dataset.mentionAutocomplete || input.mentionAutocomplete) return;
  input.mentionAutocomplete = new MentionAutocomplete(input);
}

export function attachAllMentions(root = document) {
  root.querySelectorAll("textarea[data-mention-autocomplete]").forEach(attachMentions);
}
