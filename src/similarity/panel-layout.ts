/**
 * The in-memory layout of the embeddings, shared with the native kernel
 * (native/similarity/topk_kernel.h): panels of 32 items; panel p holds, for each
 * coordinate k, the k-th coordinate of items 32p..32p+31 contiguously, zero-padded past
 * the last item. The column side of the product then loads 32 items' coordinate k as
 * whole SIMD vectors, and a row is gathered once per micro-batch.
 */
export const PANEL = 32;

export function panelFloats(items: number, dims: number): number {
  return Math.ceil(items / PANEL) * dims * PANEL;
}

export function panelOffset(item: number, k: number, dims: number): number {
  return Math.floor(item / PANEL) * dims * PANEL + k * PANEL + (item % PANEL);
}

/** Column panels swept per row group so a block of columns stays in a 1 MB share of L2. */
export function columnPanelsPerBlock(dims: number): number {
  return Math.max(1, Math.floor((1 << 20) / (dims * PANEL * 4)));
}
