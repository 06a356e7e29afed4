// Runs a command to completion under /usr/bin/time and returns what the kernel
// accounted for it (wait4 rusage): CPU time (user + system) and peak RSS.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TIME_BIN = '/usr/bin/time';

export function requireTime() {
  if (!existsSync(TIME_BIN)) {
    process.stderr.write('bench: /usr/bin/time is needed to read CPU time and peak RSS (apt-get install time)\n');
    process.exit(2);
  }
}

/** { wallS, cpuS, peakRssBytes, code, stdout, stderr } */
export function measure(argv, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-bench-'));
  const timeFile = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const child = spawn(TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      let wallS = NaN, cpuS = NaN, peakRssBytes = NaN;
      try {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop();
        const [e, u, s, m] = last.split(' ').map(Number);
        wallS = e;
        cpuS = u + s;
        peakRssBytes = m * 1024;
      } catch {
        // killed before time wrote its line
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ wallS, cpuS, peakRssBytes, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

export const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
export const pad = (s, n) => String(s).padStart(n);
