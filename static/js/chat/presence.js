// Who is here: the presence list, opened on demand.

import { fill } from "./util.js";

export class PresencePart {
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
