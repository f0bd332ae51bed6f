// Real RTMP peers for integration tests: ffmpeg/ffprobe, GStreamer (rtmp2 and the
// librtmp-based rtmpsink) and rtmpdump, run as child processes against our server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClipOptions {
  video?: boolean;
  audio?: boolean;
  seconds?: number;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  width?: number;
  height?: number;
}

const clipDir = mkdtempSync(join(tmpdir(), 'livelink-clips-'));

/** A short H.264/AAC FLV made by ffmpeg from test sources; made once per option set. */
export async function makeClip(options: ClipOptions = {}): Promise<string> {
  const { video = true, audio = true, seconds = 4, fps = 25, gop = 50, width = 320, height = 240 } = options;
  const path = join(clipDir, `clip-${+video}${+audio}-${seconds}-${fps}-${gop}-${width}x${height}.flv`);
  if (existsSync(path)) return path;
  const args = ['-v', 'error', '-y'];
  if (video) args.push('-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`);
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  args.push('-t', String(seconds));
  if (video) args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0');
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k', '-ac', '2');
  args.push('-f', 'flv', path);
  await run('ffmpeg', args);
  return path;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  finished: Promise<Finished>;
  stop(): Promise<Finished>;
}

export function start(command: string, args: string[], options: { timeoutMs?: number } = {}): Running {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    finished,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return finished;
    },
  };
}

export async function run(command: string, args: string[], options: { timeoutMs?: number } = {}): Promise<Finished> {
  const result = await start(command, args, options).finished;
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.stderr.slice(-2000)}`);
  return result;
}

/** ffmpeg publishing a clip in a loop, in real time, until stopped. */
export function ffmpegPublish(url: string, clip: string, extra: string[] = []): Running {
  return start('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', ...extra, '-f', 'flv', url], { timeoutMs: 120_000 });
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  profile?: string;
  sample_rate?: string;
  channels?: number;
  /** First timestamp seen, in the stream's time base (1/1000 for FLV). */
  start_pts?: number;
}

export async function ffprobeStreams(url: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-rw_timeout', '15000000', '-show_streams', '-of', 'json', url], { timeoutMs: 30_000 });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/**
 * Plays `url` with ffmpeg for `seconds` of media and counts the decoded frames of each output
 * stream (ffmpeg maps video first, then audio), with decode errors reported on stderr (-v error).
 */
export async function ffmpegPlay(url: string, seconds: number, extra: string[] = []): Promise<{ framesPerStream: number[]; errors: string }> {
  const { stdout, stderr } = await run('ffmpeg', ['-v', 'error', '-rw_timeout', '15000000', ...extra, '-i', url, '-t', String(seconds), '-f', 'framecrc', '-'], { timeoutMs: 60_000 });
  const framesPerStream: number[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const index = Number(line.split(',')[0]);
    framesPerStream[index] = (framesPerStream[index] ?? 0) + 1;
  }
  return { framesPerStream, errors: stderr.trim() };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
