// Decides when the long link (re)connects, from the pure interval policy in reconnect.ts: tasks ask
// for the link, a lost link asks again 0.5 s later, and each ask connects now or arms one timer for
// the earliest moment the policy allows.

import type { Clock, TimerHandle } from './clock.ts';
import { connectDelay, type ActivityBucket, type ConnectTrigger } from './reconnect.ts';

export interface ConnectMonitorDeps {
  clock: Clock;
  random: () => number;
  /** Whether the link is connecting or connected (nothing to do then). */
  linkBusy(): boolean;
  connect(): void;
  activity(): ActivityBucket;
  networkAvailable(): boolean;
  /** Mars's is_keep_alive: without it only tasks bring the link up. */
  keepAlive: boolean;
}

/** Mars re-evaluates 0.5 s after a link is lost or a connect fails. */
export const RECONNECT_CHECK_DELAY_MS = 500;

export class ConnectMonitor {
  readonly #deps: ConnectMonitorDeps;
  #lastAttemptAt = -Infinity;
  #pending: { at: number; trigger: ConnectTrigger; timer: TimerHandle } | undefined;
  /**
   * The server closed the link in an orderly way: it wants us gone (restart, overload, kicked), so
   * the keep-alive stays down until a task needs the link (Mars's svr_trig_off_).
   */
  #serverClosed = false;
  #stopped = false;

  constructor(deps: ConnectMonitorDeps) {
    this.#deps = deps;
  }

  request(trigger: ConnectTrigger): void {
    if (this.#stopped || this.#deps.linkBusy()) return;
    if (trigger === 'task') this.#serverClosed = false;
    if (trigger === 'auto' && (!this.#deps.keepAlive || this.#serverClosed)) return;
    const now = this.#deps.clock.now();
    const delay = connectDelay({
      trigger,
      bucket: this.#deps.activity(),
      networkAvailable: this.#deps.networkAvailable(),
      random: this.#deps.random(),
      sinceLastAttempt: now - this.#lastAttemptAt,
    });
    if (delay === 0) {
      this.#cancelPending();
      this.#lastAttemptAt = now;
      this.#deps.connect();
      return;
    }
    if (this.#pending && this.#pending.at <= now + delay) return;
    this.#schedule(delay, trigger);
  }

  /** The link was lost (or never came up); `serverClosed` when the server ended it cleanly. */
  onLinkLost(serverClosed: boolean): void {
    if (this.#stopped) return;
    this.#serverClosed = serverClosed;
    this.#schedule(RECONNECT_CHECK_DELAY_MS, 'auto');
  }

  /** The app changed state or the network came back: the spacing rules may allow a connect now. */
  reevaluate(): void {
    this.request('auto');
  }

  /** A different network: old addresses and NAT mappings are void, connect at once (Mars). */
  onNetworkChange(): void {
    this.#serverClosed = false;
    this.request('network-change');
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelPending();
  }

  #schedule(delay: number, trigger: ConnectTrigger): void {
    this.#cancelPending();
    const at = this.#deps.clock.now() + delay;
    this.#pending = {
      at,
      trigger,
      timer: this.#deps.clock.setTimer(delay, () => {
        this.#pending = undefined;
        this.request(trigger);
      }),
    };
  }

  #cancelPending(): void {
    this.#pending?.timer.cancel();
    this.#pending = undefined;
  }
}
