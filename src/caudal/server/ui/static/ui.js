// caudal's web UI: small behaviours on server-rendered pages. No inline script anywhere
// (the Content-Security-Policy forbids it); every URL is relative to the page.
"use strict";

(function () {
  const body = document.body;
  const root = body.dataset.root || "./";
  const zone = body.dataset.zone || "UTC";

  // Forms that act at once: the time zone picker.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  // Buttons that ask first.
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }

  // Select every run of a list.
  for (const all of document.querySelectorAll("[data-select-all]")) {
    all.addEventListener("change", () => {
      for (const box of all.closest("table").querySelectorAll("input[name=run]")) {
        box.checked = all.checked;
      }
    });
  }

  // The Run form: check each value before anything is sent (the server checks again).
  const runForm = document.querySelector("form[data-run-form]");
  if (runForm) {
    runForm.addEventListener("submit", (event) => {
      let bad = null;
      for (const input of runForm.querySelectorAll("[data-kind]")) {
        const problem = checkValue(input);
        const field = input.closest(".field");
        field.classList.toggle("invalid", Boolean(problem));
        field.querySelector(".field-error").textContent = problem || "";
        if (problem && !bad) bad = input;
      }
      if (bad) {
        event.preventDefault();
        bad.focus();
      }
    });
  }

  function checkValue(input) {
    const text = input.value;
    const kind = input.dataset.kind;
    if (text.trim() === "") {
      return input.hasAttribute("data-required") ? "Required: give a value." : null;
    }
    if (kind === "int" && !/^\s*[-+]?\d+\s*$/.test(text)) return "Expected a whole number, such as 10.";
    if (kind === "float" && (text.trim() === "" || !isFinite(Number(text)))) return "Expected a number, such as 2.5.";
    if (kind === "json") {
      try { JSON.parse(text); } catch (error) {
        return "Expected JSON (a list, object, number, string in quotes, true, false or null).";
      }
    }
    return null;
  }

  const LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"};

  // Times of lines that arrive live, in the zone the page shows.
  const stamp = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });

  function cell(row, className, text) {
    const td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    row.appendChild(td);
  }

  // A live run: new log lines over Server-Sent Events, the rest of the page refreshed.
  const live = document.querySelector("[data-live-run]");
  if (live) {
    const runId = live.dataset.liveRun;
    const lines = live.querySelector("[data-log-lines]");
    const note = live.querySelector("[data-live-note]");
    let finished = live.dataset.finished === "true";
    let stream = null;
    let timer = null;

    // The parts the page holds, by fingerprint: the server sends only those that changed.
    const held = {};
    const refresh = async () => {
      try {
        const have = Object.entries(held).map(([name, print]) => `${name}:${print}`).join(",");
        const response = await fetch(
          `${root}flow-runs/${encodeURIComponent(runId)}/live?have=${encodeURIComponent(have)}`,
          {credentials: "same-origin"});
        if (!response.ok) return;
        const data = await response.json();
        for (const [name, html] of Object.entries(data.parts)) {
          const part = live.querySelector(`[data-part="${name}"]`);
          if (part) part.innerHTML = html;  // rendered and escaped by the server
        }
        Object.assign(held, data.fingerprints);
        if (data.finished && !finished) {
          finished = true;
          for (const button of live.querySelectorAll("button.danger")) button.disabled = true;
          if (note) note.textContent = "The run has finished.";
        }
      } catch (error) { /* the server is away: try again at the next tick */ }
      if (finished && timer) {
        clearInterval(timer);
        timer = null;
      }
    };

    const appendLines = (records) => {
      for (const record of records) {
        const row = document.createElement("tr");
        row.className = `lv-${record.level}`;
        cell(row, "ts", stamp.format(new Date(record.timestamp)).replace(",", ""));
        cell(row, "lv", LEVELS[record.level] || String(record.level));
        cell(row, "src", record.task_slug || record.name || "");
        cell(row, "msg", record.message);
        lines.appendChild(row);
      }
    };

    // A browser keeps six connections to a server: a stream held open by every hidden tab
    // would starve the visible one. Only a visible page follows; a hidden one stops, and
    // catches up from where it was when it is shown again.
    let cursor = live.dataset.logCursor || "";
    const follow = () => {
      if (finished || stream) return;
      const params = new URLSearchParams();
      if (cursor) params.set("cursor", cursor);
      if (live.dataset.logLevel) params.set("level", live.dataset.logLevel);
      if (live.dataset.logQuery) params.set("text", live.dataset.logQuery);
      stream = new EventSource(`${root}api/flow-runs/${encodeURIComponent(runId)}/logs/stream?${params}`);
      stream.addEventListener("logs", (event) => {
        if (event.lastEventId) cursor = event.lastEventId;
        appendLines(JSON.parse(event.data));
      });
      stream.addEventListener("state", () => refresh());
      stream.addEventListener("end", () => { stop(); refresh(); });
      timer = setInterval(refresh, 2000);
    };
    const stop = () => {
      if (stream) { stream.close(); stream = null; }
      if (timer) { clearInterval(timer); timer = null; }
    };
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        stop();
      } else if (!finished) {
        refresh();
        follow();
      }
    });
    if (document.visibilityState !== "hidden") follow();
  }

  // The timeline's mapped tasks: their children are drawn when asked for.
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a.expand, a.more");
    if (!link) return;
    const target = document.querySelector("[data-expanded]");
    if (!target) return;
    event.preventDefault();
    const href = link.getAttribute("href");
    const response = await fetch(href, {credentials: "same-origin"});
    if (!response.ok) return;
    const html = await response.text();
    if (link.classList.contains("more")) {
      link.insertAdjacentHTML("afterend", html);
      link.remove();
    } else {
      target.innerHTML = html;  // rendered and escaped by the server
      target.scrollIntoView({block: "nearest"});
    }
  });
})();
