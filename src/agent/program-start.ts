import Module from 'node:module';

type Compile = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Calls `onStart` once, when the program's own code is about to run: the first CommonJS
 * module compiled after the preload (the main module, or a user's own preload before it).
 * Node 20 loads even a CommonJS main through the ESM loader when an --import is given, and
 * V8 ran a scavenge during that load, after memkit's preload had finished: the GCs before
 * this point are the start-up (Node's and memkit's), shown apart from the program's.
 * The wrapper puts the original back at once when nothing was layered over it since; an
 * ES-module main compiles nothing here, and its start-up ends with memkit's preload.
 */
export function onProgramStart(onStart: () => void): void {
  const proto = (Module as unknown as { prototype: { _compile?: Compile } }).prototype;
  const original = proto._compile;
  if (typeof original !== 'function') return;
  let fired = false;
  const wrapper: Compile = function (this: unknown, ...args: unknown[]) {
    if (!fired) {
      fired = true;
      if (proto._compile === wrapper) proto._compile = original;
      onStart();
    }
    return original.apply(this, args);
  };
  proto._compile = wrapper;
}
