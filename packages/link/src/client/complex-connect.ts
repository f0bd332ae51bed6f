// Staggered parallel connect over several addresses (Mars's ComplexConnect, complexconnect.cc):
// start the first candidate at once and another every `staggerMs` while fewer than `maxInFlight` are
// pending, each with its own deadline; the first to open wins and the rest are closed. One dead
// address then costs a 2.5 s delay instead of a full 10 s connect timeout.

import type { Clock, TimerHandle } from './clock.ts';
import type { CloseReason, LongLinkTransport, TransportConnection } from '../transport/types.ts';

export interface ComplexConnectOptions {
  attemptTimeoutMs: number;
  staggerMs: number;
  maxInFlight: number;
}

/** Mars's long-link values (kLonglinkConnTimeout, kLonglinkConnInteral, kLonglinkConnMax). */
export const MARS_CONNECT_OPTIONS: Readonly<ComplexConnectOptions> = {
  attemptTimeoutMs: 10_000,
  staggerMs: 2_500,
  maxInFlight: 3,
};

export interface ComplexConnectHandlers {
  onConnected(connection: TransportConnection, address: string, index: number): void;
  /** Every candidate failed; `detail` describes the last failure. */
  onFailed(detail: string): void;
  /** Traffic and close of the winning connection only. */
  onData(bytes: Uint8Array): void;
  onClose(reason: CloseReason, detail: string): void;
}

export interface ComplexConnect {
  /** Abandons the race (or the won connection's event routing) and closes every pending socket. */
  cancel(): void;
}

interface Candidate {
  address: string;
  index: number;
  connection: TransportConnection | undefined;
  deadline: TimerHandle | undefined;
  state: 'pending' | 'failed' | 'won' | 'dropped';
}

export function complexConnect(
  transport: LongLinkTransport,
  addresses: readonly string[],
  clock: Clock,
  options: ComplexConnectOptions,
  handlers: ComplexConnectHandlers,
): ComplexConnect {
  const candidates: Candidate[] = [];
  let next = 0;
  let inFlight = 0;
  let lastStartAt = -Infinity;
  let staggerTimer: TimerHandle | undefined;
  let finished = false;
  /** Set by cancel(): the owner no longer wants any callback, even about a won connection. */
  let cancelled = false;
  let lastFailure = 'no address to connect to';

  const finish = () => {
    finished = true;
    staggerTimer?.cancel();
    for (const c of candidates) {
      c.deadline?.cancel();
      if (c.state === 'pending') {
        c.state = 'dropped';
        c.connection?.close();
      }
    }
  };

  const fail = (c: Candidate, detail: string) => {
    if (c.state !== 'pending') return;
    c.state = 'failed';
    c.deadline?.cancel();
    inFlight--;
    lastFailure = `${c.address}: ${detail}`;
    if (next >= addresses.length && inFlight === 0) {
      finish();
      handlers.onFailed(lastFailure);
    } else {
      tryLaunch();
    }
  };

  const launch = () => {
    const c: Candidate = { address: addresses[next], index: next, connection: undefined, deadline: undefined, state: 'pending' };
    next++;
    inFlight++;
    lastStartAt = clock.now();
    candidates.push(c);
    c.deadline = clock.setTimer(options.attemptTimeoutMs, () => {
      c.connection?.close();
      fail(c, `no connection within ${options.attemptTimeoutMs} ms`);
    });
    c.connection = transport.connect(c.address, {
      onOpen: () => {
        if (c.state !== 'pending' || finished) return;
        c.state = 'won';
        inFlight--;
        finish();
        handlers.onConnected(c.connection!, c.address, c.index);
      },
      onData: (bytes) => {
        if (c.state === 'won' && !cancelled) handlers.onData(bytes);
      },
      onClose: (reason, detail) => {
        if (c.state === 'won') {
          if (!cancelled) handlers.onClose(reason, detail);
        } else {
          fail(c, detail);
        }
      },
    });
  };

  const tryLaunch = () => {
    if (finished || next >= addresses.length || inFlight >= options.maxInFlight) return;
    const wait = lastStartAt + options.staggerMs - clock.now();
    if (wait > 0) {
      staggerTimer?.cancel();
      staggerTimer = clock.setTimer(wait, () => {
        staggerTimer = undefined;
        tryLaunch();
      });
      return;
    }
    launch();
    tryLaunch();
  };

  if (addresses.length === 0) {
    // Reported asynchronously like every other outcome, so callers never see a callback before the return.
    staggerTimer = clock.setTimer(0, () => {
      if (!cancelled) handlers.onFailed(lastFailure);
    });
  } else {
    tryLaunch();
  }

  return {
    cancel() {
      cancelled = true;
      if (!finished) finish();
    },
  };
}
