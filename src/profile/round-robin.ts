import type { RunTurn } from './session.js';

/**
 * Several series take their runs in turn, round by round: series 1's run 1, series 2's
 * run 1, …, then every series' run 2, and so on; one child at a time. Drift of the machine
 * (another job starting, a CPU warming up or throttling) then falls on every series alike,
 * instead of on whichever was measured last. A series that ends early (a crash, Ctrl-C)
 * leaves, and its later turns are skipped.
 */
export class RoundRobin {
  /** The next turn to give: round × seats + seat. */
  private position = 0;
  private running = false;
  private readonly left = new Set<number>();
  private readonly waiting = new Map<number, () => void>();

  constructor(private readonly seats: number) {}

  /** Series `seat`'s hooks: run `index` of the series is its turn in round `index`. */
  turn(seat: number): RunTurn {
    return {
      before: (index) =>
        new Promise<void>((resolve) => {
          this.waiting.set(index * this.seats + seat, resolve);
          this.advance();
        }),
      after: () => {
        this.running = false;
        this.position++;
        this.advance();
      },
    };
  }

  /** Series `seat` has ended: no more turns for it. */
  leave(seat: number): void {
    this.left.add(seat);
    this.advance();
  }

  private advance(): void {
    while (!this.running) {
      const resolve = this.waiting.get(this.position);
      if (resolve) {
        this.waiting.delete(this.position);
        this.running = true;
        resolve();
        return;
      }
      // Not asked for yet: wait for it, unless its series has left.
      if (!this.left.has(this.position % this.seats) || this.left.size === this.seats) return;
      this.position++;
    }
  }
}
