// The chat room page (groups/chat/templates/chat/room.html) made live: messages over
// /ws/chat/<room>/ as docs/chat-protocol.md describes, sends that survive reconnects and
// reloads, history, edits, reactions, replies, the unread marker and who is here.
// Every text shown comes from the template, so it is translated there. The room is put
// together from the modules in chat/: the socket, the message list, the composer, presence;
// the @mention list is the one the post forms use (mentions.js).

import { ComposerPart } from "./chat/composer.js";
import { MessagesPart } from "./chat/messages.js";
import { PresencePart } from "./chat/presence.js";
import { RETRY_FIRST_MS, SocketPart } from "./chat/socket.js";

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
}

for (const piece of [SocketPart, MessagesPart, ComposerPart, PresencePart]) {
  for (const name of Object.getOwnPropertyNames(piece.prototype)) {
    if (name !== "constructor") {
      Object.defineProperty(ChatRoom.prototype, name, Object.getOwnPropertyDescriptor(piece.prototype, name));
    }
  }
}

const root = document.querySelector("[data-chat-room]");
if (root) new ChatRoom(root).start();
