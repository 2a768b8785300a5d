// Drafts (groups/drafts.py): a form with data-draft-url is saved on the server as the member
// types (a second after they stop), and when the page is left, so that a reload or another
// device finds the text again. The server keeps whichever save came last. Saves go one at a
// time; the one-time client_id lets the server refuse a save that arrives after the post was
// made. Texts come from the page (groups/_draft.html).

const DELAY = 1000;

function setupDraft(form) {
  const status = form.querySelector("[data-draft-status]");
  const discardLine = form.querySelector("[data-draft-discard-line]");
  const fields = ["title", "body"].map((name) => form.elements.namedItem(name)).filter(Boolean);
  let timer = null;
  let dirty = false;
  let sending = null;
  let submitted = false;

  function payload(extra = {}) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.namedItem("csrfmiddlewaretoken").value);
    data.append("via", "js");
    if (form.dataset.draftTopic) data.append("topic", form.dataset.draftTopic);
    const clientId = form.elements.namedItem("client_id");
    if (clientId) data.append("client_id", clientId.value);
    fields.forEach((field) => data.append(field.name, field.value));
    Object.entries(extra).forEach(([key, value]) => data.append(key, value));
    return data;
  }

  async function send(extra) {
    dirty = false;
    const response = await fetch(form.dataset.draftUrl, {
      method: "POST",
      body: payload(extra),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message || status.dataset.errorText);
    return answer;
  }

  async function save(extra = {}) {
    if (submitted) return;
    while (sending) await sending; // one save at a time, in order
    sending = send(extra)
      .then((answer) => {
        if (answer.saved) status.textContent = status.dataset.savedTemplate.replace("%s", answer.updated_label);
        else status.textContent = "";
        discardLine.hidden = !answer.saved;
      })
      .catch(() => {
        dirty = true; // tried again at the next change or when the page is left
        status.textContent = status.dataset.errorText;
      })
      .finally(() => {
        sending = null;
      });
    await sending;
  }

  fields.forEach((field) =>
    field.addEventListener("input", () => {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(() => save(), DELAY);
    }),
  );

  // Leaving the page: what was typed since the last save goes in one last request.
  const flush = () => {
    if (!dirty || submitted) return;
    clearTimeout(timer);
    dirty = false;
    navigator.sendBeacon(form.dataset.draftUrl, payload());
  };
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush();
  });

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.hasAttribute("data-draft-discard")) {
      event.preventDefault();
      delete form.dataset.sending; // site.js marks a form as sent; this one was not
      clearTimeout(timer);
      fields.forEach((field) => {
        field.value = "";
      });
      save({ discard: "1" });
      return;
    }
    if (button && button.name === "preview") return;
    clearTimeout(timer);
    submitted = true; // the post replaces the draft; nothing is saved after this
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) submitted = false;
  });
}

document.querySelectorAll("form[data-draft-url]").forEach(setupDraft);
