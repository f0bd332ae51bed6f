// RTMP / HTTP-FLV fan-out benchmark: our server (low-latency and throughput modes),
// Node-Media-Server and nginx-rtmp, side by side in one run, with the issue's targets checked
// against numbers from that same run (the machine is noisy: never compare across runs).
//   npx node bench/rtmp/run.ts [--players 1000] [--seconds 20] [--warmup 25] [--protocol rtmp|flv]
//     [--servers livelink,livelink-throughput,nms,nginx] [--window 200] [--ramp 200] [--profile]
//     [--node-flags=--max-semi-space-size=2] [--rounds 1] [--no-floor]
// Each server starts fresh, pinned to CPU 0; the load generator (bench/rtmp/load.ts: publisher
// + every player in one process) runs pinned to CPU 1. --profile runs our server with
// --cpu-prof and prints its top self-time functions (LOAD_PROF=<dir> in the environment writes a
// profile of the load generator there). --rounds N runs the servers N times, interleaved
// (A B C, A B C), and judges the targets on the median over rounds, each ratio taken against the
// peer of the same round: single runs on this machine drift by 5-10 points of CPU and by several
// KB per player. Each round ends with the write floor (bench/floor: the same frames written to as
// many players from C, one write per frame, and one per merge window: the kernel's share that no
// server can avoid; and from Node, one socket.write() per frame: what any Node server pays before
// its own work), measured in the same sitting. Prints a markdown table to paste into
// bench/RESULTS.md; every process started here is killed by pid on exit, error or Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { coreBusyPercent, cpuPercent, sampleCores, sampleCpu, sampleIo, sampleMemory, type CoreTimes, type CpuSample, type IoSample, type MemorySample } from '../support/proc.ts';
import { topSelfTime } from '../support/cpuprofile.ts';
import { floorTable, measureWriteFloor, writerName, type FloorResult, type FloorWriter } from '../floor/floor.ts';
import { BENCH_CLIP, ensureClip } from './clip.ts';
import { REPO_ROOT, SERVER_CPU, SERVER_NAMES, serverLabel, startServer, type RunningServer, type ServerName } from './servers.ts';

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    /** Publishing before the baseline memory sample (see WARMUP_MS in load.ts). */
    warmup: { type: 'string', default: '25' },
    protocol: { type: 'string', default: 'rtmp' },
    servers: { type: 'string', default: SERVER_NAMES.join(',') },
    window: { type: 'string', default: '200' },
    ramp: { type: 'string', default: '200' },
    profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    rounds: { type: 'string', default: '1' },
    floor: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const PLAYERS = Number(values.players);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values.warmup);
const PROTOCOL = values.protocol === 'flv' ? 'flv' : 'rtmp';
const MERGE_WINDOW_MS = Number(values.window);
const RAMP = Number(values.ramp);
const ROUNDS = Number(values.rounds);
const FLOOR = values.floor!;
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const SERVERS = values.servers!.split(',').map((name) => {
  if (!(SERVER_NAMES as readonly string[]).includes(name)) throw new Error(`unknown server ${name} (known: ${SERVER_NAMES.join(', ')})`);
  return name as ServerName;
});
/** Extra Node/V8 flags for our server, space-separated (--node-flags=--max-semi-space-size=2). */
const NODE_FLAGS = values['node-flags']!.split(' ').filter((flag) => flag !== '');
const LOAD_CPU = '1';
/**
 * The write floor of each round: from C one write per frame and one per merge window (the kernel's
 * share), from Node one write per frame (what Node's socket layer adds per write).
 */
const FLOOR_MEASUREMENTS: { writer: FloorWriter; mergeMs: number }[] = [
  { writer: 'c', mergeMs: 0 },
  { writer: 'node', mergeMs: 0 },
  { writer: 'c', mergeMs: MERGE_WINDOW_MS },
];
const MEMORY_SAMPLE_MS = 250;
/** Everything one server's turn may take: warm-up, ramp, play timeout, settle, window, leave, margins. */
const TURN_BUDGET_MS = WARMUP_SECONDS * 1000 + (PLAYERS / RAMP) * 1000 + 10_000 + 2_000 + SECONDS * 1000 + 5_000 + 40_000;
/** A load generator this busy may be what limits the numbers, not the server. */
const LOAD_SATURATED_PERCENT = 90;
/**
 * Other work on the machine (it is shared) distorts every number: before each turn wait until
 * both cores are this idle, for at most QUIET_WAIT_MS, and report what else ran on the server's
 * core during the window.
 */
const QUIET_BUSY_PERCENT = 15;
const QUIET_WAIT_MS = 180_000;
const FOREIGN_WARN_PERCENT = 10;

// Targets from issue 2 (RTMP) and issue 4 (HTTP-FLV: same targets).
const TARGET = {
  lowLatencyCpuVsNms: 0.5,
  throughputCpuVsNms: 0.3,
  liveP99Ms: 15,
  firstFrameP50Ms: 20,
  rssPerPlayerKb: 16,
  /** "Back near baseline": at least this share of the growth (baseline -> peak) is returned after the players leave. */
  rssReturnedShare: 0.75,
};

interface LoadResult {
  players: number;
  playing: number;
  keptRealTime: number;
  failed: number;
  errors: Record<string, number>;
  rampSeconds: number;
  windowSeconds: number;
  firstFrame: { count: number; p50: number; p99: number };
  keyframeFirst: number;
  latency: { count: number; p50: number; p99: number; max: number };
  latencyFromTurn: { p50: number; p99: number };
  latencyByKind: Record<'audio' | 'interframe' | 'keyframe', { count: number; p50: number; p99: number }>;
  unmatchedPlayers: number;
  loadCpuPercent: number;
  loadLagP99Ms: number;
  loadLagMaxMs: number;
  deliveredMbps: number;
  readsPerSecond: number;
}

interface Row {
  name: ServerName;
  label: string;
  /** 1-based; rows of one round ran back to back. */
  round: number;
  load: LoadResult | null;
  serverCpuPercent: number;
  /** Busy share of the server's and the load generator's cores over the window, whoever used them. */
  coreBusyPercent: [number, number];
  /** The server's write system calls per second over the window, and bytes per call. */
  writesPerSecond: number;
  bytesPerWrite: number;
  baseline: MemorySample;
  peakRssKb: number;
  steady: MemorySample;
  after: MemorySample;
  /** Our servers only: where the memory is, from their /metrics, at the same three moments. */
  heap: { baseline: HeapSample; steady: HeapSample; after: HeapSample } | null;
  /** Our servers only: what they logged when they gave memory back after the players left. */
  memoryReleases: string[];
}

interface HeapSample {
  heapTotalKb: number;
  newSpaceKb: number;
  oldSpaceKb: number;
  externalKb: number;
}

/** Reads the V8 heap figures our server exposes on /metrics (null for other servers or on failure). */
async function sampleHeap(server: RunningServer): Promise<HeapSample | null> {
  if (!server.name.startsWith('livelink') || server.httpPort === null) return null;
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    const kb = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN) / 1024;
    return {
      heapTotalKb: kb(/^nodejs_heap_size_total_bytes (\S+)$/m),
      newSpaceKb: kb(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)$/m),
      oldSpaceKb: kb(/^nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)$/m),
      externalKb: kb(/^nodejs_external_memory_bytes (\S+)$/m),
    };
  } catch {
    return null;
  }
}

// ---- process bookkeeping: everything we start dies with us ----

const started = new Set<ChildProcess>();
const workRoot = mkdtempSync(join(tmpdir(), 'livelink-rtmp-bench-'));

function killAll(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  started.clear();
}
process.on('exit', () => {
  killAll();
  rmSync(workRoot, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

// ---- one server's turn ----

async function measure(server: RunningServer, round: number): Promise<Row> {
  const args = [
    process.execPath, ...(process.env.LOAD_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.LOAD_PROF] : []), fileURLToPath(new URL('load.ts', import.meta.url)),
    '--port', String(server.rtmpPort), '--http-port', String(server.httpPort ?? 0), '--protocol', PROTOCOL,
    '--players', String(PLAYERS), '--ramp', String(RAMP), '--seconds', String(SECONDS), '--warmup', String(WARMUP_SECONDS), '--clip', BENCH_CLIP,
  ];
  const load = spawn('taskset', ['-c', LOAD_CPU, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  started.add(load);
  const pid = server.pid;
  let baseline: MemorySample | null = null;
  let steady: MemorySample | null = null;
  let after: MemorySample | null = null;
  let cpuFrom: CpuSample | null = null;
  let coresFrom: CoreTimes | null = null;
  let ioFrom: IoSample | null = null;
  let writesPerSecond = NaN;
  let bytesPerWrite = NaN;
  let cpuPercentUsed = NaN;
  let coresBusy: [number, number] = [NaN, NaN];
  let peakRssKb = 0;
  const heapSamples: Record<'baseline' | 'steady' | 'after', Promise<HeapSample | null>> = {
    baseline: Promise.resolve(null),
    steady: Promise.resolve(null),
    after: Promise.resolve(null),
  };
  let sampler: NodeJS.Timeout | null = null;

  const result = await new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name}: load generator did not finish within ${TURN_BUDGET_MS} ms`)), TURN_BUDGET_MS);
    const done = (error: Error | null, value?: LoadResult) => {
      clearTimeout(timer);
      if (sampler !== null) clearInterval(sampler);
      if (error) reject(error);
      else resolve(value!);
    };
    load.on('exit', (code) => done(new Error(`${server.name}: load generator exited with ${code} before its result`)));
    server.child.on('exit', (code, signal) => done(new Error(`${server.name} exited (${code ?? signal}) during the run; log: ${server.logPath}`)));
    createInterface({ input: load.stdout! }).on('line', (line) => {
      let message: { event: string; message?: string } & Partial<LoadResult>;
      try {
        message = JSON.parse(line);
      } catch {
        process.stderr.write(`load: ${line}\n`);
        return;
      }
      switch (message.event) {
        case 'baseline':
          baseline = sampleMemory(pid);
          heapSamples.baseline = sampleHeap(server);
          peakRssKb = baseline.rssKb;
          sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, sampleMemory(pid).rssKb)), MEMORY_SAMPLE_MS);
          break;
        case 'steady-start':
          cpuFrom = sampleCpu(pid);
          coresFrom = sampleCores();
          ioFrom = sampleIo(pid);
          break;
        case 'steady-end':
          {
            const cpuTo = sampleCpu(pid);
            const ioTo = sampleIo(pid);
            const calls = ioTo.writeCalls - ioFrom!.writeCalls;
            cpuPercentUsed = cpuPercent(cpuFrom!, cpuTo);
            writesPerSecond = calls / ((cpuTo.atMs - cpuFrom!.atMs) / 1000);
            bytesPerWrite = (ioTo.writeBytes - ioFrom!.writeBytes) / calls;
          }
          {
            const coresTo = sampleCores();
            coresBusy = [coreBusyPercent(coresFrom!, coresTo, Number(SERVER_CPU)), coreBusyPercent(coresFrom!, coresTo, Number(LOAD_CPU))];
          }
          steady = sampleMemory(pid);
          heapSamples.steady = sampleHeap(server);
          peakRssKb = Math.max(peakRssKb, steady.rssKb);
          break;
        case 'left':
          after = sampleMemory(pid);
          heapSamples.after = sampleHeap(server);
          break;
        case 'result':
          done(null, message as unknown as LoadResult);
          break;
        case 'error':
          done(new Error(`${server.name}: load generator: ${message.message}`));
          break;
      }
    });
  });
  // Let it exit on its own (a --cpu-prof profile is written at exit); killed at the end if it hangs.
  load.stdin!.end();
  if (load.exitCode === null) await Promise.race([new Promise((resolve) => load.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  if (baseline === null || steady === null || after === null) throw new Error(`${server.name}: missing memory samples`);
  const [heapBaseline, heapSteady, heapAfter] = await Promise.all([heapSamples.baseline, heapSamples.steady, heapSamples.after]);
  const heap = heapBaseline && heapSteady && heapAfter ? { baseline: heapBaseline, steady: heapSteady, after: heapAfter } : null;
  const memoryReleases = readFileSync(server.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes(MEMORY_RELEASE_LOG));
  return { name: server.name, label: roundLabel(server.label, round), round, load: result, serverCpuPercent: cpuPercentUsed, coreBusyPercent: coresBusy, writesPerSecond, bytesPerWrite, baseline, peakRssKb, steady, after, heap, memoryReleases };
}

/** A server's label, with its round when there are several. */
function roundLabel(label: string, round: number): string {
  return ROUNDS > 1 ? `${label}, round ${round}` : label;
}

// ---- report ----

const mb = (kb: number) => (kb / 1024).toFixed(1);
/** The line `serve` logs when it hands memory back (packages/cli/src/serve.ts). */
const MEMORY_RELEASE_LOG = 'released memory after';
const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : value === Infinity ? '>2000' : 'n/a');
/** Where the tail comes from: p99 of audio frames, inter frames and keyframes separately. */
const byKind = (load: LoadResult) =>
  `p99 audio ${ms(load.latencyByKind.audio.p99)}, inter frames ${ms(load.latencyByKind.interframe.p99)}, keyframes ${ms(load.latencyByKind.keyframe.p99)} ms`;
const perPlayerKb = (row: Row) => (row.steady.rssKb - row.baseline.rssKb) / PLAYERS;

/**
 * /proc/PID/io counts write(2)/writev(2) but not send(2)/sendmsg(2) (nginx's path): shown only
 * when the counted bytes account for most of what the players received.
 */
function writeColumns(row: Row): [string, string] {
  const countedMbps = (row.writesPerSecond * row.bytesPerWrite * 8) / 1e6;
  if (!(countedMbps >= 0.5 * row.load!.deliveredMbps)) return ['n/a', 'n/a'];
  return [`${(row.writesPerSecond / 1000).toFixed(1)}k`, row.bytesPerWrite.toFixed(0)];
}

function table(rows: Row[]): string {
  const header = [
    'server', 'players ok/total', 'server CPU %', 'core 0 busy %', 'both cores busy %', 'server writes/s', 'bytes/write', 'RSS base MB', 'RSS peak MB', 'RSS/player KB', 'RSS after leave MB',
    'live p50 ms', 'live p99 ms', 'live p99 (turn start) ms', 'first frame p50 ms', 'first frame p99 ms', 'keyframe first',
    'delivered Mb/s', 'load CPU %', 'load lag p99 ms',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    const load = row.load;
    if (load === null) {
      lines.push(`| ${row.label} | n/a (no HTTP-FLV) |${' |'.repeat(header.length - 2)}`);
      continue;
    }
    lines.push(
      `| ${[
        row.label,
        `${load.keptRealTime}/${load.players}`,
        row.serverCpuPercent.toFixed(1),
        row.coreBusyPercent[0].toFixed(1),
        (row.coreBusyPercent[0] + row.coreBusyPercent[1]).toFixed(1),
        ...writeColumns(row),
        mb(row.baseline.rssKb),
        mb(row.peakRssKb),
        perPlayerKb(row).toFixed(1),
        mb(row.after.rssKb),
        ms(load.latency.p50),
        ms(load.latency.p99),
        ms(load.latencyFromTurn.p99),
        ms(load.firstFrame.p50),
        ms(load.firstFrame.p99),
        `${((load.keyframeFirst / load.players) * 100).toFixed(1)}%`,
        load.deliveredMbps.toFixed(0),
        load.loadCpuPercent.toFixed(0),
        ms(load.loadLagP99Ms),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Where our servers' RSS went: V8's heap (young and old generation) and memory outside it. */
function heapTable(rows: Row[]): string[] {
  const ours = rows.filter((row) => row.heap !== null);
  if (ours.length === 0) return [];
  const lines = [
    'Memory of our servers from their /metrics (MB, baseline / steady / after leave):',
    '',
    '| server | RSS | V8 heap total | new space (young generation) | old space | external (Buffers…) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of ours) {
    const { baseline, steady, after } = row.heap!;
    const three = (pick: (sample: HeapSample) => number) => [baseline, steady, after].map((sample) => mb(pick(sample))).join(' / ');
    const rss = [row.baseline, row.steady, row.after].map((sample) => mb(sample.rssKb)).join(' / ');
    lines.push(`| ${row.label} | ${rss} | ${three((h) => h.heapTotalKb)} | ${three((h) => h.newSpaceKb)} | ${three((h) => h.oldSpaceKb)} | ${three((h) => h.externalKb)} |`);
  }
  lines.push('');
  for (const row of ours) for (const release of row.memoryReleases) lines.push(`- ${row.label}: ${release.trim()}`);
  if (ours.some((row) => row.memoryReleases.length > 0)) lines.push('');
  return lines;
}

interface Check {
  target: string;
  pass: boolean;
  detail: string;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * One target judged over every round: `pass` gets the median of the per-round values (or all of
 * them, for targets every round must meet); the detail lists the rounds when there are several.
 */
function overRounds(values: number[], format: (value: number) => string): { median: number; detail: string } {
  const middle = median(values);
  return { median: middle, detail: values.length > 1 ? `median ${format(middle)} (rounds: ${values.map(format).join(', ')})` : format(middle) };
}

function checks(rows: Row[], floors: RoundFloor[]): Check[] {
  const played = rows.filter((row) => row.load !== null);
  const roundsOf = (name: ServerName) => played.filter((row) => row.name === name);
  const peerIn = (name: ServerName, round: number) => played.find((row) => row.name === name && row.round === round);
  const out: Check[] = [];
  for (const name of ['livelink', 'livelink-throughput'] as const) {
    const ours = roundsOf(name);
    if (ours.length === 0) continue;
    const mode = name === 'livelink' ? 'low latency' : 'throughput';
    const kept = ours.map((row) => row.load!.keptRealTime);
    out.push({ target: `${mode}: every player keeps real time`, pass: kept.every((count) => count === PLAYERS), detail: kept.map((count) => `${count}/${PLAYERS}`).join(', ') });
    // Each ratio against the peer of the same round: the machine drifts between rounds.
    const cpuCheck = (peer: ServerName, peerName: string, limit: number, floorMergeMs: number | null): void => {
      const pairs = ours.flatMap((row) => {
        const other = peerIn(peer, row.round);
        return other === undefined ? [] : [{ ours: row, peer: other }];
      });
      if (pairs.length === 0) return;
      const ratio = overRounds(pairs.map((pair) => pair.ours.serverCpuPercent / pair.peer.serverCpuPercent), (value) => `${value.toFixed(2)}x`);
      const figures = pairs.map((pair) => `${pair.ours.serverCpuPercent.toFixed(1)}% vs ${pair.peer.serverCpuPercent.toFixed(1)}%`).join('; ');
      const note = floorMergeMs === null ? '' : floorNote(pairs, floors, limit, floorMergeMs);
      out.push({ target: `${mode}: CPU <= ${limit === 1 ? '' : `${limit}x `}${peerName}`, pass: ratio.median <= limit, detail: `${ratio.detail}: ${figures}${note}` });
    };
    const limit = name === 'livelink' ? TARGET.lowLatencyCpuVsNms : TARGET.throughputCpuVsNms;
    cpuCheck('nms', 'NMS', limit, name === 'livelink' ? 0 : MERGE_WINDOW_MS);
    if (name === 'livelink') {
      cpuCheck('nginx', 'nginx-rtmp', 1, null);
      const p99 = overRounds(ours.map((row) => row.load!.latency.p99), (value) => `${ms(value)} ms`);
      const kinds = ours.map((row) => `${ms(row.load!.latencyFromTurn.p99)} ms from the start of the load generator's read turn; ${byKind(row.load!)}`).join(' | ');
      out.push({ target: `${mode}: live p99 <= ${TARGET.liveP99Ms} ms`, pass: p99.median <= TARGET.liveP99Ms, detail: `${p99.detail} (${kinds})` });
      const firstFrame = overRounds(ours.map((row) => row.load!.firstFrame.p50), (value) => `${ms(value)} ms`);
      out.push({ target: `${mode}: first frame p50 <= ${TARGET.firstFrameP50Ms} ms`, pass: firstFrame.median <= TARGET.firstFrameP50Ms, detail: firstFrame.detail });
      const keyframeFirst = ours.map((row) => row.load!.keyframeFirst);
      out.push({ target: `${mode}: every player starts on a keyframe`, pass: keyframeFirst.every((count) => count === PLAYERS), detail: keyframeFirst.map((count) => `${count}/${PLAYERS}`).join(', ') });
    } else {
      const bound = MERGE_WINDOW_MS + TARGET.liveP99Ms;
      const p99 = overRounds(ours.map((row) => row.load!.latency.p99), (value) => `${ms(value)} ms`);
      out.push({ target: `${mode}: live p99 bounded by the window (<= ${MERGE_WINDOW_MS} + ${TARGET.liveP99Ms} ms)`, pass: p99.median <= bound, detail: `${p99.detail} (${ours.map((row) => byKind(row.load!)).join(' | ')})` });
    }
    const perPlayer = overRounds(ours.map(perPlayerKb), (value) => `${value.toFixed(1)} KB`);
    out.push({ target: `${mode}: RSS growth <= ${TARGET.rssPerPlayerKb} KB/player beyond the GOP cache`, pass: perPlayer.median <= TARGET.rssPerPlayerKb, detail: perPlayer.detail });
    const returned = overRounds(ours.map(returnedShare), (value) => `${(value * 100).toFixed(0)}%`);
    const memory = ours.map((row) => `baseline ${mb(row.baseline.rssKb)} MB, peak ${mb(row.peakRssKb)} MB, after ${mb(row.after.rssKb)} MB`).join('; ');
    out.push({
      target: `${mode}: RSS back near baseline after players leave (>= ${TARGET.rssReturnedShare * 100}% of growth returned)`,
      pass: returned.median >= TARGET.rssReturnedShare,
      detail: `${returned.detail} returned: ${memory}`,
    });
  }
  return out;
}

/** The share of the growth (baseline to peak) handed back once the players left. */
function returnedShare(row: Row): number {
  const growth = row.peakRssKb - row.baseline.rssKb;
  return growth > 0 ? 1 - (row.after.rssKb - row.baseline.rssKb) / growth : 1;
}

function machine(): string {
  // nginx -v answers on stderr.
  const nginxVersion = /nginx\/\S+/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr ?? '')?.[0] ?? 'nginx ?';
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  return `${new Date().toISOString().slice(0, 10)} — ${cpus().length} cores, ${arch()}, ${cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}, ${nginxVersion}, load average at start ${load}`;
}

/** The write floor measured after one round (FLOOR_MEASUREMENTS, in that order). */
interface RoundFloor {
  round: number;
  results: FloorResult[];
}

async function runFloor(round: number): Promise<RoundFloor> {
  await waitForQuiet('write floor');
  process.stderr.write(`write floor: ${PLAYERS} players, one write per frame from C and from Node, then per ${MERGE_WINDOW_MS} ms from C${ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : ''}\n`);
  const results: FloorResult[] = [];
  for (const { writer, mergeMs } of FLOOR_MEASUREMENTS) {
    results.push(
      await measureWriteFloor({ writer, clipPath: BENCH_CLIP, players: PLAYERS, seconds: SECONDS, mergeMs, writerCpu: SERVER_CPU, sinkCpu: LOAD_CPU }),
    );
  }
  return { round, results };
}

/**
 * For a CPU check: the target in % of a core beside what the floor's writers spent, in the same
 * round, on the writes of the mode (frames merged within `mergeMs`).
 */
function floorNote(pairs: { ours: Row; peer: Row }[], floors: RoundFloor[], limit: number, mergeMs: number): string {
  const notes = pairs.flatMap(({ ours, peer }) => {
    const results = floors.find((floor) => floor.round === ours.round)?.results.filter((candidate) => candidate.mergeMs === mergeMs) ?? [];
    if (results.length === 0) return [];
    const floor = results.map((result) => `${writerName(result.writer)} ${result.writerCpuPercent.toFixed(1)}%`).join(', ');
    return [`target ${(peer.serverCpuPercent * limit).toFixed(1)}% vs write floor ${floor} at ${(results[0]!.writesPerSecond / 1000).toFixed(1)}k writes/s (ours ${(ours.writesPerSecond / 1000).toFixed(1)}k)`];
  });
  return notes.length > 0 ? ` — ${notes.join('; ')}` : '';
}

async function waitForQuiet(name: string): Promise<void> {
  const deadline = performance.now() + QUIET_WAIT_MS;
  for (;;) {
    const from = sampleCores();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const to = sampleCores();
    const busy = [0, 1].map((core) => coreBusyPercent(from, to, core));
    if (busy.every((value) => value < QUIET_BUSY_PERCENT)) return;
    if (performance.now() > deadline) {
      process.stderr.write(`${name}: cores still busy (${busy.map((value) => value.toFixed(0)).join('% / ')}%) after ${QUIET_WAIT_MS / 1000} s; running anyway\n`);
      return;
    }
  }
}

// ---- main ----

const overall = setTimeout(() => {
  process.stderr.write('benchmark over its time budget; stopping everything\n');
  process.exit(1);
}, ((TURN_BUDGET_MS + QUIET_WAIT_MS) * SERVERS.length + (FLOOR ? FLOOR_MEASUREMENTS.length * (SECONDS * 1000 + 10_000) + QUIET_WAIT_MS : 0)) * ROUNDS + 60_000);
overall.unref();

const machineLine = machine();
ensureClip(BENCH_CLIP);
const rows: Row[] = [];
const floors: RoundFloor[] = [];
const profiles: { label: string; path: string }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const name of SERVERS) await runServer(name, round);
  if (FLOOR) floors.push(await runFloor(round));
}

async function runServer(name: ServerName, round: number): Promise<void> {
  if (PROTOCOL === 'flv' && name === 'nginx') {
    if (round > 1) return;
    const zero = { rssKb: NaN, hwmKb: NaN };
    rows.push({ name, label: serverLabel(name, MERGE_WINDOW_MS), round, load: null, serverCpuPercent: NaN, coreBusyPercent: [NaN, NaN], writesPerSecond: NaN, bytesPerWrite: NaN, baseline: zero, peakRssKb: NaN, steady: zero, after: zero, heap: null, memoryReleases: [] });
    return;
  }
  const dir = join(workRoot, `${name}-${round}`);
  const ours = name === 'livelink' || name === 'livelink-throughput';
  const cpuProfileDir = values.profile && ours ? join(dir, 'profile') : null;
  await waitForQuiet(name);
  process.stderr.write(`${name}: starting (${PROTOCOL}, ${PLAYERS} players, ${SECONDS} s window${ROUNDS > 1 ? `, round ${round} of ${ROUNDS}` : ''})\n`);
  const server = await startServer(name, { dir, mergeWindowMs: MERGE_WINDOW_MS, cpuProfileDir, nodeFlags: NODE_FLAGS });
  started.add(server.child);
  try {
    const row = await measure(server, round);
    rows.push(row);
    const load = row.load!;
    process.stderr.write(
      `${name}: ${load.keptRealTime}/${load.players} real time, CPU ${row.serverCpuPercent.toFixed(1)}%, p99 ${ms(load.latency.p99)} ms` +
        `, load CPU ${load.loadCpuPercent.toFixed(0)}% (${(load.readsPerSecond / 1000).toFixed(0)}k reads/s), load timer lag p99/max ${ms(load.loadLagP99Ms)}/${ms(load.loadLagMaxMs)} ms` +
        (load.failed > 0 ? `, failures ${JSON.stringify(load.errors)}` : '') +
        (load.unmatchedPlayers > 0 ? `, ${load.unmatchedPlayers} players never matched a published frame` : '') +
        '\n',
    );
  } finally {
    await server.stop();
    started.delete(server.child);
  }
  if (cpuProfileDir !== null) {
    const file = readdirSync(cpuProfileDir).find((entry) => entry.endsWith('.cpuprofile'));
    if (file) profiles.push({ label: roundLabel(server.label, round), path: join(cpuProfileDir, file) });
  }
}

function floorSection(): string[] {
  if (floors.length === 0) return [];
  const results = floors.flatMap((floor) => floor.results);
  return [
    `Write floor, same run (\`bench/floor\`: the clip's frames written to ${PLAYERS} readers on CPU 1, TCP_NODELAY, one write per player`,
    `per frame, then one per ${MERGE_WINDOW_MS} ms; no protocol. From C, no allocation: the kernel's send path alone. From Node, plain`,
    `socket.write() of a shared Buffer under \`serve\`'s V8 settings: the floor of any Node server)${ROUNDS > 1 ? ', rounds in order' : ''}:`,
    '',
    floorTable(results),
    '',
  ];
}

const results = checks(rows, floors);
// Each server's rounds together in the tables.
rows.sort((a, b) => SERVERS.indexOf(a.name) - SERVERS.indexOf(b.name) || a.round - b.round);
const foreignWarnings = rows
  .filter((row) => row.load !== null && row.coreBusyPercent[0] - row.serverCpuPercent > FOREIGN_WARN_PERCENT)
  .map((row) => `- other processes used ~${(row.coreBusyPercent[0] - row.serverCpuPercent).toFixed(0)}% of core 0 during ${row.label}: its numbers are disturbed`);
const loadWarnings = rows
  .filter((row) => row.load !== null && row.load.loadCpuPercent >= LOAD_SATURATED_PERCENT)
  .map((row) => `- load generator at ${row.load!.loadCpuPercent.toFixed(0)}% of its core during ${row.label}: it may be the bottleneck, read that row's latency as an upper bound`);
const out = [
  `### ${PROTOCOL === 'rtmp' ? 'RTMP' : 'HTTP-FLV'} players, ${PLAYERS} per server`,
  '',
  `${machineLine}. \`npx node bench/rtmp/run.ts --protocol ${PROTOCOL} --players ${PLAYERS} --seconds ${SECONDS} --window ${MERGE_WINDOW_MS}${ROUNDS > 1 ? ` --rounds ${ROUNDS}` : ''}${NODE_FLAGS.length > 0 ? ` --node-flags=${NODE_FLAGS.join(' ')}` : ''}\`.`,
  '',
  table(rows),
  '',
  // Measured with perf on the load generator's core (bench/RESULTS.md, session 5): on loopback the
  // kernel delivers a segment, and sends what an ACK releases, on the CPU that triggered it.
  '"both cores busy %" is the whole machine (server core + load generator core). On loopback part of a server\'s',
  'send path can run on the receiver\'s core: a server that leaves Nagle on (Node-Media-Server, nginx-rtmp) has',
  'segments held until an ACK, and the ACK the load generator sends pushes them out from its own core.',
  '',
  ...heapTable(rows),
  ...floorSection(),
  ...foreignWarnings,
  ...loadWarnings,
  ...results.map((check) => `- ${check.pass ? 'PASS' : 'MISS'} ${check.target}: ${check.detail}`),
  '',
];
for (const profile of profiles) {
  const { busyMs, top } = topSelfTime(profile.path, REPO_ROOT, 15);
  out.push(`CPU profile of ${profile.label} (whole run, ${(busyMs / 1000).toFixed(1)} s busy), top self time:`, '');
  for (const entry of top) out.push(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}  ${entry.location}`);
  out.push('');
}
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
