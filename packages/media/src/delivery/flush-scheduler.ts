// Writes to players are gathered and flushed together: by default once per turn of the
// event loop (every frame that arrived in one poll phase leaves in one writev per socket),
// or, in throughput mode, once per merge window (like SRS's merged write), trading latency
// bounded by the window for far fewer system calls.
//
// In throughput mode the players are spread over phases of the window. Every player gets the
// same frames at the same moment, so one timer for all of them would make every window end in
// one burst of a write per player (1000 × ~70 KB at once), and the last players of the burst
// would wait the window plus the burst. With phases, each tick flushes one share of the players,
// and each player still flushes at most once per window.

export interface Flushable {
  /** Returns how many connections it wrote to: a turn is sliced by that work, not by the number of targets. */
  flush(): number;
}

/** A phase shorter than this would tick faster than timers are worth. */
const MIN_PHASE_MS = 10;
const MAX_PHASES = 16;

/**
 * Connections written per turn before the event loop polls again. One turn writing to 1000 players
 * takes ~8 ms, and a message that arrives meanwhile (audio and video are often a few ms apart)
 * used to wait in the kernel for the whole loop and then be fanned out in a second loop. Between
 * slices the loop reads it, and every player not yet flushed takes it in the same write: the busier
 * the server, the more it merges, without holding anything back when it is idle.
 */
const TURN_SLICE = 64;

/** Runs flushes at the end of the current event-loop turn, each target once, in slices of about TURN_SLICE connections. */
class TurnQueue {
  #dirty: Flushable[] = [];
  /** Where the next slice starts in #dirty; targets added during a run go to the end and keep their order. */
  #next = 0;
  #scheduled = false;
  readonly #run = (): void => {
    this.#scheduled = false;
    const dirty = this.#dirty;
    // Targets added by these flushes wait for the next run: the loop polls sockets first.
    const queued = dirty.length;
    let end = this.#next;
    for (let written = 0; written < TURN_SLICE && end < queued; end++) written += dirty[end].flush();
    this.#next = end;
    if (end < dirty.length) {
      this.#schedule();
      return;
    }
    // pop() keeps the capacity: a fresh list per run grew (and reallocated) to one slot per player every turn.
    while (dirty.length > 0) dirty.pop();
    this.#next = 0;
  };

  add(target: Flushable): void {
    this.#dirty.push(target);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // An immediate queued while immediates run waits for the next turn: the loop polls sockets first.
    setImmediate(this.#run);
  }
}

/** Flushes one phase of the merge window per tick; ticks only while something waits. */
class WindowPhases {
  readonly #phaseMs: number;
  readonly #dirty: Flushable[][];
  #spare: Flushable[] = [];
  /** The phase flushed by the next tick. */
  #current = 0;
  #waiting = 0;
  #nextAssigned = 0;
  /** When the next tick is due: ticks keep a fixed cadence instead of drifting by each timer's lateness. */
  #dueAt = 0;
  #ticking = false;
  readonly #tick = (): void => {
    const dirty = this.#dirty[this.#current];
    this.#dirty[this.#current] = this.#spare;
    this.#current = (this.#current + 1) % this.#dirty.length;
    this.#waiting -= dirty.length;
    flushAll(dirty);
    this.#spare = dirty;
    if (this.#waiting === 0) {
      this.#ticking = false;
      return;
    }
    this.#dueAt += this.#phaseMs;
    setTimeout(this.#tick, Math.max(0, this.#dueAt - performance.now()));
  };

  constructor(windowMs: number) {
    const phases = Math.min(MAX_PHASES, Math.max(1, Math.floor(windowMs / MIN_PHASE_MS)));
    this.#phaseMs = windowMs / phases;
    this.#dirty = Array.from({ length: phases }, () => []);
  }

  /** Phases go round robin, so the players of a stream spread evenly over the window. */
  assign(): number {
    const phase = this.#nextAssigned;
    this.#nextAssigned = (phase + 1) % this.#dirty.length;
    return phase;
  }

  /**
   * Waits at most one window: the phase after the one just flushed is next, and a phase comes
   * round once per window.
   */
  add(target: Flushable, phase: number): void {
    this.#dirty[phase % this.#dirty.length].push(target);
    this.#waiting++;
    if (this.#ticking) return;
    this.#ticking = true;
    this.#dueAt = performance.now() + this.#phaseMs;
    setTimeout(this.#tick, this.#phaseMs);
  }
}

function flushAll(targets: Flushable[]): void {
  for (const target of targets) target.flush();
  // pop() keeps the capacity; a run cannot start before the previous one returns, so nothing else holds the list.
  while (targets.length > 0) targets.pop();
}

export class FlushScheduler {
  readonly #turn = new TurnQueue();
  readonly #window: WindowPhases | null;

  constructor(mergeWindowMs: number) {
    this.#window = mergeWindowMs > 0 ? new WindowPhases(mergeWindowMs) : null;
  }

  /** The phase of the merge window a new writer flushes in (0 without a window). */
  assignPhase(): number {
    return this.#window?.assign() ?? 0;
  }

  /** Asks for `target.flush()` at the end of this turn. The caller schedules once per batch. */
  scheduleNow(target: Flushable): void {
    this.#turn.add(target);
  }

  /** Asks for `target.flush()` when its phase of the merge window comes (end of this turn without a window). */
  schedule(target: Flushable, phase: number): void {
    if (this.#window === null) this.#turn.add(target);
    else this.#window.add(target, phase);
  }
}
