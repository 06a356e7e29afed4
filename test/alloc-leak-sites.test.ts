import { describe, expect, it } from 'vitest';
import { growingSites } from '../src/analyze/alloc-leak-sites.js';
import { addSamplerNode, encodeSamplerRead, type AllocProfileRecord, type SamplerTables } from '../src/samples/alloc-profile.js';

/*
 * The gc-hooks sampler's tables as records (encodeSamplerRead), and the leak sites read
 * from a series of in-use records: exact inputs, exact answers.
 */

const AGENT_CODE = 'file:///opt/memkit/dist/src/agent/';
const OWN = { prefixes: [AGENT_CODE], except: [`${AGENT_CODE}step-loop.js`] };

function tables(): SamplerTables {
  const t: SamplerTables = {
    strings: ['main', '/app/main.js', 'keep', 'churn', 'readProfile', `${AGENT_CODE}alloc-sampler.js`],
    frames: { name: [0, 2, 3, 4], url: [1, 1, 1, 5], line: [0, 9, 19, 4], col: [0, 0, 0, 0], script: [7, 7, 7, 9] },
    parent: [-1],
    frame: [-1],
    own: [false],
  };
  addSamplerNode(t, 0, 0, OWN); // 1 main
  addSamplerNode(t, 1, 1, OWN); // 2 main > keep
  addSamplerNode(t, 1, 2, OWN); // 3 main > churn
  addSamplerNode(t, 1, 3, OWN); // 4 main > readProfile (memkit's)
  return t;
}

describe('encodeSamplerRead', () => {
  it("keeps the nodes with values and their ancestors, and leaves the agent's own bytes out", () => {
    const t = tables();
    expect(t.own).toEqual([false, false, false, false, true]);
    const r = encodeSamplerRead(t, [2, 1000, 10, 4, 64, 1], { tMs: 1, seq: 0, why: 'end', steps: 0, source: 'gc-hooks', view: 'inuse', intervalBytes: 512 });
    expect(r.ownBytes).toBe(64);
    expect(r.nodes.parent).toEqual([-1, 0, 1]);
    expect(r.nodes.bytes).toEqual([0, 0, 1000]);
    expect(r.nodes.objects).toEqual([0, 0, 10]);
    expect(r.frames.name.map((i) => r.strings[i])).toEqual(['main', 'keep']);
    expect(r.frames.line).toEqual([0, 9]);
  });
});

describe('own code', () => {
  it("memkit's step loop is not the agent's own: what V8 inlines into it is the scenario's step", () => {
    const t: SamplerTables = {
      strings: ['runStepLoop', `${AGENT_CODE}step-loop.js`, 'read', `${AGENT_CODE}alloc-sampler.js`],
      frames: { name: [0, 2], url: [1, 3], line: [10, 4], col: [0, 0], script: [5, 9] },
      parent: [-1],
      frame: [-1],
      own: [false],
    };
    addSamplerNode(t, 0, 0, OWN);
    addSamplerNode(t, 1, 1, OWN);
    expect(t.own).toEqual([false, false, true]);
  });
});

describe('growingSites', () => {
  const t = tables();
  // Six checkpoints a minute apart: keep() gains 1 MB each (with a little wobble), churn() stays near 2 MB.
  const wobble = [0, 30_000, -20_000, 10_000, -30_000, 20_000];
  const records: AllocProfileRecord[] = wobble.map((w, i) =>
    encodeSamplerRead(t, [2, 1e6 * (i + 1) + w, 100, 3, 2e6 - w, 50], { tMs: 60_000 * i, seq: i, why: 'checkpoint', steps: 0, source: 'gc-hooks', view: 'inuse', intervalBytes: 512 }),
  );

  it('names the climbing site with its slope, not the flat one', () => {
    const sites = growingSites(records, { fromMs: 0, cwd: '/app', minGrowthBytes: 1e5 });
    expect(sites.map((s) => s.key)).toEqual(['keep@main.js']);
    expect(sites[0]!.label).toBe('keep (main.js:10)');
    expect(sites[0]!.slopeBytesPerMin).toBeCloseTo(1e6 - 25_000 / 17.5, 6); // least squares over minutes 0..5: Σ dx·wobble = -25,000, Σ dx² = 17.5
    expect(sites[0]!.points).toBe(6);
  });

  it('a growth under the smallest worth naming, too few checkpoints after warm-up, or reads that are not checkpoints: none', () => {
    expect(growingSites(records, { fromMs: 0, cwd: '/app', minGrowthBytes: 6e6 })).toEqual([]);
    expect(growingSites(records, { fromMs: 180_001, cwd: '/app', minGrowthBytes: 1e5 })).toEqual([]);
    expect(growingSites(records.map((r) => ({ ...r, why: 'periodic' as const })), { fromMs: 0, cwd: '/app', minGrowthBytes: 1e5 })).toEqual([]);
  });

  it("a climb within the sampling noise of the site's readings is not named; the same climb read by every allocation is", () => {
    // 800 KB held, read at a 64 KiB interval: one reading's noise is sqrt(800 KB × 64 KiB) ≈ 229 KB. A steady
    // 30 KB a checkpoint over 15 checkpoints (420 KB) has a tight slope, but is under three noise deviations.
    const climb = (intervalBytes: number): AllocProfileRecord[] =>
      Array.from({ length: 15 }, (_, i) =>
        encodeSamplerRead(t, [2, 800_000 + 30_000 * i, 100], { tMs: 250 * i, seq: i, why: 'checkpoint', steps: 0, source: 'gc-hooks', view: 'inuse', intervalBytes }),
      );
    expect(growingSites(climb(65_536), { fromMs: 0, cwd: '/app', minGrowthBytes: 4 * 65_536 })).toEqual([]);
    expect(growingSites(climb(1), { fromMs: 0, cwd: '/app', minGrowthBytes: 4 * 65_536 }).map((x) => x.key)).toEqual(['keep@main.js']);
  });
});
