// The task layer shared by long and short links: which handler serves a cmdid, running it at
// most once per (client id, seq), turning exceptions into task errors, and counting what is
// in flight so a graceful shutdown knows when it may close.

import { TaskErrorCodes, type TaskErrorBody } from '@livelink/link';
import { RetryCache } from './retry-cache.ts';
import { TaskError } from './task-error.ts';
import type { Logger } from './log.ts';

/** What a handler knows about the long link a task arrived on. */
export interface LinkConnectionInfo {
  readonly id: number;
  readonly transport: 'tcp' | 'ws';
  /** Set by a successful identify. */
  readonly userId: string | null;
  /** From the hello frame; null for clients that send none (plain Mars clients). */
  readonly clientId: string | null;
}

export interface TaskContext {
  cmdid: number;
  seq: number;
  body: Uint8Array;
  channel: 'long' | 'short';
  /** The long link the task came on; null for short links. */
  connection: LinkConnectionInfo | null;
  userId: string | null;
  clientId: string | null;
}

/** Returns the response body; returning nothing answers with an empty body. */
export type TaskHandler = (ctx: TaskContext) => Promise<Uint8Array | void> | Uint8Array | void;

export interface HandleOptions {
  /** The client expects no answer (Mars `send_only`): the handler runs, nothing is sent back. */
  sendOnly?: boolean;
}

interface Route {
  handler: TaskHandler;
  sendOnly: boolean;
}

export type TaskOutcome = { ok: true; body: Uint8Array } | { ok: false; error: TaskErrorBody };

export interface Dispatch {
  /** Synchronous when the handler (or the stored result) is: most handlers need no promise. */
  outcome: TaskOutcome | Promise<TaskOutcome>;
  /** True when the outcome is the one stored for an earlier attempt of the same task. */
  replayed: boolean;
  sendOnly: boolean;
}

export interface TaskDispatcherOptions {
  dedupTtlMs: number;
  dedupMaxEntries: number;
  dedupMaxBytes: number;
  now: () => number;
  log: Logger;
}

const EMPTY = new Uint8Array(0);

export class TaskDispatcher {
  readonly #routes = new Map<number, Route>();
  readonly #done: RetryCache<TaskOutcome>;
  readonly #log: Logger;
  #inFlight = 0;
  #executed = 0;
  #replayed = 0;
  #onIdle: (() => void) | null = null;

  constructor(options: TaskDispatcherOptions) {
    this.#log = options.log;
    this.#done = new RetryCache<TaskOutcome>({
      ttlMs: options.dedupTtlMs,
      maxEntries: options.dedupMaxEntries,
      maxBytes: options.dedupMaxBytes,
      now: options.now,
      sizeOf: (outcome) => (outcome.ok ? outcome.body.byteLength : outcome.error.message.length * 2),
    });
  }

  handle(cmdid: number, handler: TaskHandler, options: HandleOptions = {}): void {
    this.#routes.set(cmdid >>> 0, { handler, sendOnly: options.sendOnly ?? false });
  }

  has(cmdid: number): boolean {
    return this.#routes.has(cmdid);
  }

  /**
   * Runs the task unless an attempt with the same `dedupKey` already ran (or is running), in
   * which case that attempt's outcome is returned. A null key means the task cannot be matched
   * to earlier attempts and always runs.
   */
  dispatch(ctx: TaskContext, dedupKey: string | null): Dispatch {
    const route = this.#routes.get(ctx.cmdid);
    if (route === undefined) {
      const error = { code: TaskErrorCodes.noHandler, message: `no handler for cmdid ${ctx.cmdid}` };
      return { outcome: { ok: false, error }, replayed: false, sendOnly: false };
    }
    if (dedupKey === null) {
      return { outcome: this.#execute(route, ctx), replayed: false, sendOnly: route.sendOnly };
    }
    const { result, replayed } = this.#done.run(dedupKey, () => this.#execute(route, ctx));
    if (replayed) this.#replayed++;
    return { outcome: result, replayed, sendOnly: route.sendOnly };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get executed(): number {
    return this.#executed;
  }

  get replayed(): number {
    return this.#replayed;
  }

  /** Resolves once no handler is running. */
  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#onIdle;
      this.#onIdle = () => {
        previous?.();
        resolve();
      };
    });
  }

  #execute(route: Route, ctx: TaskContext): TaskOutcome | Promise<TaskOutcome> {
    this.#executed++;
    let result: Promise<Uint8Array | void> | Uint8Array | void;
    try {
      result = route.handler(ctx);
    } catch (error) {
      return this.#failed(error, ctx);
    }
    if (!(result instanceof Promise)) return this.#succeeded(result, ctx);
    this.#inFlight++;
    return result.then(
      (body) => this.#succeeded(body, ctx),
      (error: unknown) => this.#failed(error, ctx),
    ).finally(() => {
      if (--this.#inFlight === 0 && this.#onIdle !== null) {
        const onIdle = this.#onIdle;
        this.#onIdle = null;
        onIdle();
      }
    });
  }

  #succeeded(body: Uint8Array | void, ctx: TaskContext): TaskOutcome {
    if (body === undefined) return { ok: true, body: EMPTY };
    if (body instanceof Uint8Array) return { ok: true, body };
    return this.#failed(new TypeError(`handler returned ${typeof body}, not a Uint8Array`), ctx);
  }

  #failed(error: unknown, ctx: TaskContext): TaskOutcome {
    if (error instanceof TaskError) return { ok: false, error: { code: error.code, message: error.message } };
    this.#log('error', 'task handler failed', { cmdid: ctx.cmdid, seq: ctx.seq, channel: ctx.channel, error: String(error) });
    return { ok: false, error: { code: TaskErrorCodes.handlerFailed, message: 'handler failed' } };
  }
}
