// Hashed timer wheel (Varghese & Lauck, scheme 6) for idle and identify deadlines.
//
// 100k connections each holding a setTimeout would cost a timer object and a closure per
// connection plus a re-arm on every frame. Here a deadline is three fields on an object the
// caller already owns (intrusive list links), scheduling and cancelling are O(1), and one
// periodic `advance(now)` expires everything due. The wheel never reads a clock or sets a
// timer itself: the caller passes `now`, so tests drive it with a fake clock.

/** Fields a wheel keeps on each scheduled object; start them as NOT_SCHEDULED, null, null. Not scheduled iff wheelNext is null. */
export interface WheelTimer {
  /** Absolute due time in the caller's clock units (ms), or NOT_SCHEDULED. */
  wheelDeadline: number;
  wheelNext: WheelTimer | null;
  wheelPrev: WheelTimer | null;
}

export const NOT_SCHEDULED = -1;

export interface TimerWheelOptions<T extends WheelTimer> {
  /** Resolution: deadlines fire at most one tick late. */
  tickMs: number;
  /** Number of slots; a deadline further than slots × tickMs away waits extra rounds. */
  slots: number;
  /** Time of creation, in the same units as `advance(now)`. */
  now: number;
  /** Called once per expired timer, after it was removed from the wheel (it may reschedule itself). */
  onExpire: (timer: T, now: number) => void;
}

export class TimerWheel<T extends WheelTimer> {
  readonly #tickMs: number;
  /** One sentinel per slot heading a circular list, so unlinking never needs to know the slot. */
  readonly #slots: WheelTimer[];
  readonly #onExpire: (timer: T, now: number) => void;
  /** Index of the last tick processed; tick t lives in slot t mod slots. */
  #tick: number;
  #now: number;
  #size = 0;

  constructor(options: TimerWheelOptions<T>) {
    if (!(options.tickMs > 0) || !Number.isInteger(options.slots) || options.slots < 1) {
      throw new RangeError(`timer wheel needs tickMs > 0 and an integer slots >= 1, got ${options.tickMs} and ${options.slots}`);
    }
    this.#tickMs = options.tickMs;
    this.#slots = [];
    for (let i = 0; i < options.slots; i++) {
      const sentinel: WheelTimer = { wheelDeadline: NOT_SCHEDULED, wheelNext: null, wheelPrev: null };
      sentinel.wheelNext = sentinel;
      sentinel.wheelPrev = sentinel;
      this.#slots.push(sentinel);
    }
    this.#onExpire = options.onExpire;
    this.#now = options.now;
    this.#tick = Math.floor(options.now / options.tickMs);
  }

  /** Timers currently scheduled. */
  get size(): number {
    return this.#size;
  }

  /** The `now` of the last advance: a coarse clock that costs nothing to read. */
  get now(): number {
    return this.#now;
  }

  isScheduled(timer: T): boolean {
    return timer.wheelNext !== null;
  }

  /** (Re)schedules `timer` to expire at `deadline`; a deadline already past fires on the next advance. */
  schedule(timer: T, deadline: number): void {
    if (timer.wheelNext !== null) this.#unlink(timer);
    timer.wheelDeadline = deadline;
    // Never place a timer in the slot of a tick already processed, or it would wait a full round.
    const tick = Math.max(Math.ceil(deadline / this.#tickMs), this.#tick + 1);
    const sentinel = this.#slots[tick % this.#slots.length];
    const first = sentinel.wheelNext as WheelTimer;
    timer.wheelPrev = sentinel;
    timer.wheelNext = first;
    first.wheelPrev = timer;
    sentinel.wheelNext = timer;
    this.#size++;
  }

  cancel(timer: T): void {
    if (timer.wheelNext !== null) this.#unlink(timer);
  }

  /** Processes every tick up to `now` and expires the timers due by then. */
  advance(now: number): void {
    if (now < this.#now) return; // a clock stepping backwards must not replay old ticks
    this.#now = now;
    const target = Math.floor(now / this.#tickMs);
    // After a long pause every slot is visited once; more laps would only revisit the same lists.
    const steps = Math.min(target - this.#tick, this.#slots.length);
    let due: WheelTimer[] | null = null;
    for (let i = 1; i <= steps; i++) {
      const sentinel = this.#slots[(this.#tick + i) % this.#slots.length];
      let timer = sentinel.wheelNext as WheelTimer;
      while (timer !== sentinel) {
        const next = timer.wheelNext as WheelTimer;
        // Timers further away than one lap share the slot and stay for a later round.
        if (Math.ceil(timer.wheelDeadline / this.#tickMs) <= target) {
          this.#unlink(timer);
          (due ??= []).push(timer);
        }
        timer = next;
      }
    }
    this.#tick = target;
    // Callbacks run after the walk so that one of them cancelling or scheduling another timer
    // cannot break the list being walked.
    if (due !== null) for (const timer of due) this.#onExpire(timer as T, now);
  }

  #unlink(timer: WheelTimer): void {
    (timer.wheelPrev as WheelTimer).wheelNext = timer.wheelNext;
    (timer.wheelNext as WheelTimer).wheelPrev = timer.wheelPrev;
    timer.wheelNext = null;
    timer.wheelPrev = null;
    timer.wheelDeadline = NOT_SCHEDULED;
    this.#size--;
  }
}
