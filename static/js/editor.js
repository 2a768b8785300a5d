// Writing helps for Markdown textareas (templates/includes/markdown_field.html, [data-md-editor]):
// a small toolbar (bold, link, list, quote, code), the 「プレビュー」 button shown in place
// instead of reloading the page, and 「引用して返信」 links that put a quote into the reply box.
// Every text shown comes from the page (data attributes); without this file the toolbar stays
// hidden, 「プレビュー」 re-renders the form on the server and the quote link opens the reply
// form already filled in. The textarea keeps its own keyboard handling (the @mention
// autocomplete attaches to it too): the toolbar only acts on its buttons' clicks.

const changed = (textarea) => textarea.dispatchEvent(new Event("input", { bubbles: true }));

// Put ``before``/``after`` around the selection (or ``empty`` when nothing is selected), and
// select what is now between them.
function wrap(textarea, before, after, empty = "") {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const inner = value.slice(start, end) || empty;
  textarea.setRangeText(before + inner + after, start, end, "end");
  textarea.setSelectionRange(start + before.length, start + before.length + inner.length);
}

// Start every selected line (or the caret's line) with ``prefix``.
function prefixLines(textarea, prefix) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const from = value.lastIndexOf("\n", start - 1) + 1;
  const lines = value.slice(from, end).split("\n").map((line) => prefix + line);
  const text = lines.join("\n");
  textarea.setRangeText(text, from, end, "end");
  textarea.setSelectionRange(from + text.length, from + text.length);
}

const ACTIONS = {
  bold: (textarea) => wrap(textarea, "**", "**"),
  link: (textarea) => {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const text = value.slice(start, end);
    if (/^https?:\/\/\S+$/.test(text)) wrap(textarea, "[](", ")");
    else {
      textarea.setRangeText(`[${text}](https://)`, start, end, "end");
      const url = start + text.length + 3;
      textarea.setSelectionRange(url, url + "https://".length);
    }
  },
  list: (textarea) => prefixLines(textarea, "- "),
  quote: (textarea) => prefixLines(textarea, "> "),
  code: (textarea) => {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    if (value.slice(start, end).includes("\n")) wrap(textarea, "```\n", "\n```");
    else wrap(textarea, "`", "`");
  },
};

async function showPreview(editor, textarea) {
  const pane = editor.querySelector("[data-md-preview]");
  const body = editor.querySelector("[data-md-preview-body]");
  const form = textarea.form;
  const data = new FormData();
  data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
  data.append("text", textarea.value);
  pane.hidden = false;
  pane.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(editor.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message || editor.dataset.previewError);
    if (answer.html.trim()) body.innerHTML = answer.html; // sanitised by the server (nh3)
    else body.textContent = editor.dataset.previewEmpty;
  } catch (error) {
    body.textContent = error instanceof SyntaxError ? editor.dataset.previewError : error.message;
  } finally {
    pane.removeAttribute("aria-busy");
  }
}

function setupEditor(editor) {
  const textarea = editor.querySelector("textarea");
  if (!textarea) return;
  const toolbar = editor.querySelector("[data-md-toolbar]");
  toolbar.hidden = false;
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-md]");
    if (!button) return;
    textarea.focus();
    ACTIONS[button.dataset.md](textarea);
    changed(textarea);
  });
  const previewButton = textarea.form && textarea.form.querySelector("[data-md-preview-button]");
  if (previewButton) {
    previewButton.addEventListener("click", (event) => {
      event.preventDefault();
      showPreview(editor, textarea);
    });
  }
}

// 「引用して返信」: the quote (author, link, text) goes into the reply box at the caret.
function setupQuotes() {
  const form = document.querySelector("#reply form");
  const textarea = form && form.querySelector("textarea[name=body]");
  if (!textarea) return;
  let caret = null; // where the caret was when the box lost focus; null: at the end
  textarea.addEventListener("blur", () => {
    caret = textarea.selectionEnd;
  });
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-quote-url]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    try {
      const response = await fetch(link.dataset.quoteUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const { text, number } = await response.json();
      const at = Math.min(caret ?? textarea.value.length, textarea.value.length);
      const gap = at > 0 && !textarea.value.slice(0, at).endsWith("\n\n") ? "\n\n" : "";
      textarea.setRangeText(gap + text, at, at, "end");
      const replyTo = form.querySelector("[name=reply_to]");
      if (replyTo) replyTo.value = String(number);
      textarea.focus();
      changed(textarea);
    } catch {
      window.location.href = link.href; // the server fills the reply form in
    }
  });
}

document.querySelectorAll("[data-md-editor]").forEach(setupEditor);
setupQuotes();
