// Giving memory back after an audience leaves. Measured with 1000 RTMP players who all leave
// (bench/RESULTS.md, "memory given back after players leave"): the ~14 MB they added stays resident for minutes.
// Two things hold it: V8 does not collect while the process is idle, so buffers the players and
// the stream left behind are garbage that still owns its malloc'd backing store; and once they are
// collected, glibc keeps the freed chunks in its arenas (only the top of an arena is ever handed
// back on free). A full GC alone returned nothing, malloc_trim alone about two thirds, both
// together everything. So once a wave of departures has settled, `serve` runs a full GC and then
// glibc's malloc_trim(0), which madvises every whole free page back to the kernel. It does the same
// once shortly after startup: loading the TypeScript sources and the web app leaves 7-14 MB behind
// (an idle `serve` went from 122.9 to 110.1 MB RSS, in 15 ms).

/** When a release is worth its cost (a full GC pauses the event loop for some milliseconds). */
export interface ReleasePolicy {
  /** Sessions that must have left, counted from the highest count since the last release... */
  minDepartures: number;
  /**
   * ...and at least this share of that count. The full GC pauses everyone still watching for
   * 35-55 ms, while what a few departures free is small: release when an audience has largely
   * gone, not every time a large one thins out.
   */
  minDepartureShare: number;
  /** The count must have stopped changing for this long: one release after a wave, not one per leaver. */
  settleMs: number;
  /** At most one release per this interval, however the audience churns. */
  minIntervalMs: number;
}

export const DEFAULT_RELEASE_POLICY: ReleasePolicy = { minDepartures: 50, minDepartureShare: 0.5, settleMs: 1000, minIntervalMs: 10_000 };

/** How often the session count is sampled: departures that settle are noticed within this. */
const SAMPLE_EVERY_MS = 250;
/** When what starting up left behind (compiled sources, the web app's build) is released. */
const STARTUP_RELEASE_AFTER_MS = 3000;

/** Decides, from a session count sampled over time, when a wave of departures has ended. */
export class DepartureWatch {
  readonly policy: ReleasePolicy;
  #peak = 0;
  #last = 0;
  #changedAtMs = 0;
  #releasedAtMs = Number.NEGATIVE_INFINITY;

  constructor(policy: ReleasePolicy = DEFAULT_RELEASE_POLICY) {
    this.policy = policy;
  }

  /** Feeds the current session count; true when memory should be released now. */
  observe(sessions: number, nowMs: number): boolean {
    if (sessions !== this.#last) {
      this.#last = sessions;
      this.#changedAtMs = nowMs;
    }
    this.#peak = Math.max(this.#peak, sessions);
    const departed = this.#peak - sessions;
    if (departed < this.policy.minDepartures || departed < this.policy.minDepartureShare * this.#peak) return false;
    if (nowMs - this.#changedAtMs < this.policy.settleMs) return false;
    if (nowMs - this.#releasedAtMs < this.policy.minIntervalMs) return false;
    this.#peak = sessions;
    this.#releasedAtMs = nowMs;
    return true;
  }
}

/**
 * A full garbage collection after which the V8 heap and the memory of dead ArrayBuffers (Node
 * Buffers: most of what a departed audience leaves behind) are back with the system or in malloc's
 * hands; null without `gc` (--expose-gc).
 * - The "last resort" flavour is V8's memory-reducing collection: it compacts the old generation
 *   and unmaps the pages V8 would otherwise keep pooled for reuse. After a plain full GC of a heap
 *   whose objects had died, V8's committed heap fell from 106 to 15 MB yet RSS stayed at 160 MB;
 *   with this flavour RSS fell to 58 MB (measured in a child process, see the test).
 * - V8 frees dead backing stores on a background thread after a full GC; a young-generation GC
 *   starts by completing that sweep, so the trim that follows sees them free (measured: 57 MB of
 *   60 MB returned with it, 1-3 MB without).
 */
export function fullCollection(gc: NodeJS.GCFunction | undefined = globalThis.gc): (() => void) | null {
  if (gc === undefined) return null;
  return () => {
    gc({ type: 'major', flavor: 'last-resort' });
    gc({ type: 'minor' });
  };
}

/**
 * glibc's malloc_trim(0), through koffi; null where there is no glibc (macOS, Windows, musl) or no
 * koffi build for this platform: those allocators either return memory on their own or have no
 * such call, and the server runs the same without it.
 */
export async function loadAllocatorTrim(): Promise<(() => boolean) | null> {
  if (process.platform !== 'linux') return null;
  try {
    const { default: koffi } = await import('koffi');
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
    return () => mallocTrim(0) === 1;
  } catch {
    return null;
  }
}

export interface ReleaseReport {
  /** After startup (once), or after a wave of departures. */
  reason: 'startup' | 'departures';
  rssBeforeBytes: number;
  rssAfterBytes: number;
  durationMs: number;
  /** Whether a full GC ran (the process has `gc`). */
  collected: boolean;
  /** malloc_trim's answer (true: pages went back to the kernel); null where there is no such call. */
  trimmed: boolean | null;
}

export interface MemoryReleaserOptions {
  /** Sessions open now (players, publishers, long links). */
  countSessions: () => number;
  /** A full garbage collection (fullCollection()), or null where the process has none. */
  collectGarbage: (() => void) | null;
  /** Hands free allocator pages back to the kernel; null where there is no such call. */
  trimAllocator: (() => boolean) | null;
  onRelease: (report: ReleaseReport) => void;
}

export function startMemoryReleaser(options: MemoryReleaserOptions): { stop(): void } {
  const watch = new DepartureWatch();
  const releaseNow = (reason: ReleaseReport['reason']): ReleaseReport => {
    const rssBeforeBytes = process.memoryUsage.rss();
    const startedMs = performance.now();
    options.collectGarbage?.();
    const trimmed = options.trimAllocator?.() ?? null;
    return {
      reason,
      rssBeforeBytes,
      rssAfterBytes: process.memoryUsage.rss(),
      durationMs: performance.now() - startedMs,
      collected: options.collectGarbage !== null,
      trimmed,
    };
  };
  const timer = setInterval(() => {
    if (watch.observe(options.countSessions(), performance.now())) options.onRelease(releaseNow('departures'));
  }, SAMPLE_EVERY_MS);
  const startup = setTimeout(() => options.onRelease(releaseNow('startup')), STARTUP_RELEASE_AFTER_MS);
  // Neither must be what keeps the process alive.
  timer.unref();
  startup.unref();
  return {
    stop: () => {
      clearInterval(timer);
      clearTimeout(startup);
    },
  };
}
