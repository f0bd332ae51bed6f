// Link gateway benchmark, side by side with Socket.IO (websocket transport) in the same run.
//   npx node bench/link.ts [--idle 19000] [--fan 10000] [--no-append] [--idle-only]
// For each server: (a) idle links held and memory per link, (b) push fan-out to `--fan` links,
// (c) echo task round trips on one core. `--idle-only` runs (a) alone and appends nothing. The server runs pinned to CPU 0 and the load to CPU 1,
// each in its own process. Results print as a table and are appended to bench/RESULTS.md.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { wallNow, type LoadCommand, type LoadKind, type LoadReply, type ServerCommand, type ServerReply } from './link-shared.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
// The machine's RLIMIT_NOFILE hard limit caps one process's sockets; keep headroom below it.
const fdLimit = Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)?.[1] ?? 1024);
const IDLE = option('idle', Math.min(100_000, fdLimit - 500));
const FAN = Math.min(option('fan', 10_000), IDLE);
const FAN_MESSAGES = 20;
const FAN_ROUNDS = 3;
const RTT = { connections: 100, window: 8, payloadBytes: 64, warmupMs: 1_000, durationMs: 5_000 };
const STEP_TIMEOUT_MS = 180_000;
const IDLE_ONLY = args.includes('--idle-only');

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface IdleResult {
  label: string;
  idleLinks: number;
  openSeconds: number;
  rssPerLinkKb: number;
  heapPerLinkKb: number;
}

interface Result extends IdleResult {
  fanDeliveriesPerSec: number;
  fanDeliveriesPerCpuSec: number;
  fanP50: number;
  fanP99: number;
  rttPerSec: number;
  rttP50: number;
  rttP99: number;
  serverCpu: number;
  loadAverage: number;
  loadCpu: number;
}

/** A child process driven by IPC: `ask` sends a command and waits for the reply of `type`. */
class Peer<C, R extends { type: string }> {
  readonly child: ChildProcess;
  #waiting: { type: string; resolve: (r: R) => void; reject: (e: Error) => void }[] = [];

  constructor(cpu: number, script: string, argv: string[]) {
    // taskset pins the process; the IPC channel survives the exec.
    // BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to both children.
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    this.child = spawn('taskset', ['-c', String(cpu), process.execPath, '--expose-gc', ...flags, here(script), ...argv], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: R) => {
      if (message.type === 'error') {
        for (const w of this.#waiting.splice(0)) w.reject(new Error(JSON.stringify(message)));
        return;
      }
      const index = this.#waiting.findIndex((w) => w.type === message.type);
      if (index !== -1) this.#waiting.splice(index, 1)[0].resolve(message);
    });
    this.child.on('error', (error) => {
      for (const w of this.#waiting.splice(0)) w.reject(error);
    });
    this.child.on('exit', (code) => {
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`${script} exited with ${code}`));
    });
  }

  wait<T extends R['type']>(type: T): Promise<Extract<R, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), STEP_TIMEOUT_MS);
      this.#waiting.push({
        type,
        resolve: (r) => (clearTimeout(timer), resolve(r as Extract<R, { type: T }>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  ask<T extends R['type']>(command: C, type: T): Promise<Extract<R, { type: T }>> {
    const reply = this.wait(type);
    this.child.send(command as object);
    return reply;
  }

  tell(command: C): void {
    this.child.send(command as object);
  }

  /** Disconnecting lets the child exit normally (and write profiles); a kill follows if it does not. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(label: string, serverKind: 'gateway' | 'socketio', loadKind: LoadKind, run: number, idleOnly: true): Promise<IdleResult>;
async function measure(label: string, serverKind: 'gateway' | 'socketio', loadKind: LoadKind, run: number, idleOnly: false): Promise<Result>;
async function measure(label: string, serverKind: 'gateway' | 'socketio', loadKind: LoadKind, run: number, idleOnly: boolean): Promise<IdleResult | Result> {
  process.stdout.write(`\n${label}: `);
  const server = new Peer<ServerCommand, ServerReply>(0, 'link-server.ts', [serverKind]);
  const load = new Peer<LoadCommand, LoadReply>(1, 'link-load.ts', []);
  try {
    const { tcpPort, httpPort } = await server.wait('ready');
    await sleep(300);
    const base = await server.ask({ type: 'memory' }, 'memory');

    // (a) idle links. Several source addresses keep clear of ephemeral-port exhaustion across runs.
    const sourceAddresses = [1, 2, 3, 4].map((n) => `127.0.${run}.${n + 1}`);
    const opened = await load.ask({ type: 'open', kind: loadKind, tcpPort, httpPort, count: IDLE, fanCount: FAN, sourceAddresses }, 'opened');
    process.stdout.write(`${opened.count} links in ${(opened.ms / 1000).toFixed(1)} s; `);
    await sleep(1_000);
    const held = await server.ask({ type: 'memory' }, 'memory');
    if (held.connections !== IDLE) throw new Error(`server holds ${held.connections} links, expected ${IDLE}`);
    const idle: IdleResult = {
      label,
      idleLinks: held.connections,
      openSeconds: opened.ms / 1000,
      rssPerLinkKb: (held.rss - base.rss) / IDLE / 1024,
      heapPerLinkKb: (held.heapUsed - base.heapUsed) / IDLE / 1024,
    };
    if (idleOnly) {
      await load.ask({ type: 'close' }, 'closed');
      return idle;
    }

    // (b) fan-out: a burst of FAN_MESSAGES pushes to the group of FAN links.
    const rounds: { rate: number; perCpuSecond: number; p50: number; p99: number }[] = [];
    for (let round = 0; round <= FAN_ROUNDS; round++) {
      const total = FAN * FAN_MESSAGES;
      const pushes = load.wait('pushes');
      load.tell({ type: 'expect-pushes', total, timeoutMs: 30_000 });
      await sleep(100);
      server.tell({ type: 'cpu-start' });
      const sentAt = wallNow();
      server.tell({ type: 'broadcast', count: FAN_MESSAGES, bytes: 64 });
      const got = await pushes;
      const cpu = await server.ask({ type: 'cpu-stop' }, 'cpu');
      if (got.received !== total) throw new Error(`fan-out delivered ${got.received} of ${total}`);
      const seconds = (got.lastAt - sentAt) / 1000;
      // CPU time the server spent, so the figure holds up when other work shares the core.
      const cpuSeconds = ((cpu.percent / 100) * (wallNow() - sentAt)) / 1000;
      if (round > 0) rounds.push({ rate: got.received / seconds, perCpuSecond: got.received / cpuSeconds, p50: got.p50, p99: got.p99 });
      await sleep(300);
    }
    process.stdout.write(`fan-out done; `);

    // (c) echo round trips.
    server.tell({ type: 'cpu-start' });
    const rtt = await load.ask({ type: 'rtt', ...RTT }, 'rtt');
    const cpu = await server.ask({ type: 'cpu-stop' }, 'cpu');
    process.stdout.write(`round trips done`);
    await load.ask({ type: 'close' }, 'closed');

    const best = median(rounds.map((r) => r.rate));

    return {
      ...idle,
      fanDeliveriesPerSec: best,
      fanDeliveriesPerCpuSec: median(rounds.map((r) => r.perCpuSecond)),
      fanP50: median(rounds.map((r) => r.p50)),
      fanP99: median(rounds.map((r) => r.p99)),
      rttPerSec: rtt.completed / rtt.seconds,
      rttP50: rtt.p50,
      rttP99: rtt.p99,
      serverCpu: cpu.percent,
      // Other work on this shared machine competes for the pinned cores; this shows how much.
      loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
      loadCpu: rtt.loadCpuPercent,
    };
  } finally {
    await Promise.all([server.stop(), load.stop()]);
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

if (IDLE_ONLY) {
  const idle = [
    await measure('gateway TCP', 'gateway', 'tcp', 10, true),
    await measure('gateway WebSocket', 'gateway', 'ws', 11, true),
    await measure('Socket.IO (websocket)', 'socketio', 'socketio', 12, true),
  ];
  process.stdout.write('\n\n');
  const sio = idle[2];
  for (const r of idle) {
    console.log(
      `${r.label}: ${fmt(r.idleLinks)} links, RSS ${fmt(r.rssPerLinkKb, 2)} KB/link (${fmt(r.rssPerLinkKb / sio.rssPerLinkKb, 3)}x Socket.IO), heap ${fmt(r.heapPerLinkKb, 2)} KB/link`,
    );
  }
  process.exit(0);
}

const results = [
  await measure('gateway TCP', 'gateway', 'tcp', 10, false),
  await measure('gateway WebSocket', 'gateway', 'ws', 11, false),
  await measure('Socket.IO (websocket)', 'socketio', 'socketio', 12, false),
];
process.stdout.write('\n\n');

const [tcp, ws, sio] = results;
const rows: [string, (r: Result) => string][] = [
  ['idle links held (one process)', (r) => fmt(r.idleLinks)],
  ['time to open them (s)', (r) => fmt(r.openSeconds, 1)],
  ['RSS per idle link (KB)', (r) => fmt(r.rssPerLinkKb, 2)],
  ['JS heap per idle link (KB)', (r) => fmt(r.heapPerLinkKb, 2)],
  [`push fan-out to ${fmt(FAN)} links (deliveries/s)`, (r) => fmt(r.fanDeliveriesPerSec)],
  ['  per second of server CPU', (r) => fmt(r.fanDeliveriesPerCpuSec)],
  ['fan-out latency p50 / p99 (ms)', (r) => `${fmt(r.fanP50, 1)} / ${fmt(r.fanP99, 1)}`],
  ['echo round trips/s (server on 1 core)', (r) => fmt(r.rttPerSec)],
  ['  per second of server CPU', (r) => fmt(r.rttPerSec / (r.serverCpu / 100))],
  ['round trip p50 / p99 (ms)', (r) => `${fmt(r.rttP50, 2)} / ${fmt(r.rttP99, 2)}`],
  ['server / load CPU during round trips (%)', (r) => `${fmt(r.serverCpu)} / ${fmt(r.loadCpu)}`],
  ['machine load average (1 min) after the run', (r) => fmt(r.loadAverage, 2)],
];
const table = [
  `| | ${results.map((r) => r.label).join(' | ')} |`,
  `|---|${results.map(() => '---:').join('|')}|`,
  ...rows.map(([name, cell]) => `| ${name} | ${results.map(cell).join(' | ')} |`),
].join('\n');
const ratios = [
  `- fan-out deliveries/s vs Socket.IO: TCP ${fmt(tcp.fanDeliveriesPerSec / sio.fanDeliveriesPerSec, 2)}x, WebSocket ${fmt(ws.fanDeliveriesPerSec / sio.fanDeliveriesPerSec, 2)}x (target >= 3x)`,
  `- RSS per idle link vs Socket.IO: TCP ${fmt(tcp.rssPerLinkKb / sio.rssPerLinkKb, 2)}x, WebSocket ${fmt(ws.rssPerLinkKb / sio.rssPerLinkKb, 2)}x (target <= 0.5x)`,
  `- fan-out deliveries per server CPU-second vs Socket.IO: TCP ${fmt(tcp.fanDeliveriesPerCpuSec / sio.fanDeliveriesPerCpuSec, 2)}x, WebSocket ${fmt(ws.fanDeliveriesPerCpuSec / sio.fanDeliveriesPerCpuSec, 2)}x`,
  `- echo round trips/s vs Socket.IO: TCP ${fmt(tcp.rttPerSec / sio.rttPerSec, 2)}x, WebSocket ${fmt(ws.rttPerSec / sio.rttPerSec, 2)}x`,
];
console.log(table);
console.log(ratios.join('\n'));

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${arch()}, Node ${process.version}`;
const section = [
  '',
  '## link gateway',
  '',
  `2026-11-21 — ${machine}. \`npx node bench/link.ts\`: server pinned to CPU 0, load process to CPU 1, loopback.`,
  `Idle links: hello + identify, ${fmt(FAN)} of them in one group; memory = (RSS after - RSS before) / links, after a forced GC.`,
  `Fan-out: ${FAN_MESSAGES} pushes of 64 bytes sent in a burst to the group (median of ${FAN_ROUNDS} rounds; latency measured in the load process).`,
  `Round trips: ${RTT.connections} links × ${RTT.window} outstanding 64-byte echo tasks for ${RTT.durationMs / 1000} s (Socket.IO: emit with ack).`,
  `RLIMIT_NOFILE is ${fmt(fdLimit)} (hard) for every process on this machine, so one process cannot hold more links than that.`,
  '',
  table,
  '',
  ...ratios,
  '',
].join('\n');
if (!args.includes('--no-append')) {
  const resultsFile = here('RESULTS.md');
  if (!existsSync(resultsFile)) writeFileSync(resultsFile, '# livelink benchmark results\n');
  appendFileSync(resultsFile, section);
  console.log(`\nappended to ${resultsFile}`);
}
