// What another process costs, read from /proc (Linux): CPU time as a share of one core over a
// window, and memory (VmRSS now, VmHWM = peak RSS since start). Reading /proc is a few
// syscalls, so sampling never loads the core the measured server runs on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (utime/stime unit); 100 on every common Linux build, asked once. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface CpuSample {
  /** utime + stime, in seconds. */
  cpuSeconds: number;
  /** When it was read, in ms (performance.now()). */
  atMs: number;
}

export function sampleCpu(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuSeconds: ticks / TICKS_PER_SECOND, atMs: performance.now() };
}

/** Share of one core used between two samples of the same process, in percent. */
export function cpuPercent(from: CpuSample, to: CpuSample): number {
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  return wallSeconds > 0 ? ((to.cpuSeconds - from.cpuSeconds) / wallSeconds) * 100 : 0;
}

export interface MemorySample {
  rssKb: number;
  /** Peak resident set since the process started. */
  hwmKb: number;
}

export function sampleMemory(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** Cumulative busy and total jiffies per CPU (from /proc/stat), to see what else ran on a core. */
export type CoreTimes = { busy: number; total: number }[];

export function sampleCores(): CoreTimes {
  const cores: CoreTimes = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (match === null) continue;
    // user nice system idle iowait irq softirq steal ...: idle and iowait are the not-busy ones.
    const fields = match[2].trim().split(/\s+/).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    cores[Number(match[1])] = { busy: total - fields[3] - fields[4], total };
  }
  return cores;
}

/** Share of a core that was busy (any process, kernel included) between two samples, in percent. */
export function coreBusyPercent(from: CoreTimes, to: CoreTimes, core: number): number {
  const total = to[core].total - from[core].total;
  return total > 0 ? ((to[core].busy - from[core].busy) / total) * 100 : 0;
}

export interface IoSample {
  /** write-family system calls (write, writev, send*) so far. */
  writeCalls: number;
  /** Bytes passed to them. */
  writeBytes: number;
}

/** A fan-out server's cost follows its number of write calls as much as its bytes. */
export function sampleIo(pid: number): IoSample {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { writeCalls: field('syscw'), writeBytes: field('wchar') };
}
