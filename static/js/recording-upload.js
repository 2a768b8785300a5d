// Recording upload (knowledge/recordings.py): the file goes in chunks, one request each, every
// chunk saying at which byte it starts. The server answers how many bytes it has; after a
// refused chunk, a dropped connection or a reload (the upload's id is kept in localStorage
// under the file's name, size and date) the upload goes on from there. Texts come from the page.

const RETRIES = 5;

function setup(form) {
  const fileInput = form.elements.namedItem("file");
  const titleInput = form.elements.namedItem("title");
  const button = form.querySelector("[data-upload-button]");
  const cancelButton = form.querySelector("[data-cancel-button]");
  const progress = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  const result = form.querySelector("[data-upload-result]");
  const link = form.querySelector("[data-upload-link]");
  const token = form.elements.namedItem("csrfmiddlewaretoken").value;
  const startUrl = form.dataset.startUrl;
  let controller = null;
  let current = null;

  form.hidden = false;

  function headers(extra = {}) {
    return { Accept: "application/json", "X-CSRFToken": token, ...extra };
  }

  async function call(url, options = {}) {
    const response = await fetch(url, { credentials: "same-origin", signal: controller.signal, ...options });
    let answer = {};
    try {
      answer = await response.json();
    } catch {
      answer = {};
    }
    return { response, answer };
  }

  function show(done, total) {
    const percent = total ? Math.floor((done * 100) / total) : 0;
    progress.hidden = false;
    progress.value = percent;
    status.textContent = form.dataset.textSending
      .replace("{percent}", `${percent}%`)
      .replace("{done}", megabytes(done))
      .replace("{total}", megabytes(total));
  }

  function megabytes(bytes) {
    return `${(bytes / 1048576).toFixed(1)} MB`;
  }

  function keyFor(file) {
    return `recording-upload:${file.name}:${file.size}:${file.lastModified}`;
  }

  async function resumeOrStart(file) {
    const saved = localStorage.getItem(keyFor(file));
    if (saved) {
      const { response, answer } = await call(`${startUrl}/${saved}`, { headers: headers() });
      if (response.ok && !answer.done) {
        status.textContent = form.dataset.textResuming;
        return answer;
      }
    }
    const { response, answer } = await call(startUrl, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ title: titleInput.value, name: file.name, size: file.size }),
    });
    if (!response.ok) throw new Error(answer.message || form.dataset.textFailed);
    localStorage.setItem(keyFor(file), answer.id);
    return answer;
  }

  async function sendChunk(url, file, offset, chunkBytes) {
    const body = file.slice(offset, offset + chunkBytes);
    return call(`${url}?offset=${offset}`, {
      method: "POST",
      headers: headers({ "Content-Type": "application/octet-stream" }),
      body,
    });
  }

  async function where(url) {
    const { response, answer } = await call(url, { headers: headers() });
    if (!response.ok) throw new Error(answer.message || form.dataset.textFailed);
    return answer;
  }

  async function upload(file) {
    const upload = await resumeOrStart(file);
    const url = `${startUrl}/${upload.id}`;
    current = url;
    let offset = upload.received;
    let failures = 0;
    show(offset, file.size);
    while (true) {
      let reply;
      try {
        reply = await sendChunk(url, file, offset, upload.chunk_bytes);
      } catch (error) {
        if (error.name === "AbortError" || ++failures > RETRIES) throw error;
        status.textContent = form.dataset.textRetrying;
        await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
        offset = (await where(url)).received;
        continue;
      }
      const { response, answer } = reply;
      if (response.ok) {
        failures = 0;
        offset = answer.received;
        show(offset, file.size);
        if (answer.done) return answer;
      } else if (response.status === 409 && typeof answer.received === "number") {
        // The server has more (or less) than we thought, or another tab is sending: go on from
        // where the server is.
        offset = answer.received;
        if (++failures > RETRIES) throw new Error(answer.message || form.dataset.textFailed);
        if (answer.error === "busy") await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
      } else if (response.status >= 500 && ++failures <= RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
        offset = (await where(url)).received;
      } else {
        localStorage.removeItem(keyFor(file));
        throw new Error(answer.message || form.dataset.textFailed);
      }
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file || !titleInput.value.trim()) {
      status.textContent = form.dataset.textChoose;
      return;
    }
    controller = new AbortController();
    button.disabled = true;
    cancelButton.hidden = false;
    result.hidden = true;
    try {
      const done = await upload(file);
      localStorage.removeItem(keyFor(file));
      status.textContent = form.dataset.textDone;
      link.textContent = done.title;
      link.href = done.url;
      result.hidden = false;
      form.reset();
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = error.message || form.dataset.textFailed;
    } finally {
      button.disabled = false;
      cancelButton.hidden = true;
      current = null;
    }
  });

  cancelButton.addEventListener("click", async () => {
    const url = current;
    const file = fileInput.files[0];
    if (controller) controller.abort();
    if (file) localStorage.removeItem(keyFor(file));
    progress.hidden = true;
    status.textContent = "";
    if (url) await fetch(url, { method: "DELETE", headers: headers(), credentials: "same-origin" });
  });
}

document.querySelectorAll("[data-recording-upload]").forEach(setup);
