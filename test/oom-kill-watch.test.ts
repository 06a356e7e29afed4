import { describe, expect, it } from 'vitest';
import {
  type CgroupFs,
  memoryCgroupMounts,
  memoryCgroupOf,
  memoryLimitBytes,
  OomKillWatch,
  oomKillCount,
  oomKillReason,
  kmsgNamesKilledPid,
} from '../src/run/oom-kill-watch.js';

// Real files as the kernel writes them (cgroup v1 on this kind of machine, v2 on a systemd host).
const MOUNTINFO_V1 = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const MOUNTINFO_V2 = `24 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw
35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const CGROUP_V1 = `9:name=systemd:/
8:pids:/
4:memory:/mkoom
1:cpu:/
0::/
`;
const CGROUP_V2 = '0::/user.slice/user-1000.slice/session-2.scope\n';
const OOM_CONTROL = 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n';
const MEMORY_EVENTS = 'low 0\nhigh 0\nmax 112\noom 3\noom_kill 2\noom_group_kill 0\n';

describe('oom-kill-watch: the kernel files', () => {
  it('finds the memory controller: a v1 cgroup mount with the memory option, or cgroup2', () => {
    expect(memoryCgroupMounts(MOUNTINFO_V1)).toEqual([
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/memory' },
      { version: 2, root: '/', mountPoint: '/sys/fs/cgroup/unified' },
    ]);
    expect(memoryCgroupMounts(MOUNTINFO_V2)).toEqual([{ version: 2, root: '/', mountPoint: '/sys/fs/cgroup' }]);
    // Optional fields before the separator, and an escaped space in a mount point.
    expect(memoryCgroupMounts('50 30 0:40 /box /mnt/my\\040cg rw shared:3 master:1 - cgroup cgroup rw,memory,cpu\n')).toEqual([
      { version: 1, root: '/box', mountPoint: '/mnt/my cg' },
    ]);
  });

  it("names a process's memory cgroup: v1's memory line first (hybrid), else the unified line", () => {
    expect(memoryCgroupOf(CGROUP_V1)).toEqual({ version: 1, path: '/mkoom' });
    expect(memoryCgroupOf(CGROUP_V2)).toEqual({ version: 2, path: '/user.slice/user-1000.slice/session-2.scope' });
    expect(memoryCgroupOf('5:memory,cpu:/a\n')).toEqual({ version: 1, path: '/a' });
    expect(memoryCgroupOf('')).toBeUndefined();
  });

  it('reads oom_kill from memory.oom_control (v1) and memory.events (v2), not oom or oom_group_kill', () => {
    expect(oomKillCount(OOM_CONTROL)).toBe(1);
    expect(oomKillCount(MEMORY_EVENTS)).toBe(2);
    expect(oomKillCount('oom_kill_disable 0\nunder_oom 0\n')).toBeUndefined(); // a kernel before 4.13
  });

  it('reads a limit, and no limit as none (v1 page-rounded 2^63, v2 "max")', () => {
    expect(memoryLimitBytes('134217728\n')).toBe(134217728);
    expect(memoryLimitBytes('9223372036854771712\n')).toBeUndefined();
    expect(memoryLimitBytes('max\n')).toBeUndefined();
  });

  it("the kernel log's line names the pid it killed, not one whose digits begin the same", () => {
    const line = '3,812,98765432,-;Memory cgroup out of memory: Killed process 6489 (python3) total-vm:140000kB';
    expect(kmsgNamesKilledPid(line, 6489)).toBe(true);
    expect(kmsgNamesKilledPid(line, 648)).toBe(false);
  });
});

/** A fake /proc and /sys: files by path, changed by the test as the kernel would. */
function fakeFs(files: Record<string, string>): CgroupFs & { files: Record<string, string> } {
  return { files, read: (p) => files[p] };
}

describe('OomKillWatch: the count when seen against the count at the end', () => {
  it('v1: a rise in the cgroup it was seen in is the evidence, with the smallest limit up to the mount point', () => {
    const fs = fakeFs({
      '/proc/self/mountinfo': MOUNTINFO_V1,
      '/proc/42/cgroup': '4:memory:/jobs/mkoom\n',
      '/sys/fs/cgroup/memory/jobs/mkoom/memory.oom_control': OOM_CONTROL,
      '/sys/fs/cgroup/memory/jobs/mkoom/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes': '134217728\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
    });
    const watch = new OomKillWatch(fs, () => undefined);
    const seen = watch.sight(42);
    expect(seen).toMatchObject({ version: 1, path: '/jobs/mkoom', dir: '/sys/fs/cgroup/memory/jobs/mkoom', oomKillsAtSight: 1 });
    expect(watch.evidence(42, seen)).toBeUndefined(); // no kill since
    fs.files['/sys/fs/cgroup/memory/jobs/mkoom/memory.oom_control'] = 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n';
    const ev = watch.evidence(42, seen)!;
    expect(ev).toEqual({ cgroup: '/jobs/mkoom', oomKillsAdded: 1, limitBytes: 134217728 });
    expect(oomKillReason(ev)).toBe('killed by the kernel OOM killer (memory cgroup /jobs/mkoom: oom_kill +1; limit 128 MiB)');
  });

  it('v2, a container whose mount shows its own sub-tree: the path under the mount root; the kernel log confirms', () => {
    const fs = fakeFs({
      '/proc/self/mountinfo': '35 24 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      '/proc/7/cgroup': '0::/kubepods/pod1/app\n',
      '/sys/fs/cgroup/app/memory.events': MEMORY_EVENTS,
      '/sys/fs/cgroup/app/memory.max': 'max\n',
    });
    const watch = new OomKillWatch(fs, (pid) => pid === 7);
    const seen = watch.sight(7);
    expect(seen?.dir).toBe('/sys/fs/cgroup/app');
    fs.files['/sys/fs/cgroup/app/memory.events'] = MEMORY_EVENTS.replace('oom_kill 2', 'oom_kill 5');
    const ev = watch.evidence(7, seen)!;
    expect(oomKillReason(ev)).toBe('killed by the kernel OOM killer (memory cgroup /kubepods/pod1/app: oom_kill +3; no memory limit; the kernel log names this pid)');
  });

  it('a process that moved into another cgroup (a shell before its exec) is counted from where it moved; seen again in the same one, the first count stays', () => {
    const fs = fakeFs({
      '/proc/self/mountinfo': MOUNTINFO_V1,
      '/proc/9/cgroup': '4:memory:/\n',
      '/sys/fs/cgroup/memory/memory.oom_control': OOM_CONTROL,
      '/sys/fs/cgroup/memory/mkoom/memory.oom_control': 'oom_kill 0\n',
    });
    const watch = new OomKillWatch(fs, () => undefined);
    const first = watch.sight(9);
    expect(first?.path).toBe('/');
    fs.files['/proc/9/cgroup'] = '4:memory:/mkoom\n';
    const moved = watch.sight(9, first);
    expect(moved).toMatchObject({ path: '/mkoom', oomKillsAtSight: 0 });
    fs.files['/sys/fs/cgroup/memory/mkoom/memory.oom_control'] = 'oom_kill 1\n';
    expect(watch.sight(9, moved)).toBe(moved);
    expect(watch.evidence(9, moved)?.oomKillsAdded).toBe(1);
  });

  it('a rise while the kernel log (readable) names another pid: some other process of the cgroup was the one killed, so no evidence', () => {
    const fs = fakeFs({
      '/proc/self/mountinfo': MOUNTINFO_V1,
      '/proc/42/cgroup': '4:memory:/shared\n',
      '/sys/fs/cgroup/memory/shared/memory.oom_control': 'oom_kill 0\n',
    });
    let killed = 42;
    const watch = new OomKillWatch(fs, (pid) => pid === killed);
    const seen = watch.sight(42);
    fs.files['/sys/fs/cgroup/memory/shared/memory.oom_control'] = 'oom_kill 1\n';
    killed = 43;
    expect(watch.evidence(42, seen)).toBeUndefined();
    killed = 42;
    expect(watch.evidence(42, seen)).toMatchObject({ oomKillsAdded: 1, kernelLogConfirms: true });
  });

  it('nothing readable (no cgroup file, gone, no memory controller): no evidence, so the SIGKILL keeps its honest wording', () => {
    const watch = new OomKillWatch(fakeFs({ '/proc/self/mountinfo': MOUNTINFO_V1, '/proc/3/cgroup': '4:memory:/x\n' }), () => true);
    expect(watch.sight(3)).toBeUndefined(); // the cgroup's oom_control cannot be read
    expect(watch.sight(4)).toBeUndefined(); // no such process
    expect(watch.evidence(3, undefined)).toBeUndefined();
  });
});
