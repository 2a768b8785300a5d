// The composer: what is typed and what is sent (each kept in sessionStorage, the sent until
// acknowledged, so a reload or a lost connection loses nothing), the length counter, errors,
// mutes and the reply banner.

import { fill, isSendKey, newClientId, part } from "./util.js";

// Refusals that sending again cannot mend: the text goes back into the box to be changed.
const REFUSED_FOR_GOOD = new Set(["empty", "too_long", "invalid", "muted", "forbidden"]);

export class ComposerPart {
  setupComposer() {
    this.form = this.root.querySelector("[data-chat-composer]");
    if (!this.form) return;
    this.input = this.form.querySelector("textarea");
    this.errorLine = this.form.querySelector("[data-chat-error]");
    this.form.hidden = false;
    this.counter = this.form.querySelector("[data-chat-count]");
    this.typedKey = `chat-typed-${this.roomId}`;
    this.restoreTyped();
    this.input.addEventListener("input", () => {
      this.showCount();
      this.saveTyped();
    });
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
    this.saveTyped();
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
    const saved = this.stored(() => JSON.parse(sessionStorage.getItem(this.storageKey) || "[]"));
    (saved || []).forEach((item) => {
      this.pending.set(item.client_id, item);
      this.pendingList.append(this.pendingElement(item));
    });
  }

  restoreTyped() {
    const typed = this.stored(() => sessionStorage.getItem(this.typedKey));
    if (typed && !this.input.value) {
      this.input.value = typed;
      this.showCount();
    }
  }

  saveTyped() {
    const typed = this.input.value;
    this.stored(() => typed.trim() ? sessionStorage.setItem(this.typedKey, typed)
      : sessionStorage.removeItem(this.typedKey));
  }

  // Storage full or switched off: what it keeps then lasts as long as the page.
  stored(use) {
    try {
      return use();
    } catch {
      return null;
    }
  }

  savePending() {
    const pending = JSON.stringify([...this.pending.values()]);
    this.stored(() => sessionStorage.setItem(this.storageKey, pending));
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
      this.saveTyped();
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
}
