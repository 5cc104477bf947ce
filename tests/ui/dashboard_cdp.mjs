// Drives the dashboard in headless Chromium through the DevTools protocol,
// with nothing but Node (>= 20, run with --experimental-websocket): no
// playwright, no npm install, so the test runs offline.
//
//   node --experimental-websocket dashboard_cdp.mjs URL IDS STOP_ID [SCREENSHOT] [TOKEN]
//
// Checks that the page lists every job of IDS (comma-separated) from the API,
// that the event stream is live, that the state filter and the id filter
// work, that a click on "stop" in STOP_ID's row stops that job (the row
// leaves "running" through the event stream and its order becomes "stop"),
// that the stopped job then shows no live figures but its time in state and
// its exit, that a running job shows live figures and sparkline scales, and
// that the job's log opens. With TOKEN it first signs in through the
// page's token prompt. Prints one JSON line; exit 0 = all good.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, idList, stopId, screenshot, token] = process.argv.slice(2);
if (!url || !idList || !stopId) {
  console.error("usage: dashboard_cdp.mjs URL IDS STOP_ID [SCREENSHOT] [TOKEN]");
  process.exit(2);
}
const ids = idList.split(",");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const profile = mkdtempSync(join(tmpdir(), "ffleet-ui-"));
const browser = spawn(process.env.CHROMIUM || "chromium", [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", `--user-data-dir=${profile}`, "--remote-debugging-port=0",
  "--window-size=1400,860", "about:blank",
], { stdio: "ignore" });

function finish(code, result) {
  console.log(JSON.stringify(result));
  browser.kill("SIGKILL");
  try { rmSync(profile, { recursive: true, force: true }); } catch (_) {}
  process.exit(code);
}
setTimeout(() => finish(1, { ok: false, error: "overall timeout (90 s)" }), 90000).unref();

// Waits for `probe` (async) to return a truthy value.
async function until(what, probe, ms = 30000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try { last = await probe(); if (last) return last; } catch (e) { last = String(e); }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

try {
  const portFile = join(profile, "DevToolsActivePort");
  await until("chromium's DevTools port", () => existsSync(portFile) && readFileSync(portFile, "utf8").includes("\n"));
  const port = readFileSync(portFile, "utf8").split("\n")[0];
  const targets = await until("a page target", async () =>
    (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).filter((t) => t.type === "page"));
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let nextId = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  };
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, (msg) => (msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result)));
    ws.send(JSON.stringify({ id, method, params }));
  });
  const js = async (expression) => {
    const r = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.text + " " + (r.exceptionDetails.exception?.description || ""));
    return r.result.value;
  };

  await send("Page.enable");
  await send("Runtime.enable");
  await send("Page.navigate", { url });
  if (token) {
    await until("the token prompt", () => js(`getComputedStyle(document.getElementById("login")).display === "flex"`));
    await js(`document.getElementById("tokenInput").value = ${JSON.stringify(token)};
              document.getElementById("loginForm").requestSubmit(); true`);
  }
  const rows = await until("every job in the table", async () => {
    const r = await js(`[...document.querySelectorAll("tr[data-job]")].map((tr) => [tr.dataset.job, tr.dataset.state])`);
    return ids.every((id) => r.some(([j]) => j === id)) ? r : false;
  });
  await until("the live event stream", () => js(`document.getElementById("conn").className === "live"`));

  // Filters: by id, then by state.
  const visible = `[...document.querySelectorAll("tr[data-job]")].filter((tr) => !tr.hidden).map((tr) => tr.dataset.job)`;
  // As a user would: set the control's value and fire its event.
  const set = (id, value, event) => js(`(() => { const e = document.getElementById(${JSON.stringify(id)});
    e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event(${JSON.stringify(event)})); return true; })()`);
  await set("filter", stopId, "input");
  const byId = await js(visible);
  if (byId.length !== 1 || byId[0] !== stopId) throw new Error("id filter shows " + JSON.stringify(byId));
  await set("filter", "", "input");
  await set("stateFilter", "running", "change");
  const byState = await js(visible);
  const running = rows.filter(([, s]) => s === "running").map(([j]) => j);
  if (byState.length === 0 || !byState.every((j) => running.includes(j))) throw new Error("state filter shows " + JSON.stringify(byState));
  await set("stateFilter", "", "change");

  // The click: stop one job; the row must follow through the event stream.
  const row = `document.querySelector('tr[data-job=${JSON.stringify(stopId)}]')`;
  await js(`${row}.querySelector('button[data-action="stop"]').click(); true`);
  const stopped = await until("the stopped job's row to leave running", () =>
    js(`${row}.dataset.state !== "running" && ${row}.dataset.state`));
  await until("the row's order to become stop", () => js(`${row}.children[4].textContent === "stop"`));
  const eventsSeen = await js(`document.getElementById("events").textContent.includes(${JSON.stringify(stopId)})`);
  if (!eventsSeen) throw new Error("the event panel never showed the stopped job");

  // The stopped job's figures are not shown as live; its row says since when
  // it is in its state and how its run ended.
  const cell = (r, n) => `${r}.children[${n}]`;  // 1: node (cluster only), 3: in state, 7-9: fps, speed, bitrate
  const honest = await until("the stopped job's figures to be marked not live, with its exit", () => js(`(() => {
    const figures = [7, 8, 9].map((n) => ${row}.children[n]);
    const note = ${row}.querySelector(".note").textContent;
    if (!figures.every((td) => td.dataset.live === "0" && td.textContent === "-")) return false;
    if (!/(exit|signal) [0-9]+/.test(note)) return false;
    const since = ${cell(row, 3)};
    if (!since.textContent || !since.title.includes("since")) return false;
    return { note, in_state: since.textContent, tooltip: figures[0].title };
  })()`));
  const other = ids.find((id) => id !== stopId && rows.some(([j, st]) => j === id && st === "running"));
  const otherRow = `document.querySelector('tr[data-job=${JSON.stringify(other)}]')`;
  const live = await until("a running job's live figures and its sparkline scales", () => js(`(() => {
    const fps = ${otherRow}.children[7];
    const cpuScale = ${otherRow}.querySelector(".cpu .scale").textContent;
    const memScale = ${otherRow}.querySelector(".mem .scale").textContent;
    if (fps.dataset.live !== "1" || !/^[0-9.]+$/.test(fps.textContent)) return false;
    if (!/^[0-9]+%$/.test(cpuScale) || !/^[0-9.]+[BKMGT]$/.test(memScale)) return false;
    return { fps: fps.textContent, cpu_scale: cpuScale, mem_scale: memScale };
  })()`));

  // The job's log in the side panel.
  await js(`${row}.querySelector("a.id").click(); true`);
  const log = await until("the job's log", () =>
    js(`(() => { const t = document.getElementById("detailBody").textContent; return t && !t.startsWith("error") && t; })()`));
  await js(`document.getElementById("detailClose").click(); true`);

  if (screenshot) {
    await sleep(4500);  // two refreshes: the sparklines have a few points
    const shot = await send("Page.captureScreenshot", { format: "png" });
    writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
  }
  finish(0, { ok: true, rows, stopped_state: stopped, stopped_row: honest, running_row: live, log_chars: log.length });
} catch (e) {
  finish(1, { ok: false, error: String(e.message || e) });
}
