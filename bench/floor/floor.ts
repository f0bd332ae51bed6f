// The write floor: what the kernel alone charges for the fan-out the RTMP benchmark asks for.
// bench/floor/writer.c (C, no protocol, no allocation) writes every frame of the benchmark clip to
// every player, one write() per player per frame group, TCP_NODELAY, pinned to the server's core;
// bench/floor/sink.c reads and discards on the load generator's core. Its CPU is a lower bound for
// any server that sends each frame as it comes, which a 15 ms p99 requires. bench/floor/writer-node.ts
// does the same writes through Node's net sockets, with the V8 and malloc settings `livelink serve`
// runs with: the floor of any Node server. bench/README.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tunedRelaunch } from '../../packages/cli/src/runtime-tuning.ts';
import { loadClip } from '../rtmp/clip.ts';

const SOURCE_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Compiled binaries and the frame list (git-ignored). */
const WORK_DIR = join(SOURCE_DIR, '../.work/floor');
/** Where the writer listens for the sink. */
const PORT = 19_700;
/** What an HTTP-FLV player gets per frame beyond the payload: tag header and previous-tag size. */
const FLV_TAG_OVERHEAD = 15;

/** Who writes: C straight to the kernel, or Node through net sockets. */
export type FloorWriter = 'c' | 'node';

export interface FloorOptions {
  writer: FloorWriter;
  clipPath: string;
  players: number;
  seconds: number;
  /** Frames due within this many ms of a group's first leave in one write (0: one write per frame). */
  mergeMs: number;
  writerCpu: string;
  sinkCpu: string;
}

export interface FloorResult {
  writer: FloorWriter;
  mergeMs: number;
  writerCpuPercent: number;
  writerUserCpuPercent: number;
  sinkCpuPercent: number;
  writesPerSecond: number;
  bytesPerWrite: number;
  /** Writes the kernel did not take whole at once (from Node: left in Node's queue): the sink fell behind and the floor is not valid. */
  shortWrites: number;
  megabitsPerSecond: number;
}

export class FloorToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FloorToolError';
  }
}

/** The writer's command line: the compiled writer.c, or writer-node.ts under this Node as `serve` tunes it on one core. */
function writerCommand(writer: FloorWriter, binary: string): { command: string[]; env: NodeJS.ProcessEnv } {
  if (writer === 'c') return { command: [binary], env: process.env };
  // null when the caller turned the tuning off (LIVELINK_RUNTIME_TUNING=off): then the writer runs untuned too.
  const tuned = tunedRelaunch([], process.env, 1) ?? { execArgv: [], env: process.env };
  return { command: [process.execPath, ...tuned.execArgv, join(SOURCE_DIR, 'writer-node.ts')], env: tuned.env };
}

/** Compiles writer.c and sink.c with the system's cc when the binaries are missing or older than the source. */
function build(workDir: string): { writer: string; sink: string } {
  mkdirSync(workDir, { recursive: true });
  const binaries = { writer: join(workDir, 'writer'), sink: join(workDir, 'sink') };
  for (const [name, binary] of Object.entries(binaries)) {
    const source = join(SOURCE_DIR, `${name}.c`);
    if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) continue;
    try {
      execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source], { stdio: 'pipe' });
    } catch (error) {
      const detail = (error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message;
      throw new FloorToolError(`cannot compile ${source} (the write floor needs a C compiler: apt-get install gcc): ${detail}`);
    }
  }
  return binaries;
}

/** The clip as "timestamp bytes" lines, sized as HTTP-FLV tags, and the length of one loop. */
function writeFrameList(clipPath: string, workDir: string): { path: string; loopMs: number } {
  const clip = loadClip(clipPath);
  const path = join(workDir, 'frames.txt');
  writeFileSync(path, clip.frames.map((frame) => `${frame.timestamp} ${frame.payload.length + FLV_TAG_OVERHEAD}`).join('\n') + '\n');
  return { path, loopMs: clip.durationMs };
}

function collectJson(child: ChildProcess, name: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new FloorToolError(`${name} exited with ${code}: ${stderr.trim()}`));
      else resolve(JSON.parse(stdout) as Record<string, number>);
    });
  });
}

/** One floor measurement: writer and sink started, run for `seconds`, both reaped. */
export async function measureWriteFloor(options: FloorOptions): Promise<FloorResult> {
  const { writer, sink } = build(WORK_DIR);
  const frames = writeFrameList(options.clipPath, WORK_DIR);
  const { command, env } = writerCommand(options.writer, writer);
  const writerChild = spawn(
    'taskset',
    ['-c', options.writerCpu, ...command, String(PORT), String(options.players), String(options.seconds), String(options.mergeMs), String(frames.loopMs)],
    { stdio: ['pipe', 'pipe', 'pipe'], env },
  );
  const writerDone = collectJson(writerChild, 'writer');
  createReadStream(frames.path).pipe(writerChild.stdin!);
  // The sink outlives the writer's window by a second so that no write finds a closed reader.
  const sinkChild = spawn('taskset', ['-c', options.sinkCpu, sink, String(PORT), String(options.players), String(options.seconds + 1)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sinkDone = collectJson(sinkChild, 'sink');
  try {
    const [writerResult, sinkResult] = await Promise.all([writerDone, sinkDone]);
    return {
      writer: options.writer,
      mergeMs: options.mergeMs,
      writerCpuPercent: writerResult.cpuPercent!,
      writerUserCpuPercent: writerResult.userCpuPercent!,
      sinkCpuPercent: sinkResult.cpuPercent!,
      writesPerSecond: writerResult.writesPerSecond!,
      bytesPerWrite: writerResult.bytesPerWrite!,
      shortWrites: writerResult.shortWrites!,
      megabitsPerSecond: writerResult.megabitsPerSecond!,
    };
  } finally {
    for (const child of [writerChild, sinkChild]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** How tables and notes name a writer. */
export function writerName(writer: FloorWriter): string {
  return writer === 'c' ? 'C' : 'Node';
}

/** A markdown table of floor measurements, with the cost per write. */
export function floorTable(results: FloorResult[]): string {
  const lines = [
    '| writer | frames merged within | writes/s | bytes/write | writer CPU % (user) | µs per write | sink CPU % | short writes |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of results) {
    const perWriteUs = (result.writerCpuPercent / 100 / result.writesPerSecond) * 1e6;
    lines.push(
      `| ${writerName(result.writer)} | ${result.mergeMs} ms | ${(result.writesPerSecond / 1000).toFixed(1)}k | ${result.bytesPerWrite.toFixed(0)} | ${result.writerCpuPercent.toFixed(1)} (${result.writerUserCpuPercent.toFixed(1)}) | ${perWriteUs.toFixed(1)} | ${result.sinkCpuPercent.toFixed(1)} | ${result.shortWrites} |`,
    );
  }
  return lines.join('\n');
}
