import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StderrFatalScanner, type StderrFatal } from '../src/run/stderr-fatal.js';

/** V8's block as a process at its heap limit writes it (F13): the ring's lines glued, each cut short. */
const oomBlock = (pid: number, iso: string): string =>
  '\n<--- Last few GCs --->\n\n' +
  `[${pid}:${iso}]      214 ms: Mark-Compact 11.0 (25.3) -> 10.1 (27.1) MB, 20.44 / 0.00 ms  (+ 2.8 ms in 18 steps since start of marking, biggest step 0.7 ms, walltime since start of marking 29 ms) (average mu = 1.000, current mu = 1.000) finalize increm` +
  `[${pid}:${iso}]      285 ms: Mark-Compact 19.4 (28.6) -> 16.9 (34.6) MB, 38.81 / 0.00 ms  (average mu = 0.450, current mu = 0.450) allocation failure; scavenge might not succeed\n\n\n` +
  '<--- JS stacktrace --->\n\n' +
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n' +
  '----- Native stack trace -----\n\n' +
  ' 1: 0xb78db3 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]\n' +
  ' 2: 0xee8300 v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [node]\n';

const OOM_MESSAGE = 'Reached heap limit Allocation failed - JavaScript heap out of memory';

function scanAll(chunks: string[]): StderrFatal[] {
  const s = new StderrFatalScanner();
  const out: StderrFatal[] = [];
  for (const c of chunks) out.push(...s.push(Buffer.from(c)));
  out.push(...s.end());
  expect(s.findings()).toEqual(out);
  return out;
}

describe('fatal ends on a shared stderr', () => {
  it('names the pid and isolate of an out-of-heap block, in one chunk', () => {
    expect(scanAll([oomBlock(3358, '0xfebfca0')])).toEqual([{ kind: 'oom', pid: 3358, isolate: '0xfebfca0', message: OOM_MESSAGE }]);
  });

  it('finds the same wherever the stream was cut (every split point, and byte by byte)', () => {
    const text = `some program output\n${oomBlock(3615, '0x39a82ca0')}`;
    const want = [{ kind: 'oom', pid: 3615, isolate: '0x39a82ca0', message: OOM_MESSAGE }];
    for (let cut = 1; cut < text.length; cut += 7) expect(scanAll([text.slice(0, cut), text.slice(cut)])).toEqual(want);
    expect(scanAll([...text])).toEqual(want);
  });

  it('keeps two processes dying one after the other apart (the cluster case)', () => {
    const text = oomBlock(28328, '0x12724d40') + 'worker 28328 null SIGABRT\n' + oomBlock(28329, '0x442bad40');
    expect(scanAll([text]).map((f) => f.pid)).toEqual([28328, 28329]);
  });

  it('does not take --trace-gc lines outside a block, or another program’s lines, for a crash', () => {
    const trace = '[1490:0x1049dc00]      139 ms: Scavenge 4.1 (4.2) -> 3.9 (5.2) MB, 15.51 / 0.00 ms  allocation failure;\n';
    expect(scanAll([trace, 'FATAL is just a word here\n', '# a heading\n'])).toEqual([]);
  });

  it('a FATAL line without a block has no pid (the registry pairs it with the process that aborted)', () => {
    expect(scanAll(['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n'])).toEqual([
      { kind: 'oom', message: OOM_MESSAGE },
    ]);
  });

  it('a block whose lines name two processes (another one wrote into it) names none', () => {
    const mixed = oomBlock(10, '0xa').replace('[10:0xa]      285', '[11:0xb]      285');
    expect(scanAll([mixed])).toEqual([{ kind: 'oom', message: OOM_MESSAGE }]);
  });

  it('names a worker thread that ran out of its resourceLimits, as Node throws it in the parent', () => {
    const text =
      "node:events:502\n      throw er; // Unhandled 'error' event\n      ^\n\n" +
      'Error [ERR_WORKER_OUT_OF_MEMORY]: Worker terminated due to reaching memory limit: JS heap out of memory\n' +
      '    at [kOnExit] (node:internal/worker:320:26)\n';
    expect(scanAll([text])).toEqual([
      { kind: 'worker-oom', message: 'Worker terminated due to reaching memory limit: JS heap out of memory' },
    ]);
  });

  it('reads V8’s own fatal check (an array past its maximum size), split between writes', () => {
    const text = '\n\n#\n# Fatal error in , line 0\n# Fatal JavaScript invalid size error 169220804 (see crbug.com/1201626)\n#\n#\n#\n#FailureMessage Object: 0x7fff4aabc080\n';
    const cut = text.indexOf('# Fatal JavaScript');
    expect(scanAll([text.slice(0, cut), text.slice(cut)])).toEqual([
      { kind: 'oom', message: 'Fatal JavaScript invalid size error 169220804 (see crbug.com/1201626)' },
    ]);
  });

  it('other fatal errors are fatal, not out of heap', () => {
    expect(scanAll(['FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal\n'])).toEqual([
      { kind: 'fatal', message: 'v8::ToLocalChecked Empty MaybeLocal' },
    ]);
  });

  it('a megabyte without a newline does not stop it finding the block after', () => {
    const s = new StderrFatalScanner();
    for (let i = 0; i < 16; i++) expect(s.push('\r' + 'x'.repeat(64 * 1024))).toEqual([]);
    expect(s.push(`\n${oomBlock(77, '0x1')}`)).toEqual([{ kind: 'oom', pid: 77, isolate: '0x1', message: OOM_MESSAGE }]);
  });

  it('a real Node process at its heap limit: the pid it names is the child’s', async () => {
    const child = spawn(process.execPath, ['--max-old-space-size=16', '-e', 'const a = []; for (;;) a.push({ n: Math.random(), s: "x".repeat(20) })'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const scanner = new StderrFatalScanner();
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      scanner.push(chunk);
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    scanner.end();
    expect(signal, stderr).toBe('SIGABRT');
    const findings = scanner.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]!.kind).toBe('oom');
    expect(findings[0]!.pid).toBe(child.pid);
    // The isolate is exactly the one V8's own lines print (the trace lines of the block).
    expect(stderr).toContain(`[${child.pid}:${findings[0]!.isolate}]`);
    expect(findings[0]!.message).toMatch(/heap out of memory/);
  });
});
