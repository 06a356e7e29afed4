import { Progress } from './progress.js';
import { progressLine, progressLineTty, progressStep } from '../report/similarity/progress.js';

/**
 * similarity-build's progress: a spinner line with rate and ETA on a TTY; the seed's
 * "Progress: 25000/500000 items (5.0%)" log lines, one per 5 % step, otherwise (stderr).
 */
export interface SimilarityProgress {
  update: (done: number, total: number) => void;
  /** Rates and ETA count from here (after loading). */
  computeStarted: () => void;
  restart: (label: string) => void;
  stop: () => void;
}

export function similarityProgress(total: number): SimilarityProgress {
  const progress = new Progress(true);
  let t0 = performance.now();
  let lastStep = 0;
  return {
    update: (done, all) => {
      if (progress.isTty) {
        progress.update(progressLineTty(done, all, performance.now() - t0));
        return;
      }
      const step = progressStep(done, all);
      if (step !== lastStep) {
        lastStep = step;
        progress.print(progressLine(done, all) + '\n');
      }
    },
    computeStarted: () => {
      t0 = performance.now();
    },
    restart: (label) => {
      t0 = performance.now();
      lastStep = 0;
      if (progress.isTty) progress.update(`${label}: ${progressLine(0, total)}`);
      else progress.print(`${label}\n`);
    },
    stop: () => progress.stop(),
  };
}
