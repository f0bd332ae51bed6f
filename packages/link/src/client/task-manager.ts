// The task core (Mars's NetCore + Long/ShortLinkTaskManager folded into one event-driven queue).
// Clock-driven and free of I/O: the long link, the short link and the clock are injected, so tests
// replay any interleaving of link events and timer expiries deterministically.
//
// Invariants: every task settles exactly once; a task keeps its seq (= id) on every attempt so the
// gateway can de-duplicate; a task is on at most one channel at a time; late answers for a settled or
// moved task are ignored.

import type { Clock, TimerHandle } from './clock.ts';
import { ErrCode, ErrType, LinkTaskError, localError } from './errors.ts';
import type { FrequencyLimit } from './frequency-limit.ts';
import { attemptTimeouts, taskTimeout, type NetworkType } from './timeouts.ts';
import { isControlCmdid, MAX_TASK_SEQ } from '../protocol/control.ts';
import { LinkProtocolError, type LinkFrame } from '../protocol/frame.ts';

export type Channel = 'long' | 'short' | 'both';

export interface TaskOptions {
  /** Long-link command id; required for the long channel. */
  cmdid?: number;
  /** Short-link path (e.g. `/link/sendmsg`); required for the short channel. */
  cgi?: string;
  body: Uint8Array;
  /** Default: every channel the task has an address for. */
  channel?: Channel;
  /** Long link: succeed as soon as the frame is written; no answer expected. */
  sendOnly?: boolean;
  /** Ask hooks.makeSureAuthed() before each send; wait (re-asking every second) while it says no. */
  needAuthed?: boolean;
  /** Extra attempts after the first (Mars default 1, max 30). */
  retryCount?: number;
  /** 0 is most urgent; the queue is FIFO within a priority (Mars default 3). */
  priority?: number;
  /** Cap on the whole task including retries, ms (≤ 600 000); 0 = computed only. */
  totalTimeout?: number;
  /** Expected server processing time, ms (≤ 120 000); lengthens the timeouts. */
  serverProcessCost?: number;
  /** Take part in the anti-avalanche limit (default true). */
  limitFrequency?: boolean;
  /** Fail at once when there is no network and no long link, instead of waiting. */
  networkStatusSensitive?: boolean;
  /** Extra short-link request headers. */
  headers?: Record<string, string>;
}

export interface StartedTask {
  id: number;
  promise: Promise<Uint8Array>;
}

export interface ShortLinkAttempt {
  cmdid: number;
  seq: number;
  cgi: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

export interface TaskManagerDeps {
  clock: Clock;
  longLink: {
    readonly ready: boolean;
    send(frame: LinkFrame): void;
    reset(error: LinkTaskError): void;
  };
  /** Ask for the long link because a task waits for it (the connect monitor decides when). */
  requestLongLink(): void;
  /** Absent when the client has no short link. */
  shortLink?: (attempt: ShortLinkAttempt, signal: AbortSignal, onPacket: () => void) => Promise<Uint8Array>;
  makeSureAuthed?: () => boolean;
  network(): { available: boolean; type: NetworkType };
  frequencyLimit?: FrequencyLimit;
}

export const TASK_LIMITS = {
  maxRetryCount: 30,
  maxServerProcessCost: 120_000,
  maxTotalTimeout: 600_000,
  defaultRetryCount: 1,
  defaultPriority: 3,
  /** Pause before a retry (DEF_TASK_RETRY_INTERNAL); first attempts are not delayed. */
  retryIntervalMs: 1_000,
  /** How often tasks blocked on makeSureAuthed or on the long link look again (Mars's run-loop tick). */
  pollMs: 1_000,
} as const;

interface Attempt {
  channel: 'long' | 'short';
  /** Mars reports attempt timeouts as kEctNetMsgXP on the long link and kEctHttp on the short one. */
  errType: number;
  packetGapMs: number;
  firstPacket: TimerHandle | undefined;
  readWrite: TimerHandle | undefined;
  packetGap: TimerHandle | undefined;
  abort: AbortController | undefined;
}

interface Task {
  id: number;
  cmdid: number;
  cgi: string;
  body: Uint8Array;
  channel: Channel;
  sendOnly: boolean;
  needAuthed: boolean;
  priority: number;
  serverProcessCost: number;
  limitFrequency: boolean;
  headers: Record<string, string>;
  remainingRetries: number;
  state: 'queued' | 'long' | 'short' | 'settled';
  notBefore: number;
  frequencyChecked: boolean;
  attempt: Attempt | undefined;
  deadline: TimerHandle | undefined;
  resolve(body: Uint8Array): void;
  reject(error: LinkTaskError): void;
}

export class TaskManager {
  readonly #deps: TaskManagerDeps;
  /** Unsettled tasks in send order: ascending priority, FIFO within one. */
  readonly #queue: Task[] = [];
  readonly #byId = new Map<number, Task>();
  #lastSeq = 0;
  #wake: { at: number; timer: TimerHandle } | undefined;
  #pumping = false;
  #pumpAgain = false;
  /** Why the long link is unavailable, quoted when a task waiting for it times out. */
  #linkProblem = '';
  /** The instant of the event being handled; see #inEvent. */
  #eventNow: number | undefined;

  constructor(deps: TaskManagerDeps) {
    this.#deps = deps;
  }

  get pendingCount(): number {
    return this.#queue.length;
  }

  start(options: TaskOptions): StartedTask {
    const id = this.#nextSeq();
    let resolve!: (body: Uint8Array) => void;
    let reject!: (error: LinkTaskError) => void;
    const promise = new Promise<Uint8Array>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const checked = this.#validate(options);
    if (checked instanceof LinkTaskError) {
      reject(checked.forTask(id));
      return { id, promise };
    }
    const task: Task = {
      ...checked,
      id,
      state: 'queued',
      notBefore: -Infinity,
      frequencyChecked: false,
      attempt: undefined,
      deadline: undefined,
      resolve,
      reject,
    };
    if (options.networkStatusSensitive && !this.#deps.network().available && !this.#deps.longLink.ready) {
      reject(localError(ErrCode.localNoNet, 'no network and no long link').forTask(id));
      return { id, promise };
    }
    const budget = taskTimeout({
      retryCount: task.remainingRetries,
      serverProcessCost: task.serverProcessCost,
      totalTimeout: options.totalTimeout ?? 0,
    });
    task.deadline = this.#deps.clock.setTimer(budget, () => {
      const waitingFor = task.state === 'queued' && this.#linkProblem ? ` (${this.#linkProblem})` : '';
      this.#settle(task, new LinkTaskError('timeout', ErrType.local, ErrCode.localTaskTimeout, `task ${id} did not finish within ${budget} ms${waitingFor}`));
    });
    this.#insert(task);
    this.#byId.set(id, task);
    this.#pump();
    return { id, promise };
  }

  /** Cancels a task; false when it already settled (or never existed). */
  stop(id: number): boolean {
    const task = this.#byId.get(id);
    if (!task) return false;
    this.#settle(task, new LinkTaskError('canceled', ErrType.canceled, ErrCode.localCancel, `task ${id} stopped`));
    return true;
  }

  /** Settles every task with `error` (client shutdown). */
  clear(error: LinkTaskError): void {
    for (const task of [...this.#queue]) this.#settle(task, error);
    this.#wake?.timer.cancel();
    this.#wake = undefined;
  }

  /** Re-runs the queue now (Mars TouchTasks), e.g. after the app finished logging in. */
  touch(): void {
    this.#pump();
  }

  /** `problem` is the latest reason the link is unusable, kept until the link is ready again. */
  onLinkStatus(ready: boolean, problem: string | undefined): void {
    if (ready) {
      this.#linkProblem = '';
      this.#pump();
    } else if (problem) {
      this.#linkProblem = problem;
    }
  }

  /** The long link broke: every task in flight on it has failed this attempt (Mars's batch error). */
  onLinkDown(error: LinkTaskError): void {
    this.#inEvent(() => {
      for (const task of [...this.#queue]) {
        if (task.state === 'long') this.#failAttempt(task, error);
      }
      this.#pump();
    });
  }

  onResponse(frame: LinkFrame): void {
    const task = this.#byId.get(frame.seq);
    if (task?.state === 'long') this.#settle(task, frame.body);
  }

  onTaskError(seq: number, error: LinkTaskError): void {
    const task = this.#byId.get(seq);
    if (task?.state === 'long') this.#settle(task, error);
  }

  onProgress(seq: number): void {
    const task = this.#byId.get(seq);
    if (task?.state === 'long') this.#packet(task, task.attempt!);
  }

  #validate(options: TaskOptions): Omit<Task, 'id' | 'state' | 'notBefore' | 'frequencyChecked' | 'attempt' | 'deadline' | 'resolve' | 'reject'> | LinkTaskError {
    const retryCount = options.retryCount ?? TASK_LIMITS.defaultRetryCount;
    const serverProcessCost = options.serverProcessCost ?? 0;
    const totalTimeout = options.totalTimeout ?? 0;
    const problems: string[] = [];
    if (!(options.body instanceof Uint8Array)) problems.push('body must be a Uint8Array');
    if (!isIntIn(retryCount, 0, TASK_LIMITS.maxRetryCount)) problems.push(`retryCount ${retryCount} is not 0..${TASK_LIMITS.maxRetryCount}`);
    if (!isIntIn(serverProcessCost, 0, TASK_LIMITS.maxServerProcessCost)) problems.push(`serverProcessCost ${serverProcessCost} is not 0..${TASK_LIMITS.maxServerProcessCost}`);
    if (!isIntIn(totalTimeout, 0, TASK_LIMITS.maxTotalTimeout)) problems.push(`totalTimeout ${totalTimeout} is not 0..${TASK_LIMITS.maxTotalTimeout}`);
    if (options.cmdid !== undefined && (!isIntIn(options.cmdid, 0, 0xffffffff) || isControlCmdid(options.cmdid))) {
      problems.push(`cmdid ${options.cmdid} is not an application command id`);
    }
    if (options.priority !== undefined && !Number.isInteger(options.priority)) problems.push(`priority ${options.priority} is not an integer`);
    if (problems.length > 0) return localError(ErrCode.localTaskParam, problems.join('; '));

    // As in Mars, a channel the task cannot use is dropped rather than failing the task: no cmdid → no
    // long link, no cgi (or no short link configured) → no short link.
    const wanted = options.channel ?? 'both';
    const canLong = wanted !== 'short' && (options.cmdid ?? 0) !== 0;
    const canShort = wanted !== 'long' && options.cgi !== undefined && options.cgi !== '' && this.#deps.shortLink !== undefined;
    if (!canLong && !canShort) {
      return localError(ErrCode.localChannelSelect, `no usable channel for ${wanted} (cmdid ${options.cmdid ?? 'none'}, cgi ${options.cgi ?? 'none'})`);
    }
    return {
      cmdid: options.cmdid ?? 0,
      cgi: options.cgi ?? '',
      body: options.body,
      channel: canLong && canShort ? 'both' : canLong ? 'long' : 'short',
      sendOnly: options.sendOnly ?? false,
      needAuthed: options.needAuthed ?? false,
      priority: options.priority ?? TASK_LIMITS.defaultPriority,
      serverProcessCost,
      limitFrequency: options.limitFrequency ?? true,
      headers: options.headers ?? {},
      remainingRetries: retryCount,
    };
  }

  #nextSeq(): number {
    do {
      this.#lastSeq = this.#lastSeq >= MAX_TASK_SEQ ? 1 : this.#lastSeq + 1;
    } while (this.#byId.has(this.#lastSeq));
    return this.#lastSeq;
  }

  #insert(task: Task): void {
    let at = this.#queue.length;
    while (at > 0 && this.#queue[at - 1].priority > task.priority) at--;
    this.#queue.splice(at, 0, task);
  }

  /** Starts every queued task that can go now, in queue order; arranges to be called again for the rest. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Runs `handle` with one timestamp for everything it causes. A timeout that resets the link fails
   * a whole batch of tasks; they must share one retry instant (Mars measures the retry interval from
   * the batch error), or a clock that advanced by a microsecond in between would split them across
   * two wake-ups and send some of them down a different channel than the rest.
   */
  #inEvent(handle: () => void): void {
    if (this.#eventNow !== undefined) {
      handle();
      return;
    }
    this.#eventNow = this.#deps.clock.now();
    try {
      handle();
    } finally {
      this.#eventNow = undefined;
    }
  }

  #now(): number {
    return this.#eventNow ?? this.#deps.clock.now();
  }

  #pumpOnce(): void {
    const now = this.#now();
    let wantLink = false;
    for (const task of [...this.#queue]) {
      if (task.state !== 'queued') continue;
      if (now < task.notBefore) {
        this.#wakeAt(task.notBefore);
        continue;
      }
      if (task.needAuthed && !(this.#deps.makeSureAuthed?.() ?? true)) {
        this.#wakeAt(now + TASK_LIMITS.pollMs);
        continue;
      }
      const linkReady = this.#deps.longLink.ready;
      if (task.channel !== 'short' && !linkReady) wantLink = true;
      const channel = task.channel === 'both' ? (linkReady ? 'long' : 'short') : task.channel;
      if (channel === 'long' && !linkReady) continue;
      if (task.limitFrequency && !task.frequencyChecked && this.#deps.frequencyLimit) {
        task.frequencyChecked = true;
        if (!this.#deps.frequencyLimit.check(task.cmdid, task.cgi, task.body, now)) {
          this.#settle(task, localError(ErrCode.localAntiAvalanche, `task ${task.id}: the same request was sent too often (anti-avalanche)`));
          continue;
        }
      }
      if (channel === 'long') this.#sendLong(task);
      else this.#sendShort(task);
    }
    if (wantLink) {
      this.#deps.requestLongLink();
      this.#wakeAt(now + TASK_LIMITS.pollMs);
    }
  }

  #wakeAt(at: number): void {
    if (this.#wake && this.#wake.at <= at) return;
    this.#wake?.timer.cancel();
    this.#wake = {
      at,
      timer: this.#deps.clock.setTimer(at - this.#deps.clock.now(), () => {
        this.#wake = undefined;
        this.#pump();
      }),
    };
  }

  #sendLong(task: Task): void {
    let inFlight = 0;
    for (const other of this.#queue) if (other.state === 'long') inFlight++;
    try {
      this.#deps.longLink.send({ cmdid: task.cmdid, seq: task.id, body: task.body });
    } catch (error) {
      if (!(error instanceof LinkProtocolError)) throw error;
      this.#settle(task, localError(ErrCode.localTaskParam, `task ${task.id}: ${error.message}`));
      return;
    }
    if (task.sendOnly) {
      this.#settle(task, new Uint8Array(0));
      return;
    }
    this.#beginAttempt(task, 'long', inFlight, ErrType.netMsgXP);
  }

  #sendShort(task: Task): void {
    let inFlight = 0;
    for (const other of this.#queue) if (other.state === 'short') inFlight++;
    const attempt = this.#beginAttempt(task, 'short', inFlight, ErrType.http);
    const abort = new AbortController();
    attempt.abort = abort;
    const request = { cmdid: task.cmdid, seq: task.id, cgi: task.cgi, body: task.body, headers: task.headers };
    this.#deps.shortLink!(request, abort.signal, () => {
      if (task.attempt === attempt) this.#packet(task, attempt);
    }).then(
      (body) => {
        if (task.attempt === attempt) this.#settle(task, body);
      },
      (error: unknown) => {
        if (task.attempt !== attempt) return;
        this.#failAttempt(task, error instanceof LinkTaskError ? error : new LinkTaskError('socket', ErrType.socket, ErrCode.socketRecvErr, String(error)));
        this.#pump();
      },
    );
  }

  /** Arms the per-attempt deadlines (§4.7): first packet and read/write from now, packet gap later. */
  #beginAttempt(task: Task, channel: 'long' | 'short', inFlight: number, errType: number): Attempt {
    const network = this.#deps.network().type;
    const timeouts = attemptTimeouts({ serverProcessCost: task.serverProcessCost, sendBytes: task.body.byteLength, inFlight, network });
    const attempt: Attempt = {
      channel,
      errType,
      packetGapMs: timeouts.packetToPacket,
      firstPacket: undefined,
      readWrite: undefined,
      packetGap: undefined,
      abort: undefined,
    };
    task.state = channel;
    task.attempt = attempt;
    attempt.firstPacket = this.#deps.clock.setTimer(timeouts.firstPacket, () =>
      this.#attemptTimedOut(task, attempt, ErrCode.firstPacketTimeout, `no response within ${timeouts.firstPacket} ms`),
    );
    attempt.readWrite = this.#deps.clock.setTimer(timeouts.readWrite, () =>
      this.#attemptTimedOut(task, attempt, ErrCode.readWriteTimeout, `response not complete within ${timeouts.readWrite} ms`),
    );
    return attempt;
  }

  /** Response bytes arrived: the first-packet deadline is met and the gap deadline restarts. */
  #packet(task: Task, attempt: Attempt): void {
    attempt.firstPacket?.cancel();
    attempt.firstPacket = undefined;
    attempt.packetGap?.cancel();
    attempt.packetGap = this.#deps.clock.setTimer(attempt.packetGapMs, () =>
      this.#attemptTimedOut(task, attempt, ErrCode.packetToPacketTimeout, `response stalled for ${attempt.packetGapMs} ms`),
    );
  }

  #attemptTimedOut(task: Task, attempt: Attempt, errCode: number, what: string): void {
    if (task.attempt !== attempt) return;
    this.#inEvent(() => {
      const error = new LinkTaskError('timeout', attempt.errType, errCode, `task ${task.id} on the ${attempt.channel} link: ${what}`);
      this.#failAttempt(task, error);
      if (attempt.channel === 'long') {
        // Mars treats a silent long link as broken: reconnecting is cheaper than letting every task
        // behind this one wait out its own timeout. The others get their retries.
        this.#deps.longLink.reset(new LinkTaskError('timeout', ErrType.netMsgXP, 0, `long link reset after task ${task.id} timed out`));
      }
      this.#pump();
    });
  }

  /** Ends the current attempt; retries it later when the error and the budget allow, else settles. */
  #failAttempt(task: Task, error: LinkTaskError): void {
    this.#endAttempt(task);
    if (!error.retryable || task.remainingRetries <= 0) {
      this.#settle(task, error);
      return;
    }
    task.remainingRetries--;
    task.state = 'queued';
    task.notBefore = this.#now() + TASK_LIMITS.retryIntervalMs;
  }

  #endAttempt(task: Task): void {
    const attempt = task.attempt;
    if (!attempt) return;
    task.attempt = undefined;
    attempt.firstPacket?.cancel();
    attempt.readWrite?.cancel();
    attempt.packetGap?.cancel();
    attempt.abort?.abort();
  }

  #settle(task: Task, outcome: Uint8Array | LinkTaskError): void {
    if (task.state === 'settled') return;
    this.#endAttempt(task);
    task.deadline?.cancel();
    task.state = 'settled';
    this.#byId.delete(task.id);
    this.#queue.splice(this.#queue.indexOf(task), 1);
    if (outcome instanceof LinkTaskError) task.reject(outcome.forTask(task.id));
    else task.resolve(outcome);
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
