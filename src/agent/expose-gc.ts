import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * The gc() function: the child normally runs with --expose-gc; a preloaded program may
 * not, and then V8's flag is switched on at run time and gc() taken from a new context.
 */
export function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
