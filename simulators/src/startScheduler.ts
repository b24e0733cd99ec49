/**
 * One start timer for every simulated group of a process. A lantern controller shows a command's first frame
 * from its own timer, whatever its neighbours do; hundreds of simulated groups share one event loop, so a
 * timer per group would start the last one of a show only after all the others had also published their
 * state. Here the groups' starts are kept in time order behind one timer: when a start is due, the clock is
 * polled for the last `spinMs` (a Node timer may fire late, by more on a busy machine), every start due by then is
 * shown at once (`frame`: no I/O), and only then are the reports (`report`: the state messages) sent, a few at
 * a time, so a start due a moment later is not held up behind them.
 */

export interface ScheduledStart {
  /** Real milliseconds until the start is due, measured now (the group's clock and offset; ≤ 0: due). */
  delay(): number;
  /** Shows the first frame: cheap, no I/O. */
  frame(): void;
  /** Reports it (publishes the state); runs after every start due at the same moment has been shown. */
  report(): void;
}

export interface StartHandle {
  cancel(): void;
}

/** Reports sent per turn of the event loop. */
const REPORTS_PER_TURN = 16;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class StartScheduler {
  readonly spinMs: number;
  /** Pending starts with their due time (real, Date.now ms), earliest first. */
  readonly #pending: Array<{ start: ScheduledStart; due: number }> = [];
  readonly #reports: Array<() => void> = [];
  #timer: NodeJS.Timeout | null = null;
  #armedFor = Infinity;
  #draining = false;

  constructor(options: { spinMs?: number } = {}) {
    this.spinMs = Math.max(0, options.spinMs ?? 10);
  }

  /** Schedules a start; one already due is shown now and reported soon after. */
  add(start: ScheduledStart): StartHandle {
    const entry = { start, due: Date.now() + start.delay() };
    let i = this.#pending.length;
    while (i > 0 && this.#pending[i - 1]!.due > entry.due) i--;
    this.#pending.splice(i, 0, entry);
    this.#arm();
    return {
      cancel: () => {
        const at = this.#pending.indexOf(entry);
        if (at >= 0) this.#pending.splice(at, 1);
      },
    };
  }

  get pending(): number {
    return this.#pending.length;
  }

  #arm(): void {
    const first = this.#pending[0];
    if (!first) return;
    const wait = first.due - Date.now() - this.spinMs;
    if (wait <= 0) {
      this.#fire();
      return;
    }
    if (this.#timer && this.#armedFor <= first.due) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = first.due;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#armedFor = Infinity;
      this.#fire();
    }, Math.min(MAX_TIMER_MS, wait));
  }

  #fire(): void {
    const first = this.#pending[0];
    if (!first) return;
    if (first.start.delay() > this.spinMs) {
      // Re-measured (a clock offset changed): not yet.
      first.due = Date.now() + first.start.delay();
      this.#arm();
      return;
    }
    while (first.start.delay() > 0) {
      // the last spinMs at most, polled
    }
    // Every start due by now is shown before any is reported.
    while (this.#pending.length > 0 && this.#pending[0]!.start.delay() <= 0) {
      const { start } = this.#pending.shift()!;
      start.frame();
      this.#reports.push(() => start.report());
    }
    this.#drain();
    this.#arm();
  }

  #drain(): void {
    if (this.#draining || this.#reports.length === 0) return;
    this.#draining = true;
    setImmediate(() => {
      this.#draining = false;
      for (const report of this.#reports.splice(0, REPORTS_PER_TURN)) {
        try {
          report();
        } catch {
          // one group's failed report must not keep the others' back (each group logs its own)
        }
      }
      this.#drain();
    });
  }
}

/** The process's shared scheduler (groups use it unless given their own). */
export const sharedStarts = new StartScheduler();
