import { UsageError } from '../core/errors.js';

/**
 * `--shard i/n`: this run computes rows [floor(i·N/n), floor((i+1)·N/n)) against all N
 * columns. `auto/n` takes i from JOB_COMPLETION_INDEX, which a Kubernetes Indexed Job
 * sets in each pod.
 */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^\s*(\d+|auto)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--shard: '${text}' is not i/n or auto/n (e.g. 0/4, or auto/4 in a Kubernetes Indexed Job)`);
  const count = Number(m[2]);
  let index: number;
  if (m[1] === 'auto') {
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || raw.trim() === '') {
      throw new UsageError(`--shard auto/${count}: JOB_COMPLETION_INDEX is not set (it is set in the pods of a Kubernetes Indexed Job); give the index, e.g. --shard 0/${count}`);
    }
    if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--shard auto/${count}: JOB_COMPLETION_INDEX='${raw}' is not a whole number`);
    index = Number(raw.trim());
  } else {
    index = Number(m[1]);
  }
  if (count < 1) throw new UsageError(`--shard: '${text}': the shard count must be at least 1`);
  if (index >= count) throw new UsageError(`--shard: index ${index} is out of range for ${count} shards (0 to ${count - 1})`);
  return { index, count };
}

export function shardRows(shard: Shard, items: number): { start: number; end: number } {
  if (shard.count > items) throw new UsageError(`--shard ${shard.index}/${shard.count}: more shards than the ${items} items`);
  return { start: Math.floor((shard.index * items) / shard.count), end: Math.floor(((shard.index + 1) * items) / shard.count) };
}
