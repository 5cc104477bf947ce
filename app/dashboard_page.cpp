// The dashboard page, embedded in the binary. It lists the jobs live: the
// event stream (/api/v1/events, read with fetch so it can carry the bearer
// token, which EventSource cannot) moves states at once, and /api/v1/jobs is
// polled every two seconds for the numbers and the sparklines. Rows are kept
// by job id and updated in place, so a fleet of a thousand jobs stays cheap
// to redraw. Only a running job shows live figures (fps, speed, bitrate); any
// other shows "-" and the time in its state and how its last run ended.
// Sparklines carry their scale (the value of their top line). Hooks for
// tests: tr[data-job][data-state], td[data-live], button[data-action],
// .scale, body[data-ready].
#include "app/dashboard_page.hpp"

namespace ffleet {

namespace {

const char page[] = R"FFLEET(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ffleet</title>
<link rel="icon" href="data:,">
<style>
:root { --bg:#0f1419; --panel:#171e26; --line:#27313d; --text:#d8dee6; --dim:#8593a3;
  --finished:#7d8896; --starting:#4aa3ff; --running:#3ecf71; --finishing:#e8b84a; --failed:#ff5a5a; --killed:#c77dff; }
* { box-sizing: border-box; }
body { margin:0; font:13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; flex-wrap:wrap; gap:12px; align-items:center; padding:10px 16px; background:var(--panel); border-bottom:1px solid var(--line); position:sticky; top:0; z-index:2; }
h1 { font-size:16px; margin:0 8px 0 0; letter-spacing:.5px; }
.chips { display:flex; gap:6px; flex-wrap:wrap; }
.chip { border:1px solid var(--line); border-radius:12px; padding:2px 10px; cursor:pointer; user-select:none; }
.chip.on { border-color:var(--text); }
.chip b { font-weight:600; }
input, select, button { font:inherit; color:var(--text); background:#0c1116; border:1px solid var(--line); border-radius:4px; padding:4px 8px; }
button { cursor:pointer; }
button:hover { border-color:var(--dim); }
button:disabled { opacity:.4; cursor:default; }
#conn { margin-left:auto; color:var(--dim); }
#conn.live::before { content:"● "; color:var(--running); }
#conn.down::before { content:"● "; color:var(--failed); }
main { padding:8px 16px 40px; }
table { width:100%; border-collapse:collapse; }
th { text-align:left; color:var(--dim); font-weight:500; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
td { padding:5px 8px; border-bottom:1px solid var(--line); white-space:nowrap; vertical-align:middle; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
td.last { max-width:0; width:40%; overflow:hidden; text-overflow:ellipsis; color:var(--dim); font-family:ui-monospace, monospace; font-size:12px; }
tr:hover td { background:#131a21; }
.id { color:var(--text); text-decoration:none; font-weight:600; cursor:pointer; }
.id:hover { text-decoration:underline; }
.badge { display:inline-block; min-width:74px; text-align:center; border-radius:10px; padding:1px 8px; font-size:12px; color:#0b0f13; font-weight:600; }
.s-finished { background:var(--finished); } .s-starting { background:var(--starting); } .s-running { background:var(--running); }
.s-finishing { background:var(--finishing); } .s-failed { background:var(--failed); } .s-killed { background:var(--killed); }
.note { color:var(--dim); font-size:11px; margin-left:4px; }
.spark { display:inline-flex; align-items:center; gap:6px; }
.spark svg { flex:none; width:64px; height:18px; background:#0c1116; border-radius:2px; }
.spark > span.value { min-width:44px; text-align:right; font-variant-numeric:tabular-nums; }
.spark .scale { color:var(--dim); font-size:10px; min-width:30px; font-variant-numeric:tabular-nums; }
.since { color:var(--dim); }
.spark polyline { fill:none; stroke-width:1.5; }
.cpu polyline { stroke:var(--starting); } .mem polyline { stroke:var(--killed); }
.acts button { padding:2px 7px; font-size:12px; }
aside { position:fixed; top:0; right:0; bottom:0; width:min(760px, 100%); background:var(--panel); border-left:1px solid var(--line); display:none; flex-direction:column; z-index:3; }
aside.open { display:flex; }
aside header { position:static; }
aside .tabs button.on { border-color:var(--text); }
aside pre { margin:0; padding:12px 16px; overflow:auto; flex:1; font:12px/1.45 ui-monospace, monospace; white-space:pre-wrap; word-break:break-all; }
#events { position:fixed; left:0; right:0; bottom:0; max-height:92px; overflow:auto; background:var(--panel); border-top:1px solid var(--line); padding:4px 16px; font:11px/1.5 ui-monospace, monospace; color:var(--dim); }
#toast { position:fixed; right:16px; bottom:104px; background:#222c37; border:1px solid var(--line); border-radius:6px; padding:8px 12px; display:none; z-index:4; }
#login { position:fixed; inset:0; background:rgba(0,0,0,.6); display:none; align-items:center; justify-content:center; z-index:5; }
#login form { background:var(--panel); padding:20px; border:1px solid var(--line); border-radius:8px; display:flex; flex-direction:column; gap:10px; width:340px; }
.empty { color:var(--dim); padding:24px 8px; }
.nodecol { display:none; } body.cluster .nodecol { display:table-cell; }
#nodes { display:none; gap:6px; flex-wrap:wrap; padding:6px 16px 0; } body.cluster #nodes { display:flex; }
.node { border:1px solid var(--line); border-radius:10px; padding:1px 8px; font-size:12px; }
.node.ready .dot { color:var(--running); } .node.draining .dot { color:var(--finishing); }
.node.unreachable .dot, .node.down .dot { color:var(--failed); }
</style>
</head>
<body>
<header>
  <h1>ffleet</h1>
  <div class="chips" id="chips"></div>
  <input id="filter" type="search" placeholder="filter by id" size="18">
  <select id="stateFilter"><option value="">all states</option></select>
  <button id="reload" title="Read the job file again">reload job file</button>
  <span id="conn" class="down">connecting</span>
</header>
<div id="nodes" title="the cluster's nodes: state, jobs placed"></div>
<main>
  <table>
    <thead><tr>
      <th>job</th><th class="nodecol" title="the cluster node that runs the job">node</th><th>state</th><th title="time in the current state">in state</th><th>order</th><th>pid</th><th>uptime</th>
      <th>fps</th><th>speed</th><th>bitrate</th>
      <th title="last 2 minutes; the small figure is the top of the scale">cpu</th>
      <th title="last 2 minutes; the small figure is the top of the scale">memory</th><th>restarts</th><th>last line</th><th></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  <div class="empty" id="empty" hidden>No jobs.</div>
</main>
<aside id="detail">
  <header>
    <h1 id="detailTitle"></h1>
    <span class="tabs"><button data-tab="log" class="on">log</button> <button data-tab="report">run history</button></span>
    <button id="detailRefresh">refresh</button>
    <button id="detailClose" style="margin-left:auto">close</button>
  </header>
  <pre id="detailBody"></pre>
</aside>
<div id="events"></div>
<div id="toast"></div>
<div id="login"><form id="loginForm">
  <b>This fleet requires a token</b>
  <input id="tokenInput" type="password" placeholder="control token" autocomplete="current-password">
  <button type="submit">sign in</button>
</form></div>
<script>
"use strict";
const STATES = ["finished", "starting", "running", "finishing", "failed", "killed"];
const HISTORY = 60;           // sparkline points (one per refresh)
const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);
const app = {
  token: sessionStorage.getItem("ffleet-token") || "",
  jobs: new Map(),            // id -> status object (docs/control.md)
  rows: new Map(),            // id -> {tr, cells}
  hist: new Map(),            // id -> {cpu: [], mem: []}
  filter: "", stateFilter: "", detail: null, tab: "log",
};

function headers() {
  const h = { "Accept": "application/json" };
  if (app.token) h["Authorization"] = "Bearer " + app.token;
  return h;
}
async function api(path, method) {
  const res = await fetch(path, { method: method || "GET", headers: headers() });
  if (res.status === 401) { askToken(); throw new Error("unauthorized"); }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
function askToken() {
  $("login").style.display = "flex";
  $("tokenInput").focus();
}
$("loginForm").addEventListener("submit", (ev) => {
  ev.preventDefault();
  app.token = $("tokenInput").value.trim();
  sessionStorage.setItem("ffleet-token", app.token);
  $("login").style.display = "none";
  refresh();
  streamEvents();
});

// ---- formatting -------------------------------------------------------------
function duration(s) {
  if (s == null || !(s >= 0)) return "-";
  s = Math.floor(s);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h" + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
  return Math.floor(s / 86400) + "d" + String(Math.floor(s / 3600) % 24).padStart(2, "0") + "h";
}
function bytes(b) {
  const u = ["B", "K", "M", "G", "T"]; let i = 0;
  while (b >= 1024 && i < 4) { b /= 1024; i++; }
  return (i === 0 ? Math.round(b) : b < 10 ? b.toFixed(1) : Math.round(b)) + u[i];
}
// The scale's top: the largest value, at least `floor`, rounded up so the
// label reads well: to 1, 2 or 5 times a power of ten (percent), or to a
// power of two (bytes).
function decimalTop(max) {
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}
function binaryTop(max) { return Math.pow(2, Math.ceil(Math.log2(max))); }
function spark(box, values, floor, top, label) {
  const svg = box.firstChild;
  const max = top(Math.max(floor, ...values));
  const n = values.length;
  box.querySelector(".scale").textContent = label(max);
  svg.querySelector("title").textContent = "last " + Math.round((HISTORY * REFRESH_MS) / 60000) + " minutes, top " + label(max);
  // Newest point at the right edge; older ones step left.
  const pts = values.map((v, i) => (64 - ((n - 1 - i) * 64) / (HISTORY - 1)).toFixed(1) + "," + (17 - (v / max) * 16).toFixed(1));
  svg.querySelector("polyline").setAttribute("points", pts.join(" "));
}
function toast(text) {
  const t = $("toast"); t.textContent = text; t.style.display = "block";
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.style.display = "none"), 3500);
}

// ---- rows -------------------------------------------------------------------
function svg(cls) {
  const span = document.createElement("span"); span.className = "spark " + cls;
  span.innerHTML = '<svg viewBox="0 0 64 18" preserveAspectRatio="none"><title></title><polyline points=""/></svg>' +
    '<span class="scale"></span><span class="value"></span>';
  return span;
}
function makeRow(id) {
  const tr = document.createElement("tr");
  tr.dataset.job = id;
  const c = {};
  for (const name of ["id", "node", "state", "since", "order", "pid", "uptime", "fps", "speed", "bitrate", "cpu", "mem", "restarts", "last", "acts"]) {
    c[name] = document.createElement("td"); tr.appendChild(c[name]);
  }
  for (const n of ["pid", "uptime", "fps", "speed", "bitrate", "restarts"]) c[n].className = "num";
  c.since.className = "num since"; c.node.className = "nodecol";
  c.last.className = "last"; c.acts.className = "acts";
  const a = document.createElement("a"); a.className = "id"; a.textContent = id; a.onclick = () => openDetail(id);
  c.id.appendChild(a);
  c.badge = document.createElement("span"); c.note = document.createElement("span"); c.note.className = "note";
  c.state.append(c.badge, c.note);
  c.cpuSpark = svg("cpu"); c.memSpark = svg("mem"); c.cpu.appendChild(c.cpuSpark); c.mem.appendChild(c.memSpark);
  for (const action of ["start", "stop", "restart"]) {
    const b = document.createElement("button"); b.textContent = action; b.dataset.action = action;
    b.onclick = () => command(id, action, b); c.acts.appendChild(b); c.acts.append(" ");
  }
  return { tr, c };
}
function renderRow(job) {
  let row = app.rows.get(job.id);
  if (!row) { row = makeRow(job.id); app.rows.set(job.id, row); }
  const c = row.c, p = job.progress, running = job.pid != null;
  // Figures of a run are live only while it runs: a stopped job's last fps
  // would read as a live one. They stay in the tooltip, marked as the last.
  const live = job.state === "running" && p != null;
  row.tr.dataset.state = job.state;
  c.badge.className = "badge s-" + job.state; c.badge.textContent = job.state;
  c.note.textContent = [job.gave_up ? "gave up" : job.reconnect_in_s != null ? "retry " + Math.ceil(job.reconnect_in_s) + "s" : "",
    running ? "" : exitText(job)].filter(Boolean).join(", ");
  c.since.textContent = duration(job.duration_s);
  c.since.title = "in " + job.state + " since " + new Date(job.since).toLocaleString();
  // A cluster's status names the node (null while pending, with the reason).
  c.node.textContent = job.node || (job.placement ? "pending" : "-");
  c.node.title = job.placement || "";
  c.order.textContent = job.order;
  c.pid.textContent = running ? job.pid : "-";
  c.uptime.textContent = running ? duration(job.uptime_s) : "-";
  c.fps.textContent = live ? p.fps.toFixed(1) : "-";
  c.speed.textContent = live ? p.speed.toFixed(2) + "x" : "-";
  c.bitrate.textContent = live ? p.bitrate_kbps.toFixed(0) + "k" : "-";
  for (const n of ["fps", "speed", "bitrate"]) c[n].dataset.live = live ? "1" : "0";
  const last = !live && p ? "last run: " + p.fps.toFixed(1) + " fps, " + p.speed.toFixed(2) + "x, " + p.bitrate_kbps.toFixed(0) + " kbit/s" : "";
  for (const n of ["fps", "speed", "bitrate"]) c[n].title = last;
  c.cpuSpark.lastChild.textContent = running ? (job.cpu_percent || 0).toFixed(1) + "%" : "-";
  c.memSpark.lastChild.textContent = running ? bytes(job.memory_bytes || 0) : "-";
  c.restarts.textContent = job.restarts != null ? job.restarts : "";
  c.last.textContent = job.last_line || ""; c.last.title = job.last_line || "";
  const h = app.hist.get(job.id);
  if (h) {
    spark(c.cpuSpark, h.cpu, 100, decimalTop, (v) => v + "%");
    spark(c.memSpark, h.mem, 1024 * 1024, binaryTop, bytes);
  }
  c.acts.children[0].disabled = job.order === "start";
  c.acts.children[1].disabled = job.order === "stop" && !running;
  applyFilter(row.tr, job);
}
// How the last run ended, for a job whose process is gone.
function exitText(job) {
  if (job.exit_signal != null) return "signal " + job.exit_signal;
  if (job.exit_code != null) return "exit " + job.exit_code;
  return "";
}
function applyFilter(tr, job) {
  tr.hidden = (app.filter && !job.id.toLowerCase().includes(app.filter)) || (app.stateFilter && job.state !== app.stateFilter);
}
function renderChips() {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const j of app.jobs.values()) counts[j.state]++;
  const chips = $("chips"); chips.textContent = "";
  for (const s of STATES) {
    const chip = document.createElement("span");
    chip.className = "chip" + (app.stateFilter === s ? " on" : "");
    chip.innerHTML = '<span class="badge s-' + s + '" style="min-width:0">' + s + "</span> <b>" + counts[s] + "</b>";
    chip.onclick = () => { app.stateFilter = app.stateFilter === s ? "" : s; $("stateFilter").value = app.stateFilter; refilter(); };
    chips.appendChild(chip);
  }
}
function refilter() {
  for (const [id, row] of app.rows) applyFilter(row.tr, app.jobs.get(id));
  renderChips();
}
function update(list) {
  const seen = new Set();
  const tbody = $("rows");
  list.forEach((job, i) => {
    seen.add(job.id);
    app.jobs.set(job.id, job);
    let h = app.hist.get(job.id);
    if (!h) { h = { cpu: [], mem: [] }; app.hist.set(job.id, h); }
    h.cpu.push(job.pid != null ? job.cpu_percent || 0 : 0); h.mem.push(job.pid != null ? job.memory_bytes || 0 : 0);
    if (h.cpu.length > HISTORY) { h.cpu.shift(); h.mem.shift(); }
    renderRow(job);
    const tr = app.rows.get(job.id).tr;
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null);
  });
  for (const id of [...app.rows.keys()]) {
    if (seen.has(id)) continue;
    app.rows.get(id).tr.remove(); app.rows.delete(id); app.jobs.delete(id); app.hist.delete(id);
  }
  $("empty").hidden = list.length > 0;
  renderChips();
  document.body.classList.toggle("cluster", list.some((job) => "node" in job));
}
function renderNodes(nodes) {
  const strip = $("nodes");
  strip.replaceChildren(...nodes.map((n) => {
    const chip = document.createElement("span");
    chip.className = "node " + n.state; chip.dataset.node = n.name;
    const dot = document.createElement("span"); dot.className = "dot"; dot.textContent = "● ";
    chip.append(dot, n.name + (n.leader ? " (leader)" : "") + " · " + n.state + " · " + n.jobs + (n.jobs === 1 ? " job" : " jobs"));
    chip.title = n.address + (n.capacity != null ? ", capacity " + n.capacity : "") +
      (Object.keys(n.labels || {}).length ? ", labels " + JSON.stringify(n.labels) : "");
    return chip;
  }));
}
async function refresh() {
  try {
    update(await api("/api/v1/jobs"));
    if (document.body.classList.contains("cluster")) renderNodes(await api("/api/v1/nodes"));
    document.body.dataset.ready = "1";
  } catch (e) { if (e.message !== "unauthorized") $("conn").textContent = "fleet unreachable: " + e.message; }
}
async function command(id, action, button) {
  if (button) button.disabled = true;
  try {
    const r = await api("/api/v1/jobs/" + encodeURIComponent(id) + "/" + action, "POST");
    toast(id + ": " + r.message);
  } catch (e) { toast(id + ": " + e.message); }
  refresh();
}
$("reload").onclick = async () => {
  try {
    const r = await api("/api/v1/reload", "POST");
    toast("reloaded: " + r.added.length + " added, " + r.removed.length + " removed, " + r.changed.length + " changed");
  } catch (e) { toast("reload refused: " + e.message); }
  refresh();
};

// ---- details: log and run history ----------------------------------------------
async function openDetail(id) {
  app.detail = id; $("detailTitle").textContent = id; $("detail").classList.add("open"); await loadDetail();
}
async function loadDetail() {
  const id = app.detail; if (!id) return;
  for (const b of document.querySelectorAll("aside .tabs button")) b.classList.toggle("on", b.dataset.tab === app.tab);
  const out = $("detailBody");
  try {
    if (app.tab === "log") {
      const log = await api("/api/v1/jobs/" + encodeURIComponent(id) + "/log?n=500");
      out.textContent = log.map((e) => e.ts + "  " + e.text).join("\n") || "(no lines yet)";
      out.scrollTop = out.scrollHeight;
    } else {
      const runs = await api("/api/v1/jobs/" + encodeURIComponent(id) + "/report");
      out.textContent = runs.length ? runs.slice().reverse().map(reportText).join("\n\n") : "(no finished runs yet)";
      out.scrollTop = 0;
    }
  } catch (e) { out.textContent = "error: " + e.message; }
}
function reportText(r) {
  const end = r.signal != null ? "signal " + r.signal : r.exit_code != null ? "exit code " + r.exit_code : "no exit status";
  let t = "run " + r.run + ": " + r.exit_state + " (" + end + "), " + r.reason + "\n  " + r.started + " .. " + r.ended + "  ran " + duration(r.runtime_s);
  const p = r.last_progress;
  if (p) t += "\n  last progress: frame=" + p.frame + " fps=" + p.fps.toFixed(1) + " speed=" + p.speed.toFixed(2) + "x bitrate=" + p.bitrate_kbps.toFixed(1) + "kbits/s";
  if (r.usage) t += "\n  cpu max " + r.usage.cpu_max.toFixed(1) + "% avg " + r.usage.cpu_avg.toFixed(1) + "%, memory max " + bytes(r.usage.memory_max);
  if (r.log && r.log.length) t += "\n  last lines:\n" + r.log.map((e) => "    " + e.text).join("\n");
  return t;
}
for (const b of document.querySelectorAll("aside .tabs button")) b.onclick = () => { app.tab = b.dataset.tab; loadDetail(); };
$("detailRefresh").onclick = loadDetail;
$("detailClose").onclick = () => { app.detail = null; $("detail").classList.remove("open"); };

// ---- live events --------------------------------------------------------------
function onEvent(e) {
  const line = document.createElement("div");
  line.textContent = (e.ts || "").slice(11, 23) + "  " + e.event + "  " + (e.job || e.action || "") +
    (e.event === "state" ? "  " + e.from + " → " + e.to + (e.reason ? "  (" + e.reason + ")" : "") : e.reason ? "  " + e.reason : "");
  const box = $("events"); box.appendChild(line);
  while (box.children.length > 200) box.firstChild.remove();
  box.scrollTop = box.scrollHeight;
  if (e.event === "state" && app.jobs.has(e.job)) {
    const job = app.jobs.get(e.job);
    job.state = e.to; job.pid = e.pid; job.duration_s = 0; job.since = e.ts;
    renderRow(job); renderChips();
    if (app.detail === e.job && app.tab === "report" && e.to !== "running") loadDetail();
  } else if (e.event === "fleet") {
    refresh();
  }
}
async function streamEvents() {
  if (streamEvents.running) return;
  streamEvents.running = true;
  for (;;) {
    try {
      // After a reconnect the stream resumes after the last event seen.
      const h = headers();
      if (streamEvents.lastId) h["Last-Event-ID"] = streamEvents.lastId;
      const res = await fetch("/api/v1/events", { headers: h });
      if (res.status === 401) { askToken(); break; }
      if (!res.ok || !res.body) throw new Error(res.statusText);
      $("conn").className = "live"; $("conn").textContent = "live";
      const reader = res.body.getReader(), decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          for (const l of block.split("\n")) {
            if (l.startsWith("id: ")) streamEvents.lastId = l.slice(4);
            else if (l.startsWith("data: ")) { try { onEvent(JSON.parse(l.slice(6))); } catch (_) {} }
          }
        }
      }
    } catch (_) {}
    $("conn").className = "down"; $("conn").textContent = "reconnecting";
    await new Promise((r) => setTimeout(r, 2000));
  }
  streamEvents.running = false;
}

for (const s of STATES) { const o = document.createElement("option"); o.value = s; o.textContent = s; $("stateFilter").appendChild(o); }
$("stateFilter").onchange = (ev) => { app.stateFilter = ev.target.value; refilter(); };
$("filter").oninput = (ev) => { app.filter = ev.target.value.trim().toLowerCase(); refilter(); };
refresh();
streamEvents();
setInterval(refresh, REFRESH_MS);
setInterval(() => { if (app.detail && app.tab === "log") loadDetail(); }, 5000);
</script>
</body>
</html>
)FFLEET";

}  // namespace

std::string_view dashboard_page() { return std::string_view(page, sizeof(page) - 1); }

}  // namespace ffleet
