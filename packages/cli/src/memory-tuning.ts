// `livelink serve` restarts itself in place, once, with a V8 setting that only takes effect when
// a process starts. Measured at 1000 RTMP players (bench/RESULTS.md, "memory tuning"): V8's young
// generation grows from its 8 MB startup size to its 32 MB default ceiling under fan-out's
// allocation rate, 24 KB per player at that load; capped at 8 MB (--max-semi-space-size=4) it does
// not grow, with no CPU cost the benchmark could tell apart from its noise.
// process.execve keeps the pid, stdio and signals, so a supervisor or a test that started `serve`
// never notices. Opt out with LIVELINK_MEMORY_TUNING=off; a semi-space size already given on the
// command line or in NODE_OPTIONS is left as it is.

export const TUNED_MARKER = 'LIVELINK_MEMORY_TUNED';
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const SEMI_SPACE_MB = 4;

export interface Relaunch {
  execArgv: string[];
  env: Record<string, string | undefined>;
}

/** What the tuned process needs beyond this one, or null when there is nothing to change. */
export function tunedRelaunch(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): Relaunch | null {
  if (env[TUNED_MARKER] !== undefined || env.LIVELINK_MEMORY_TUNING === 'off') return null;
  const semiSpaceSet = execArgv.some((arg) => arg.startsWith(SEMI_SPACE_FLAG)) || (env.NODE_OPTIONS ?? '').includes(SEMI_SPACE_FLAG);
  if (semiSpaceSet) return null;
  return { execArgv: [`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`, ...execArgv], env: { ...env, [TUNED_MARKER]: '1' } };
}

/** Replaces this process with its tuned self (same pid) where the platform can; returns otherwise. */
export function relaunchWithMemoryTuning(): void {
  const relaunch = tunedRelaunch(process.execArgv, process.env);
  // execve exists on POSIX systems only; Windows keeps running untuned.
  if (relaunch === null || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...relaunch.execArgv, ...process.argv.slice(1)], relaunch.env);
}
