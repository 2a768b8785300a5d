// The socket and resuming (docs/chat-protocol.md): connect with how far this page has got,
// fill gaps over HTTP, reconnect with backoff, and a status line that follows the socket.

export const RETRY_FIRST_MS = 1000;
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

export class SocketPart {
  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ after: this.after, changes: this.changes });
    const socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${this.roomId}/?${query}`);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.followSocket();
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
    if (this.root.dataset.closed) return;
    if (this.socket) {
      this.followSocket();
      return;
    }
    clearTimeout(this.retryTimer);
    this.delay = RETRY_FIRST_MS;
    this.enqueue(() => this.connect());
  }

  // The status says what the socket does: while it is open and ready (frames arriving, or the
  // network back before it ever closed) it says connected, whatever an "offline" event said.
  followSocket() {
    if (this.ready && this.socket?.readyState === WebSocket.OPEN && this.status.dataset.state !== "connected") {
      this.setStatus("connected");
    }
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
}
