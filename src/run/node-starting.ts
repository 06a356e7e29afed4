import { readFileSync } from 'node:fs';

/**
 * Whether a Node process is among `pid` and its descendants (Linux /proc; false where it
 * cannot be read). A command's --duration counts from the agent's hello, and a busy machine
 * can take seconds to start Node with the agent preloaded: this tells a Node program that
 * is still starting from a program without Node, whose duration counts from the spawn.
 */
export function nodeInTree(pid: number, depth = 4): boolean {
  if (commOf(pid) === 'node') return true;
  if (depth === 0) return false;
  return childrenOf(pid).some((c) => nodeInTree(c, depth - 1));
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
