import { siteLabel } from '../../analyze/alloc-frames.js';
import { stackOf, type AllocTree, type AllocView } from '../../analyze/alloc-tree.js';

/**
 * Collapsed stacks, the text flamegraph.pl, inferno and speedscope read: one line per stack
 * with a non-zero value, root first, frames joined by `;`, then one space and an integer.
 * Frames are labels (`parseTick (src/feed.js:41)`); a `;` inside one becomes `,` (it is the
 * separator, with no escape) and a line break a space. Spaces are kept: every reader takes
 * the last token as the count. Lines are sorted, so two exports of the same data are
 * byte-identical (and `difffolded.pl base current` lines up).
 */

export type FoldedFigure = 'alloc-space' | 'alloc-objects' | 'inuse-space' | 'inuse-objects';

export function viewOfFigure(figure: FoldedFigure): AllocView {
  return figure.startsWith('alloc') ? 'allocated' : 'inuse';
}

export function renderFolded(t: AllocTree, figure: FoldedFigure): string {
  if (!t.views.includes(viewOfFigure(figure))) throw new RangeError(`renderFolded: the ${viewOfFigure(figure)} view was not measured`);
  const values = { 'alloc-space': t.allocBytes, 'alloc-objects': t.allocObjects, 'inuse-space': t.inuseBytes, 'inuse-objects': t.inuseObjects }[figure];
  const labels = t.frames.map((f) => siteLabel(f).replace(/;/g, ',').replace(/[\r\n]+/g, ' '));
  const lines: string[] = [];
  for (let node = 1; node < t.parent.length; node++) {
    const count = Math.round(values[node]!);
    if (count === 0) continue;
    lines.push(`${stackOf(t, node).map((f) => labels[f]).join(';')} ${count}`);
  }
  lines.sort();
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
