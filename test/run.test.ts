import { describe, expect, it } from 'vitest';
import { classifyExit, type ExitFacts } from '../src/run/exit-classifier.js';
import { StderrTail } from '../src/run/stderr-tail.js';

const base: ExitFacts = { code: 0, signal: null, stopCause: null, sawDone: true, stderrTail: '', command: false };

describe('how a child ended', () => {
  it('complete when the agent finished and the child exited 0', () => {
    expect(classifyExit(base)).toEqual({ status: 'complete' });
  });
  it('out of heap is named, with the user’s limit, even while memkit was stopping it', () => {
    const c = classifyExit({
      ...base, code: null, signal: 'SIGABRT', sawDone: false, stopCause: 'sigint', nodeFlags: ['--max-old-space-size=64'],
      heapSizeLimitBytes: 112 * 2 ** 20, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    });
    expect(c.status).toBe('crashed');
    expect(c.reason).toBe('the child ran out of V8 heap memory (--max-old-space-size=64, V8 heap limit 112 MiB): JavaScript heap out of memory');
  });
  it('interrupted by the user', () => {
    expect(classifyExit({ ...base, sawDone: true, stopCause: 'sigint' })).toEqual({ status: 'interrupted', reason: 'interrupted by SIGINT' });
  });
  it('a timeout is a crash', () => {
    expect(classifyExit({ ...base, sawDone: false, code: null, signal: 'SIGKILL', stopCause: 'timeout', timeoutMs: 75_000 }).reason).toBe(
      'the child did not finish within the timeout of 75 s and was killed',
    );
  });
  it('a SIGKILL nobody sent points at the OOM killer', () => {
    expect(classifyExit({ ...base, sawDone: false, code: null, signal: 'SIGKILL' }).reason).toMatch(/OOM killer/);
  });
  it('a scenario that throws', () => {
    const c = classifyExit({ ...base, sawDone: false, code: 1, error: { type: 'error', phase: 'step', message: 'boom\nmore' } });
    expect(c).toEqual({ status: 'crashed', reason: 'scenario step() threw: boom' });
  });
  it('a command memkit stopped at the end of --duration is complete', () => {
    expect(classifyExit({ ...base, command: true, sawDone: false, code: null, signal: 'SIGTERM', stopCause: 'duration' }).status).toBe('complete');
  });
  it('a command that fails on its own is a crash', () => {
    expect(classifyExit({ ...base, command: true, sawDone: false, code: 4 }).reason).toBe('the child exited with code 4');
  });
});

describe('stderr tail', () => {
  it('keeps the last bytes, cut at a line boundary', () => {
    const t = new StderrTail(20);
    for (let i = 0; i < 10; i++) t.push(Buffer.from(`line ${i}\n`));
    expect(t.text()).toBe('line 8\nline 9\n');
  });
});
