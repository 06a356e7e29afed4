// A plain program for bench/diff-pool.mjs's command target: a fixed number of steps,
// each allocating ALLOC_OBJECTS small objects that stay alive for a rolling window of
// steps (so some survive a scavenge, as request state does). A fixed amount of work, not a
// fixed time: +20 % ALLOC_OBJECTS is then +20 % allocation in total, whatever the load.
'use strict';
const steps = Number(process.env.STEPS ?? 4000);
const perStep = Number(process.env.ALLOC_OBJECTS ?? 1000);
const windowSteps = 20;
const window = new Array(windowSteps);
let checksum = 0;
for (let s = 0; s < steps; s++) {
  const batch = new Array(perStep);
  for (let i = 0; i < perStep; i++) batch[i] = { id: s * perStep + i, tag: `k${i & 1023}`, v: [i, s] };
  window[s % windowSteps] = batch;
  checksum += batch[(s * 7) % perStep].v[0];
}
if (checksum < 0) console.log(checksum);
