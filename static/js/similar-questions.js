// Similar questions while a new topic's title is written: <section data-similar-questions=
// "<lookup url>" data-similar-for="<title input id>"> lists up to five topics the member may
// read that share words with the title (solved ones first, as the server orders them), each
// opening in a new tab. Words come from the section's data-similar-* attributes.

const DELAY_MS = 300;
const MIN_CHARS = 2;

function fill(text, value) {
  return (text || "").replace("%s", String(value));
}

// The server's highlighted title (escaped text and <mark>) as plain text: the list shows titles.
function plain(html) {
  return new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body.textContent;
}

function item(result, words) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = result.url;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = plain(result.title_html);
  const note = document.createElement("span");
  note.className = "visually-hidden";
  note.textContent = words.similarNewTab || "";
  link.append(note);
  if (result.solved) {
    const badge = document.createElement("span");
    badge.className = "tag tag--solved";
    badge.textContent = words.similarSolved || "";
    li.append(badge, " ");
  }
  li.append(link);
  if (result.group) {
    const group = document.createElement("span");
    group.className = "meta";
    group.textContent = ` ${result.group}`;
    li.append(group);
  }
  return li;
}

function attach(section) {
  const input = document.getElementById(section.dataset.similarFor);
  const list = section.querySelector("[data-similar-list]");
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  section.after(status);
  let timer = null;
  let controller = null;
  let shown = "";

  function show(results) {
    list.replaceChildren(...results.map((result) => item(result, section.dataset)));
    section.hidden = results.length === 0;
    status.textContent = results.length ? fill(section.dataset.similarCount, results.length) : "";
  }

  async function lookUp() {
    const title = input.value.trim();
    if (title === shown) return;
    controller?.abort();
    if (title.length < MIN_CHARS) {
      shown = title;
      show([]);
      return;
    }
    controller = new AbortController();
    const mine = controller;
    const url = new URL(section.dataset.similarQuestions, location.href);
    url.searchParams.set("title", title);
    try {
      const response = await fetch(url, {
        signal: mine.signal,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const found = await response.json();
      if (mine !== controller) return;
      shown = title;
      show(found.results || []);
    } catch (error) {
      if (error.name !== "AbortError" && mine === controller) show([]);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, DELAY_MS);
  });
  if (input.value.trim()) lookUp();
}

export function setupSimilarQuestions(root = document) {
  root.querySelectorAll("section[data-similar-questions]").forEach((section) => {
    if (!section.similarQuestions && document.getElementById(section.dataset.similarFor)) {
      section.similarQuestions = true;
      attach(section);
    }
  });
}

setupSimilarQuestions();
