// The chat room page (groups/chat/templates/chat/room.html) made live: messages over
// /ws/chat/<room>/ as docs/chat-protocol.md describes, sends that survive reconnects and
// reloads, history, edits, reactions, replies, the unread marker and who is here.
// Every text shown comes from the template, so it is translated there.

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const READ_DELAY_MS = 2000;
const CLOSED_FOR_GOOD = { 4401: "closedLogin", 4403: "closedForbidden" };
const FRAME_HANDLERS = {
  ready: "onReady",
  reload: "reload",
  message: "onMessage",
  "message.updated": "onUpdated",
  ack: "onAck",
  error: "onError",
  presence: "onPresence",
  "presence.changed": "onPresenceChanged",
  muted: "onMuted",
  unmuted: "onUnmuted",
};
// Refusals that sending again cannot mend: the text goes back into the box to be changed.
const REFUSED_FOR_GOOD = new Set(["empty", "too_long", "invalid", "muted", "forbidden"]);

function fill(text, values) {
  return text.replace(/%\((\w+)\)s|%s/g, (_match, name) => String(values[name ?? "s"]));
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// On a phone (no Shift key) Enter starts a new line and the send button sends.
const TOUCH_ONLY = window.matchMedia("(pointer: coarse)");

function isSendKey(event) {
  if (TOUCH_ONLY.matches) return false;
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229;
}

function part(element, name) {
  return element.querySelector(`[data-part="${name}"]`);
}

function seqOf(element) {
  return Number(element.dataset.seq);
}

class ChatRoom {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector("[data-chat-strings]").dataset;
    this.roomId = root.dataset.chatRoom;
    this.messagesUrl = root.dataset.messagesUrl;
    this.viewer = Number(root.dataset.viewer);
    this.canSend = root.dataset.canSend === "true";
    this.canModerate = root.dataset.canModerate === "true";
    this.mutesUrl = root.dataset.mutesUrl;
    this.flagUrl = root.dataset.flagUrl;
    this.bodyMax = Number(root.dataset.bodyMax);
    this.after = Number(root.dataset.after);
    this.changes = Number(root.dataset.changes);
    this.lastRead = Number(root.dataset.lastRead);
    this.unreadUpTo = this.after;
    this.readSent = this.after;
    this.log = root.querySelector("[data-chat-log]");
    this.list = root.querySelector("[data-chat-messages]");
    this.pendingList = root.querySelector("[data-chat-pending]");
    this.status = root.querySelector("[data-chat-status]");
    this.storageKey = `chat-pending-${this.roomId}`;
    this.pending = new Map();
    this.failed = new Map();
    this.messages = new Map();
    this.stashed = new Map();
    this.presence = new Map();
    this.queue = Promise.resolve();
    this.delay = RETRY_FIRST_MS;
    this.socket = null;
    this.ready = false;
    this.replyTo = null;
    this.nameOrder = new Intl.Collator(document.documentElement.lang || "ja");
    this.timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "ja", {
      timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
    });
  }

  start() {
    this.renderInitial();
    this.setupComposer();
    this.setupEarlier();
    this.setupPresence();
    this.setupNewer();
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.pendingList.addEventListener("click", (event) => this.onPendingClick(event));
    this.restorePending();
    if (!this.jumpToTarget()) this.scrollToStart();
    window.addEventListener("hashchange", () => this.jumpToTarget());
    document.addEventListener("visibilitychange", () => this.scheduleRead());
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => {
      if (!this.root.dataset.closed) this.setStatus("offline");
    });
    this.connect();
  }

  // --- rendering ------------------------------------------------------------------------

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
    part(item, "author").textContent = message.author.name;
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

  // --- scrolling and jumping ------------------------------------------------------------

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

  // --- the socket -----------------------------------------------------------------------

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ after: this.after, changes: this.changes });
    const socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${this.roomId}/?${query}`);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      const frame = JSON.parse(event.data);
      this.enqueue(() => this.handle(frame));
    });
    socket.addEventListener("close", (event) => {
      if (socket === this.socket) this.onClose(event.code);
    });
  }

  enqueue(task) {
    this.queue = this.queue.then(task).catch(() => this.showError(this.text.loadFailed));
  }

  handle(frame) {
    const method = FRAME_HANDLERS[frame.type];
    return method ? this[method](frame) : undefined;
  }

  transmit(frame) {
    if (!this.ready) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  onClose(code) {
    this.socket = null;
    this.ready = false;
    if (CLOSED_FOR_GOOD[code]) {
      this.setStatus(CLOSED_FOR_GOOD[code]);
      this.disableComposer();
      return;
    }
    this.setStatus(navigator.onLine ? "reconnecting" : "offline");
    this.retryLater();
  }

  retryLater() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.enqueue(() => this.connect()), this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }

  reconnectNow() {
    if (this.socket || this.root.dataset.closed) return;
    clearTimeout(this.retryTimer);
    this.delay = RETRY_FIRST_MS;
    this.enqueue(() => this.connect());
  }

  setStatus(name) {
    this.status.textContent = this.text[name];
    this.status.dataset.state = name;
  }

  onReady(frame) {
    this.ready = true;
    this.delay = RETRY_FIRST_MS;
    this.changes = Math.max(this.changes, frame.change);
    this.setStatus("connected");
    this.pending.forEach((item) => this.transmit({ type: "message", ...item }));
    this.scheduleRead();
  }

  async reload() {
    const socket = this.socket;
    this.socket = null;
    this.ready = false;
    socket?.close();
    try {
      const messages = await this.fetchMessages({});
      this.replaceAll(messages);
      this.after = messages.length ? messages[messages.length - 1].seq : 0;
      this.changes = Math.max(0, ...messages.map((message) => message.change));
      this.showEarlierButton();
      this.scrollToEnd();
    } catch {
      this.showError(this.text.loadFailed);
      this.retryLater();
      return;
    }
    this.connect();
  }

  async onMessage(message) {
    if (message.seq > this.after + 1) await this.fillGap(message.seq);
    const follow = this.nearEnd() || message.author.id === this.viewer;
    this.add(message);
    this.after = Math.max(this.after, message.seq);
    this.changes = Math.max(this.changes, message.change);
    if (follow) this.scrollToEnd();
    else if (message.author.id !== this.viewer) this.newer.hidden = false;
    this.scheduleRead();
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

  onUpdated(message) {
    this.update(message);
    this.changes = Math.max(this.changes, message.change);
  }

  async fillGap(before) {
    while (this.after + 1 < before) {
      const messages = await this.fetchMessages({ after: this.after, before });
      if (!messages.length) return;
      messages.forEach((message) => this.add(message));
      this.after = Math.max(this.after, messages[messages.length - 1].seq);
    }
  }

  async fetchMessages(params) {
    const query = new URLSearchParams(params);
    const response = await fetch(`${this.messagesUrl}?${query}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()).messages;
  }

  scheduleRead() {
    if (this.readTimer || this.after <= this.readSent) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      if (document.visibilityState !== "visible") return;
      const seq = this.after;
      if (seq > this.readSent && this.transmit({ type: "read", seq })) this.readSent = seq;
    }, READ_DELAY_MS);
  }

  // --- sending --------------------------------------------------------------------------

  setupComposer() {
    this.form = this.root.querySelector("[data-chat-composer]");
    if (!this.form) return;
    this.input = this.form.querySelector("textarea");
    this.errorLine = this.form.querySelector("[data-chat-error]");
    this.form.hidden = false;
    this.counter = this.form.querySelector("[data-chat-count]");
    this.input.addEventListener("input", () => this.showCount());
    this.input.addEventListener("keydown", (event) => {
      if (!isSendKey(event)) return;
      event.preventDefault();
      this.submit();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      delete this.form.dataset.sending;
      this.submit();
    });
    this.form.querySelector("[data-chat-reply-cancel]").addEventListener("click", () => {
      this.setReply(null);
      this.input.focus();
    });
  }

  disableComposer() {
    this.root.dataset.closed = "true";
    this.presenceBox.hidden = true;
    this.form?.querySelectorAll("textarea, button").forEach((control) => {
      control.disabled = true;
    });
  }

  submit() {
    const body = this.input.value;
    if (!body.trim() || this.input.disabled) return;
    if (body.length > this.bodyMax) {
      this.showError(fill(this.text.tooLong, { max: this.bodyMax, length: body.length }));
      return;
    }
    this.clearError();
    this.send({ client_id: newClientId(), body, reply_to: this.replyTo?.seq ?? null });
    this.input.value = "";
    this.showCount();
    this.setReply(null);
    this.input.focus();
  }

  // The count shows from 90% of the limit on, and says so when the text is over it.
  showCount() {
    const length = this.input.value.length;
    this.counter.hidden = length < this.bodyMax * 0.9;
    this.counter.textContent = fill(this.text.count, { length, max: this.bodyMax });
    this.counter.classList.toggle("error", length > this.bodyMax);
  }

  send(item) {
    this.pending.set(item.client_id, item);
    this.savePending();
    this.pendingList.append(this.pendingElement(item));
    this.scrollToEnd();
    this.transmit({ type: "message", ...item });
  }

  pendingElement(item) {
    const template = this.root.querySelector("[data-chat-pending-template]");
    const element = template.content.firstElementChild.cloneNode(true);
    element.dataset.clientId = item.client_id;
    part(element, "body").textContent = item.body;
    const replyTo = item.reply_to && this.messages.get(item.reply_to);
    part(element, "reply").hidden = !replyTo;
    if (replyTo) {
      part(element, "reply").textContent = fill(this.text.reply, {
        name: replyTo.author.name, number: replyTo.seq,
      });
    }
    return element;
  }

  pendingElementFor(clientId) {
    return [...this.pendingList.children].find((item) => item.dataset.clientId === clientId);
  }

  restorePending() {
    let saved = [];
    try {
      saved = JSON.parse(sessionStorage.getItem(this.storageKey) || "[]");
    } catch {
      saved = [];
    }
    saved.forEach((item) => {
      this.pending.set(item.client_id, item);
      this.pendingList.append(this.pendingElement(item));
    });
  }

  savePending() {
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify([...this.pending.values()]));
    } catch {
      // Storage full or switched off: pending messages then last as long as the page.
    }
  }

  onAck(frame) {
    this.pending.delete(frame.client_id);
    this.savePending();
    const element = this.pendingElementFor(frame.client_id);
    if (!element) return;
    if (document.getElementById(`m${frame.seq}`)) element.remove();
    else element.dataset.seq = frame.seq;
  }

  onError(frame) {
    this.showError(frame.message);
    if (!frame.client_id || !this.pending.has(frame.client_id)) return;
    const item = this.pending.get(frame.client_id);
    this.pending.delete(frame.client_id);
    this.savePending();
    const element = this.pendingElementFor(frame.client_id);
    if (REFUSED_FOR_GOOD.has(frame.code) && this.input && !this.input.value.trim()) {
      element?.remove();
      this.input.value = item.body;
      this.showCount();
      return;
    }
    this.failed.set(frame.client_id, item);
    if (!element) return;
    element.classList.add("chat__message--failed");
    part(element, "state").textContent = fill(this.text.failed, { s: frame.message });
    part(element, "actions").hidden = false;
  }

  onPendingClick(event) {
    const button = event.target.closest("button[data-action]");
    const element = button?.closest("[data-client-id]");
    const item = element && this.failed.get(element.dataset.clientId);
    if (!item) return;
    this.failed.delete(item.client_id);
    element.remove();
    this.clearError();
    if (button.dataset.action === "retry") this.send({ ...item, client_id: newClientId() });
    this.input?.focus();
  }

  showError(message) {
    if (!this.errorLine) return;
    this.errorLine.textContent = message;
    this.errorLine.hidden = false;
  }

  clearError() {
    if (!this.errorLine) return;
    this.errorLine.hidden = true;
    this.errorLine.textContent = "";
  }

  onMuted(frame) {
    this.setMuted(frame.message);
  }

  onUnmuted() {
    this.setMuted(null);
  }

  setMuted(message) {
    const notice = this.root.querySelector("[data-chat-muted]");
    notice.hidden = !message;
    notice.textContent = message || "";
    this.form?.querySelectorAll("textarea, button[type=submit]").forEach((control) => {
      control.disabled = Boolean(message);
    });
  }

  // --- actions on a message -------------------------------------------------------------

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

  startReply(seq) {
    const message = this.messages.get(seq);
    if (!message || !this.form) return;
    this.setReply({ seq, name: message.author.name });
    this.input.focus();
  }

  setReply(replyTo) {
    this.replyTo = replyTo;
    const banner = this.form.querySelector("[data-chat-replying]");
    banner.hidden = !replyTo;
    banner.querySelector("[data-chat-replying-text]").textContent = replyTo
      ? fill(this.text.reply, { name: replyTo.name, number: replyTo.seq })
      : "";
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

  // --- earlier messages -----------------------------------------------------------------

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

  // --- who is here ----------------------------------------------------------------------

  setupPresence() {
    this.presenceBox = this.root.querySelector("[data-chat-presence]");
    this.presenceBox.addEventListener("toggle", () => {
      if (this.presenceBox.open) this.transmit({ type: "presence" });
      this.renderPresenceList();
    });
  }

  // Members are listed by the reading of their names (kana), as the server sorts them.
  onPresence(frame) {
    const members = frame.members || [];
    this.presence = new Map(members.map((member) => [member.id, member]));
    this.showPresence();
  }

  onPresenceChanged(frame) {
    (frame.joined || []).forEach((member) => this.presence.set(member.id, member));
    (frame.left || []).forEach((id) => this.presence.delete(id));
    this.showPresence();
  }

  showPresence() {
    this.presenceBox.hidden = false;
    const count = this.presenceBox.querySelector("[data-chat-presence-count]");
    count.textContent = fill(this.text.presence, { s: this.presence.size });
    this.renderPresenceList();
  }

  renderPresenceList() {
    const list = this.presenceBox.querySelector("[data-chat-presence-list]");
    if (!this.presenceBox.open) {
      list.replaceChildren();
      return;
    }
    const members = [...this.presence.values()].sort(
      (a, b) => this.nameOrder.compare(a.kana || a.name, b.kana || b.name) || a.id - b.id,
    );
    const fragment = document.createDocumentFragment();
    members.forEach((member) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "chat__presence-name";
      name.textContent = member.name;
      item.append(name);
      if (member.organization) {
        const organization = document.createElement("span");
        organization.className = "meta";
        organization.textContent = member.organization;
        item.append(" ", organization);
      }
      fragment.append(item);
    });
    list.replaceChildren(fragment);
  }
}

const root = document.querySelector("[data-chat-room]");
if (root) new ChatRoom(root).start();
