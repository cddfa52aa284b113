// A clock that runs in real time and that a test can move forward at once (`jump`), for tests that
// need real I/O (an API server, watches) and a cron time that would otherwise be minutes away.
// Timers are kept in the clock's own time: a jump fires those it passes and re-arms the others
// for what is left of their wait. Give the same `now` to the API test server (`now: () =>
// new Date(clock.now())`) so creation and deletion times agree with the controller's clock.
// (FakeClock in controller/runtime/clock.ts is the one to use when nothing real has to happen.)
import type { Clock, TimerHandle } from '../../controller/runtime/clock.ts';

interface Timer {
  id: number;
  dueAt: number;
  callback: () => void;
  real: ReturnType<typeof setTimeout>;
}

export class JumpClock implements Clock {
  #offsetMs = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { id, dueAt: this.now() + delay, callback, real: this.#arm(id, delay) };
    this.#timers.set(id, timer);
    return { timerId: id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle !== 'object' || handle === null || !('timerId' in handle)) return;
    const timer = this.#timers.get(handle.timerId);
    if (!timer) return;
    clearTimeout(timer.real);
    this.#timers.delete(timer.id);
  }

  /** Moves time forward by `ms` at once: timers due by then fire (in due order), the rest wait what is left. */
  jump(ms: number): void {
    this.#offsetMs += ms;
    const now = this.now();
    const timers = [...this.#timers.values()].sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    for (const timer of timers) {
      clearTimeout(timer.real);
      timer.real = this.#arm(timer.id, Math.max(0, timer.dueAt - now));
    }
  }

  /** Jumps to `leadMs` before the next multiple of `periodMs` since the epoch (a minute: the next cron minute). */
  jumpToBefore(periodMs: number, leadMs: number): number {
    const next = Math.ceil((this.now() + leadMs + 1) / periodMs) * periodMs;
    this.jump(next - leadMs - this.now());
    return next;
  }

  #arm(id: number, delay: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const timer = this.#timers.get(id);
      if (!timer) return;
      this.#timers.delete(id);
      timer.callback();
    }, delay);
  }
}
