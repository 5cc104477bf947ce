// The event stream through a real EventSource client (the npm `eventsource`
// package, which follows the WHATWG spec as browsers do), with a TCP proxy
// in between that the test cuts to force a reconnect.
//
//   node sse_resume.mjs BASE_URL JOB NODE_PACKAGES_DIR
//
// 1. Listens by type (addEventListener per event type) through the proxy.
// 2. Restarts JOB and sees its state events live; each carries an id, and
//    its type equals its data's "event" field.
// 3. Cuts the connection, stops JOB while the client is away, and checks
//    that the client reconnects by itself with a Last-Event-ID header and
//    receives the events it missed: ids consecutive, none twice, none lost.
// Prints one JSON line; exit 0 = all good.
import { createRequire } from "node:module";
import { createServer, connect } from "node:net";
import { join } from "node:path";

const [base, job, packages] = process.argv.slice(2);
if (!base || !job || !packages) {
  console.error("usage: sse_resume.mjs BASE_URL JOB NODE_PACKAGES_DIR");
  process.exit(2);
}
const { EventSource } = createRequire(join(packages, "package.json"))("eventsource");
const upstream = new URL(base);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let client;
function finish(code, result) {
  console.log(JSON.stringify(result));
  if (client) client.close();
  process.exit(code);
}
setTimeout(() => finish(1, { ok: false, error: "overall timeout (90 s)" }), 90000).unref();

async function until(what, probe, ms = 45000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (probe()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The proxy: remembers each connection's request head, can cut them all.
const sockets = new Set();
const requests = [];
const proxy = createServer((down) => {
  const up = connect(Number(upstream.port), upstream.hostname);
  sockets.add(down).add(up);
  let head = "";
  down.on("data", (chunk) => {
    if (head.length < 8192 && !head.includes("\r\n\r\n")) {
      head += chunk.toString("latin1");
      if (head.includes("\r\n\r\n")) requests.push(head);
    }
  });
  down.pipe(up).pipe(down);
  const drop = () => { down.destroy(); up.destroy(); sockets.delete(down); sockets.delete(up); };
  down.on("error", drop).on("close", drop);
  up.on("error", drop).on("close", drop);
});
await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
const cut = () => { for (const s of sockets) s.destroy(); sockets.clear(); };

const post = async (command) => {
  const r = await fetch(new URL(`/api/v1/jobs/${job}/${command}`, base), { method: "POST" });
  if (!r.ok) throw new Error(`${command}: HTTP ${r.status}`);
};

try {
  const received = [];
  let opens = 0, untyped = 0;
  client = new EventSource(`http://127.0.0.1:${proxy.address().port}/api/v1/events`);
  client.onopen = () => { ++opens; };
  client.onmessage = () => { ++untyped; };  // only events without an `event:` field land here
  const types = ["state", "exit", "stale", "limit", "timeout", "gave_up", "fleet", "node", "placed", "leader"];
  for (const type of types)
    client.addEventListener(type, (e) => received.push({ id: e.lastEventId, type: e.type, data: JSON.parse(e.data) }));
  const seen = (pred) => () => received.some((e) => pred(e.data));
  const stateOf = (to) => (d) => d.event === "state" && d.job === job && d.to === to;

  await until("the stream to open", () => opens === 1);
  await post("restart");
  await until(`${job} running again (live)`, seen((d) => stateOf("running")(d) && d.run >= 2));
  const liveCount = received.length;

  cut();  // the client notices, waits the stream's retry (2 s), reconnects with Last-Event-ID
  await post("stop");  // these events happen while the client is away
  await until("the reconnect", () => opens === 2);
  await until(`${job}'s stop, missed during the cut, replayed`, seen(stateOf("finished")));
  await until(`${job}'s exit event`, seen((d) => d.event === "exit" && d.job === job));
  await post("start");  // and live again after the resumption
  await until(`${job} running again after the reconnect`, seen((d) => stateOf("running")(d) && d.run >= 3));

  const problems = [];
  const numbers = received.map((e) => Number(e.id.split("-").pop()));
  const instances = new Set(received.map((e) => e.id.split("-")[0]));
  if (instances.size !== 1) problems.push(`ids from ${instances.size} daemon instances`);
  for (let i = 1; i < numbers.length; ++i)
    if (numbers[i] !== numbers[i - 1] + 1) problems.push(`id ${numbers[i]} after ${numbers[i - 1]}`);
  for (const e of received) if (e.type !== e.data.event) problems.push(`type ${e.type} for a ${e.data.event} event`);
  if (untyped) problems.push(`${untyped} events without a type`);
  const second = requests[1] || "";
  const header = /\r\nlast-event-id: *([^\r]*)\r\n/i.exec(second);
  if (!header) problems.push("the reconnect did not send Last-Event-ID");
  const lastBeforeCut = received[liveCount - 1]?.id;
  const resumedAfter = header ? header[1] : null;
  finish(problems.length ? 1 : 0, {
    ok: problems.length === 0, problems, events: received.length, live_before_cut: liveCount, connections: opens,
    resumed_after: resumedAfter, first_id: received[0]?.id, last_id: received.at(-1)?.id, last_before_cut: lastBeforeCut,
  });
} catch (e) {
  finish(1, { ok: false, error: String(e) });
}
