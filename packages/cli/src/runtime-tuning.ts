// `livelink serve` restarts itself in place, once, with V8 settings that only take effect when a
// process starts:
// - --max-semi-space-size=1. Measured at 1000 RTMP players (bench/RESULTS.md, "memory tuning" and
//   sessions 5 and 10): under fan-out's allocation rate V8's young generation grows to its ceiling
//   (32 MB by default, 24 KB per player at that load); a semi-space of 2 MB holds it at 4 MB, 1 MB
//   at 2 MB. Almost nothing survives a scavenge there (~40 KB/s is promoted), so halving the
//   semi-space doubles the scavenges but not their work: each pause got shorter (0.29 ms mean,
//   1.4 ms max, against 0.48 and 5.6 at 2 MB) and CPU did not move beyond the noise. Alternating
//   runs (session 10) put RTMP players at 12-16 KB each against 16-21 at 2 MB; HTTP-FLV players
//   at 10-16 against 13-15.
// - --expose-gc, so that after an audience leaves the server can collect what it left behind
//   before handing free memory back to the kernel (memory-release.ts).
// - --single-threaded-gc, only when the process may run on a single core (its CPU affinity, e.g.
//   `taskset` or a one-CPU cpuset). V8's helper threads for concurrent marking and parallel
//   scavenges can then only run by preempting the event loop, for whole scheduler slices: at 1000
//   players the ~45 ms of concurrent marking of each Mark-Compact (every ~6 s) delayed the keyframe
//   fan-out it landed on to a keyframe p99 of 40-50 ms. Marked on the main thread, in V8's small
//   incremental steps between event-loop tasks, that p99 is 17-22 ms (bench/RESULTS.md, session 5).
//   With more cores the helpers run beside the event loop, as V8 intends.
// - MALLOC_ARENA_MAX=1 in the environment (read by glibc when the process starts; other C
//   libraries ignore it). glibc gives threads that allocate their own arenas, and what they free
//   stays in them: V8's compiler and helper threads had grown theirs by several MB once players
//   arrived. With the event loop doing nearly all allocation, one arena loses no parallelism worth
//   having. Measured at 1000 RTMP players (bench/RESULTS.md, session 7), alternating: idle RSS
//   106 MB against 116-120, RSS with the players 119-124 MB against 134-141, the same CPU.
// process.execve keeps the pid, stdio and signals, so a supervisor or a test that started `serve`
// never notices. Opt out with LIVELINK_RUNTIME_TUNING=off; a flag already given on the command line
// or in NODE_OPTIONS, or a MALLOC_ARENA_MAX already set, is left as it is.
import { availableParallelism } from 'node:os';

export const TUNED_MARKER = 'LIVELINK_RUNTIME_TUNED';
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const SEMI_SPACE_MB = 1;
const EXPOSE_GC_FLAG = '--expose-gc';
const SINGLE_THREADED_GC_FLAG = '--single-threaded-gc';
const MALLOC_ARENAS_VARIABLE = 'MALLOC_ARENA_MAX';
const MALLOC_ARENAS = '1';

export interface Relaunch {
  execArgv: string[];
  env: Record<string, string | undefined>;
}

/**
 * What the tuned process needs beyond this one, or null when there is nothing to change.
 * `cores` is how many CPUs the process may run on.
 */
export function tunedRelaunch(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>, cores: number): Relaunch | null {
  if (env[TUNED_MARKER] !== undefined || env.LIVELINK_RUNTIME_TUNING === 'off') return null;
  const given = (flag: string) => execArgv.some((arg) => arg.startsWith(flag)) || (env.NODE_OPTIONS ?? '').includes(flag);
  const missing: string[] = [];
  if (!given(SEMI_SPACE_FLAG)) missing.push(`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`);
  if (!given(EXPOSE_GC_FLAG)) missing.push(EXPOSE_GC_FLAG);
  if (cores === 1 && !given(SINGLE_THREADED_GC_FLAG)) missing.push(SINGLE_THREADED_GC_FLAG);
  const arenas = env[MALLOC_ARENAS_VARIABLE] === undefined ? { [MALLOC_ARENAS_VARIABLE]: MALLOC_ARENAS } : {};
  if (missing.length === 0 && Object.keys(arenas).length === 0) return null;
  return { execArgv: [...missing, ...execArgv], env: { ...env, ...arenas, [TUNED_MARKER]: '1' } };
}

/** Replaces this process with its tuned self (same pid) where the platform can; returns otherwise. */
export function relaunchWithRuntimeTuning(): void {
  const relaunch = tunedRelaunch(process.execArgv, process.env, availableParallelism());
  // execve exists on POSIX systems only; Windows keeps running untuned.
  if (relaunch === null || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...relaunch.execArgv, ...process.argv.slice(1)], relaunch.env);
}
