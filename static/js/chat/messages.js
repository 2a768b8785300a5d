// The message list: rendering messages from their JSON, updates in place, the unread marker,
// jumping to a message, earlier messages, the announcement of newer ones, and the actions on a
// message (react, reply, edit, delete).

import { attachMentions } from "../mentions.js";
import { fill, isSendKey, part, seqOf } from "./util.js";

export class MessagesPart {
  renderInitial() {
    const data = document.getElementById("chat-initial-messages");
    const messages = JSON.parse(data.textContent);
    if (messages.length) this.replaceAll(messages);
  }

  replaceAll(messages) {
    this.messages.clear();
    const fragment = document.createDocumentFragment();
    messages.forEach((message) => fragment.append(this.messageElement(message)));
    this.list.replaceChildren(fragment);
    this.placeUnread();
  }

  messageElement(message) {
    this.messages.set(message.seq, message);
    const template = this.root.querySelector("[data-chat-message-template]");
    const item = template.content.firstElementChild.cloneNode(true);
    item.id = `m${message.seq}`;
    item.dataset.seq = message.seq;
    item.dataset.change = message.change;
    item.classList.toggle("chat__message--mine", message.author.id === this.viewer);
    item.classList.toggle("chat__message--deleted", message.deleted);
    const author = part(item, "author");
    author.textContent = message.author.name;
    author.href = this.root.dataset.memberUrl.replace("/0/", `/${message.author.id}/`);
    author.dataset.memberCard = this.root.dataset.memberCardUrl.replace("/0/", `/${message.author.id}/`);
    part(item, "link").href = `?seq=${message.seq}#m${message.seq}`;
    part(item, "time").dateTime = message.created_at;
    part(item, "time").textContent = this.timeFormat.format(new Date(message.created_at));
    part(item, "number").textContent = `#${message.seq}`;
    part(item, "edited").hidden = !message.edited || message.deleted;
    this.fillReply(item, message.reply_to);
    part(item, "body").innerHTML = message.deleted ? "" : message.body_html;
    part(item, "body").hidden = message.deleted;
    part(item, "tombstone").hidden = !message.deleted;
    this.fillActions(item, message);
    return item;
  }

  fillReply(item, replyTo) {
    const line = part(item, "reply");
    line.hidden = !replyTo;
    if (!replyTo) return;
    const link = part(item, "reply-link");
    link.href = `?seq=${replyTo.seq}#m${replyTo.seq}`;
    link.textContent = fill(this.text.reply, { name: replyTo.name, number: replyTo.seq });
  }

  fillActions(item, message) {
    const mine = message.author.id === this.viewer;
    const actions = part(item, "actions");
    actions.hidden = message.deleted;
    actions.querySelectorAll("[data-kind]").forEach((button) => {
      const members = message.reactions[button.dataset.kind] || [];
      part(button, "count").textContent = members.length ? String(members.length) : "";
      button.setAttribute("aria-pressed", String(members.includes(this.viewer)));
      button.disabled = !this.canSend; // the counts stay readable in a read-only room
    });
    const allowed = {
      reply: this.canSend,
      edit: this.canSend && mine,
      delete: (this.canSend && mine) || this.canModerate,
    };
    Object.entries(allowed).forEach(([action, allow]) => {
      actions.querySelector(`[data-action="${action}"]`).hidden = !allow;
    });
    const mute = part(item, "mute");
    mute.hidden = !this.mutesUrl || mine;
    if (!mute.hidden) mute.href = `${this.mutesUrl}?member=${encodeURIComponent(message.author.handle)}`;
    const flag = part(item, "flag");
    flag.hidden = !this.flagUrl || mine;
    if (!flag.hidden) flag.href = `${this.flagUrl}?seq=${message.seq}`;
  }

  add(message) {
    const existing = document.getElementById(`m${message.seq}`);
    if (existing) {
      this.update(message);
      return;
    }
    this.list.querySelector("[data-chat-empty]")?.remove();
    const item = this.messageElement(message);
    const last = this.lastMessage();
    if (!last || seqOf(last) < message.seq) this.list.append(item);
    else this.firstMessageAfter(message.seq).before(item);
    this.pendingList.querySelector(`[data-seq="${message.seq}"]`)?.remove();
  }

  update(message) {
    const existing = document.getElementById(`m${message.seq}`);
    if (!existing || Number(existing.dataset.change) >= message.change) return;
    if (existing.dataset.editing) {
      this.stashed.set(message.seq, message);
      return;
    }
    const focused = existing.contains(document.activeElement) && document.activeElement;
    const item = this.messageElement(message);
    existing.replaceWith(item);
    if (focused) this.refocus(item, focused);
  }

  refocus(item, focused) {
    const selector = focused.dataset.kind
      ? `[data-kind="${focused.dataset.kind}"]`
      : `[data-action="${focused.dataset.action}"]`;
    const again = item.querySelector(selector);
    if (again && !again.hidden) again.focus();
  }

  messageElements() {
    return this.list.querySelectorAll(".chat__message");
  }

  lastMessage() {
    const all = this.messageElements();
    return all[all.length - 1];
  }

  lowestSeq() {
    const first = this.list.querySelector(".chat__message");
    return first ? seqOf(first) : null;
  }

  firstMessageAfter(seq) {
    return [...this.messageElements()].find((other) => seqOf(other) > seq);
  }

  placeUnread() {
    this.list.querySelector("[data-chat-unread]")?.remove();
    const first = [...this.messageElements()].find(
      (item) => seqOf(item) > this.lastRead && seqOf(item) <= this.unreadUpTo,
    );
    if (!first) return;
    const divider = document.createElement("li");
    divider.className = "chat__unread";
    divider.dataset.chatUnread = "";
    divider.textContent = this.text.unread;
    first.before(divider);
  }

  targetSeq() {
    const hash = /^#m(\d+)$/.exec(location.hash);
    if (hash) return Number(hash[1]);
    const seq = new URLSearchParams(location.search).get("seq");
    return seq && /^\d+$/.test(seq) ? Number(seq) : null;
  }

  jumpToTarget() {
    const seq = this.targetSeq();
    const item = seq === null ? null : document.getElementById(`m${seq}`);
    if (!item) return false;
    this.highlight(item);
    return true;
  }

  highlight(item) {
    this.list.querySelector(".chat__message--target")?.classList.remove("chat__message--target");
    item.classList.add("chat__message--target");
    item.scrollIntoView({ block: "center" });
  }

  scrollToStart() {
    const divider = this.list.querySelector("[data-chat-unread]");
    if (divider) this.log.scrollTop = divider.offsetTop;
    else this.scrollToEnd();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  nearEnd() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
  }

  // A message that arrives while the member reads further up is announced, not scrolled to.
  setupNewer() {
    this.newer = this.root.querySelector("[data-chat-newer]");
    this.newer.addEventListener("click", () => {
      this.scrollToEnd();
      this.input?.focus();
    });
    this.log.addEventListener("scroll", () => {
      if (this.nearEnd()) this.newer.hidden = true;
    });
  }

  onListClick(event) {
    const link = event.target.closest(".chat__reply a");
    if (link) {
      this.followReplyLink(event, link);
      return;
    }
    const button = event.target.closest("button");
    const item = button?.closest(".chat__message");
    if (!item) return;
    const seq = seqOf(item);
    if (button.dataset.kind) this.act({ type: "react", seq, kind: button.dataset.kind });
    else if (button.dataset.action === "reply") this.startReply(seq);
    else if (button.dataset.action === "edit") this.startEdit(item);
    else if (button.dataset.action === "delete") this.confirmDelete(seq);
  }

  followReplyLink(event, link) {
    const target = document.getElementById(new URL(link.href).hash.slice(1));
    if (!target) return;
    event.preventDefault();
    history.replaceState(null, "", link.href);
    this.highlight(target);
  }

  confirmDelete(seq) {
    if (window.confirm(this.text.confirmDelete)) this.act({ type: "delete", seq });
  }

  // An action on a message needs the socket; without it the member is told, not ignored.
  act(frame) {
    if (this.transmit(frame)) return true;
    this.showError(this.text.notConnected);
    return false;
  }

  startEdit(item) {
    const seq = seqOf(item);
    const message = this.messages.get(seq);
    const template = this.root.querySelector("[data-chat-edit-template]");
    const editor = template.content.firstElementChild.cloneNode(true);
    const input = editor.querySelector("textarea");
    attachMentions(input);
    input.value = message.body ?? part(item, "body").innerText.trim();
    const before = input.value;
    item.dataset.editing = "true";
    part(item, "body").hidden = true;
    part(item, "actions").hidden = true;
    part(item, "body").after(editor);
    const save = () => {
      const changed = input.value.trim() && input.value !== before;
      if (changed && !this.act({ type: "edit", seq, body: input.value })) return;
      this.finishEdit(item, editor);
    };
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.finishEdit(item, editor);
      if (!isSendKey(event)) return;
      event.preventDefault();
      save();
    });
    editor.querySelector('[data-action="cancel"]').addEventListener("click", () => {
      this.finishEdit(item, editor);
    });
    input.focus();
  }

  finishEdit(item, editor) {
    editor.remove();
    delete item.dataset.editing;
    part(item, "body").hidden = false;
    part(item, "actions").hidden = false;
    part(item, "actions").querySelector('[data-action="edit"]').focus();
    const stashed = this.stashed.get(seqOf(item));
    this.stashed.delete(seqOf(item));
    if (stashed) this.update(stashed);
  }

  setupEarlier() {
    this.earlier = this.root.querySelector("[data-chat-earlier]");
    this.earlier.addEventListener("click", () => this.loadEarlier());
    this.showEarlierButton();
  }

  showEarlierButton() {
    const lowest = this.lowestSeq();
    this.earlier.hidden = lowest === null || lowest <= 1;
  }

  async loadEarlier() {
    this.earlier.disabled = true;
    try {
      const messages = await this.fetchMessages({ before: this.lowestSeq() });
      this.prepend(messages);
    } catch {
      this.showError(this.text.loadFailed);
    } finally {
      this.earlier.disabled = false;
      this.showEarlierButton();
      if (this.earlier.hidden) this.log.focus({ preventScroll: true });
    }
  }

  prepend(messages) {
    const fresh = messages.filter((message) => !document.getElementById(`m${message.seq}`));
    if (!fresh.length) return;
    const fragment = document.createDocumentFragment();
    fresh.forEach((message) => fragment.append(this.messageElement(message)));
    const height = this.log.scrollHeight;
    this.log.setAttribute("aria-busy", "true");
    this.list.prepend(fragment);
    this.placeUnread();
    this.log.scrollTop += this.log.scrollHeight - height;
    this.log.removeAttribute("aria-busy");
  }
}
