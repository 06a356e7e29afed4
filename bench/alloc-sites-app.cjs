// A plain program for bench/alloc-sites-overhead.mjs's command target, as someone else
// could have written it: a request-handler loop that parses a JSON body, looks the user up
// in a small session cache, builds a response and serialises it (JSON-heavy: strings,
// short-lived objects, a few survivors in the cache). Nothing of memkit in it.
// OPS=n: a fixed amount of work (the instruction-count runs); otherwise SECONDS of it.
// RATE_FILE: where it writes its own throughput (requests per second of its loop, wall and
// CPU time of the process, start-up left out) as one JSON line, since a command has no steps memkit could count.
'use strict';
const { writeFileSync } = require('node:fs');

const fixedOps = process.env.OPS ? Number(process.env.OPS) : undefined;
const seconds = Number(process.env.SECONDS ?? 3);
const sessions = new Map();
const SESSION_CAP = 2000;

function requestBody(i) {
  return JSON.stringify({
    user: `u${i % 5000}`,
    action: i % 3 ? 'view' : 'buy',
    items: [{ sku: `s${i % 97}`, qty: 1 + (i % 4) }, { sku: `s${(i * 7) % 97}`, qty: 1 }],
    ts: 1_700_000_000_000 + i,
  });
}

function handle(body) {
  const req = JSON.parse(body);
  let session = sessions.get(req.user);
  if (!session) {
    session = { user: req.user, seen: 0, cart: [] };
    sessions.set(req.user, session);
    if (sessions.size > SESSION_CAP) sessions.delete(sessions.keys().next().value);
  }
  session.seen++;
  if (req.action === 'buy') session.cart = req.items.map((it) => ({ sku: it.sku, qty: it.qty }));
  const total = req.items.reduce((s, it) => s + it.qty * 3.5, 0);
  return JSON.stringify({ ok: true, user: session.user, seen: session.seen, total, items: req.items.map((it) => it.sku) });
}

let ops = 0;
let bytes = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const deadline = t0 + seconds * 1000;
for (;;) {
  // Check the clock once per 256 requests: reading it is not the work.
  for (let k = 0; k < 256; k++) bytes += handle(requestBody(ops++)).length;
  if (fixedOps !== undefined ? ops >= fixedOps : performance.now() >= deadline) break;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
if (process.env.RATE_FILE) writeFileSync(process.env.RATE_FILE, `${JSON.stringify({ ops, ms, cpuMs, opsPerSec: (ops / ms) * 1000, opsPerCpuSec: (ops / cpuMs) * 1000, bytes })}\n`);
