/**
 * xorshift32: a deterministic stream in [0, 1), so that runs of a variant see the same
 * data and can be compared.
 *
 * The state lives in a typed array: a closure variable above 2^30 would be boxed as a
 * heap number on every call, and the scenario would measure its own random generator.
 */
export function xorshift32(seed: number): () => number {
  const x = new Uint32Array([seed >>> 0 || 1]);
  return () => {
    let v = x[0]!;
    v ^= v << 13;
    v ^= v >>> 17;
    v ^= v << 5;
    x[0] = v;
    return x[0]! / 4294967296;
  };
}
