// Results as you type in the header's search box (form[data-instant-search="<suggest url>"]),
// in the ARIA combobox pattern: the box keeps the focus and points at the highlighted option
// (aria-activedescendant). Up/down move, Enter opens the option (or, with none highlighted,
// sends the form to /search/), Escape closes. The last option leads to all the results. Without
// this script the box is a plain GET form to /search/. Words come from the form's data-instant-*.

const DELAY_MS = 150;

function fill(text, value) {
  return (text || "").replace("%s", String(value));
}

// The server's highlighted HTML (escaped text and <mark>) as nodes: text and <mark> only.
function marked(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const nodes = document.createDocumentFragment();
  parsed.body.childNodes.forEach((node) => {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.append(mark);
    } else {
      nodes.append(node.textContent);
    }
  });
  return nodes;
}

function part(className, content) {
  const span = document.createElement("span");
  span.className = className;
  span.append(content);
  return span;
}

class InstantSearch {
  constructor(form) {
    this.form = form;
    this.input = form.querySelector('input[name="q"]');
    this.words = form.dataset;
    this.items = [];
    this.shownFor = null; // the words this.items were found for
    this.active = -1;
    this.controller = null;
    this.list = document.createElement("ul");
    this.list.id = `${this.input.id}-results`;
    this.list.className = "instant-results";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", this.words.instantLabel || "");
    this.list.hidden = true;
    this.status = document.createElement("p");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    form.append(this.list, this.status);
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.list.id);
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => this.onKeydown(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.open(Number(option.dataset.index));
    });
  }

  schedule() {
    clearTimeout(this.timer);
    this.activate(-1); // Enter now means the new words, not the option shown for the old ones
    const q = this.input.value.trim();
    if (!q) {
      this.controller?.abort();
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.lookUp(q), DELAY_MS);
  }

  async lookUp(q) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const url = new URL(this.words.instantSearch, location.href);
    url.searchParams.set("q", q);
    try {
      const response = await fetch(url, {
        signal: controller.signal,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const found = await response.json();
      if (controller === this.controller && q === this.input.value.trim()) this.show(found, q);
    } catch (error) {
      if (error.name !== "AbortError" && controller === this.controller) this.close();
    }
  }

  show(found, q) {
    this.items = [...found.results, { url: found.url, all: true }];
    this.shownFor = q;
    this.list.replaceChildren(...this.items.map((item, index) => this.option(item, index)));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.activate(-1);
    this.status.textContent = found.results.length
      ? fill(this.words.instantCount, found.results.length)
      : this.words.instantNone || "";
  }

  option(item, index) {
    const option = document.createElement("li");
    option.id = `${this.list.id}-${index}`;
    option.dataset.index = String(index);
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.className = "instant-results__option";
    if (item.all) {
      option.classList.add("instant-results__all");
      option.append(this.words.instantAll || "");
      return option;
    }
    option.append(part("instant-results__kind", item.kind_label), " ");
    if (item.solved) option.append(part("tag tag--solved", this.words.instantSolved || ""), " ");
    option.append(part("instant-results__title", marked(item.title_html)));
    if (item.group) option.append(" ", part("instant-results__group meta", item.group));
    // Found by its text, not its title (a chat message's title is its room): the words in it.
    if (!item.title_html.includes("<mark>") && item.snippet_html) {
      option.append(part("instant-results__snippet meta", marked(item.snippet_html)));
    }
    return option;
  }

  activate(index) {
    const count = this.items.length;
    this.active = index < -1 ? count - 1 : index >= count ? -1 : index;
    this.list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === this.active));
    });
    const option = this.list.children[this.active];
    if (option) {
      this.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  close() {
    clearTimeout(this.timer);
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.activate(-1);
  }

  // Whether the options are those of the words in the box (not yet while new ones are looked up).
  current() {
    return this.items.length > 0 && this.shownFor === this.input.value.trim();
  }

  open(index) {
    const item = this.items[index];
    if (item) window.location.assign(item.url);
  }

  onKeydown(event) {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!this.current()) return;
      if (this.list.hidden) {
        this.list.hidden = false;
        this.input.setAttribute("aria-expanded", "true");
      }
      this.activate(this.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !this.list.hidden && this.active >= 0 && this.current()) {
      this.open(this.active);
    } else if (event.key === "Escape" && !this.list.hidden) {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }
}

export function setupInstantSearch(root = document) {
  root.querySelectorAll("form[data-instant-search]").forEach((form) => {
    if (!form.instantSearch && form.querySelector('input[name="q"]')) {
      form.instantSearch = new InstantSearch(form);
    }
  });
}
