// Small helpers the chat modules share.

export function fill(text, values) {
  return text.replace(/%\((\w+)\)s|%s/g, (_match, name) => String(values[name ?? "s"]));
}

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// On a phone (no Shift key) Enter starts a new line and the send button sends. A key another
// handler already took (the @mention list choosing a member) sends nothing.
const TOUCH_ONLY = window.matchMedia("(pointer: coarse)");

export function isSendKey(event) {
  if (TOUCH_ONLY.matches || event.defaultPrevented) return false;
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229;
}

export function part(element, name) {
  return element.querySelector(`[data-part="${name}"]`);
}

export function seqOf(element) {
  return Number(element.dataset.seq);
}
