// `livelink serve` restarts itself in place, once, with memory settings that only take effect
// when a process starts. Measured at 1000 RTMP players (bench/RESULTS.md, "memory tuning"):
// - V8's young generation grows to its 32 MB default ceiling under fan-out's allocation rate,
//   32 KB per player at that load; capped at 8 MB (--max-semi-space-size=4) it does not grow
//   past its startup size, with no CPU cost the benchmark could tell apart from noise.
// - glibc gives every thread that allocates (V8's GC helpers, libuv's pool) an arena of its
//   own; in low-latency mode they held ~20 MB more at 1000 players. MALLOC_ARENA_MAX=2 shares one.
// process.execve keeps the pid, stdio and signals, so a supervisor or a test that started
// `serve` never notices. Opt out with LIVELINK_MEMORY_TUNING=off; settings already present in
// NODE_OPTIONS, the command line or the environment are left as they are.

export const TUNED_MARKER = 'LIVELINK_MEMORY_TUNED';
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const SEMI_SPACE_MB = 4;
const MALLOC_ARENAS = 2;

export interface Relaunch {
  execArgv: string[];
  env: Record<string, string | undefined>;
}

/** What the tuned process needs beyond this one, or null when there is nothing to change. */
export function tunedRelaunch(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>, platform: string): Relaunch | null {
  if (env[TUNED_MARKER] !== undefined || env.LIVELINK_MEMORY_TUNING === 'off') return null;
  const flags: string[] = [];
  const semiSpaceSet = execArgv.some((arg) => arg.startsWith(SEMI_SPACE_FLAG)) || (env.NODE_OPTIONS ?? '').includes(SEMI_SPACE_FLAG);
  if (!semiSpaceSet) flags.push(`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`);
  const tunedEnv: Record<string, string | undefined> = { ...env, [TUNED_MARKER]: '1' };
  // The arena setting is glibc's; elsewhere the variable means nothing.
  const arenas = platform === 'linux' && env.MALLOC_ARENA_MAX === undefined;
  if (arenas) tunedEnv.MALLOC_ARENA_MAX = String(MALLOC_ARENAS);
  if (flags.length === 0 && !arenas) return null;
  return { execArgv: [...flags, ...execArgv], env: tunedEnv };
}

/** Replaces this process with its tuned self (same pid) where the platform can; returns otherwise. */
export function relaunchWithMemoryTuning(): void {
  const relaunch = tunedRelaunch(process.execArgv, process.env, process.platform);
  // execve exists on POSIX systems only; Windows keeps running untuned.
  if (relaunch === null || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...relaunch.execArgv, ...process.argv.slice(1)], relaunch.env);
}
