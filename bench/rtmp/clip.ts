// The benchmark's one input: a 30 s 720p H.264 + AAC clip at ~2.6 Mbit/s with a fixed 2 s GOP,
// encoded once into bench/.work/ (git-ignored) and replayed in a loop by the publisher.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlvDemuxer, TAG_TYPE_AUDIO, TAG_TYPE_SCRIPT, TAG_TYPE_VIDEO, isSequenceHeader } from '@livelink/flv';

// Constant rate and GOP (keyint_min = g, no scene cuts) so every server sees identical frames.
const FFMPEG_ARGS = [
  '-hide_banner', '-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
  '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-t', '30',
  '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
  '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
  '-c:a', 'aac', '-b:a', '128k',
  '-f', 'flv',
];

/** Where the clip lives: bench/.work/bench-720p.flv. */
export const BENCH_CLIP = fileURLToPath(new URL('../.work/bench-720p.flv', import.meta.url));

/** Encodes the clip unless it is already there (about 10 s of one core). */
export function ensureClip(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  process.stderr.write(`encoding the benchmark clip into ${path} (once)...\n`);
  execFileSync('ffmpeg', [...FFMPEG_ARGS, path], { stdio: 'inherit' });
}

export interface ClipMessage {
  typeId: typeof TAG_TYPE_AUDIO | typeof TAG_TYPE_VIDEO;
  timestamp: number;
  payload: Buffer;
}

export interface Clip {
  /** The file's onMetaData script tag body. */
  metadata: Buffer | null;
  /** Sequence headers (AVC configuration, AudioSpecificConfig): sent once per publish. */
  sequenceHeaders: ClipMessage[];
  /** Coded audio and video frames in file order. */
  frames: ClipMessage[];
  /** Length of one loop: the last timestamp plus one frame interval, so loops never share a timestamp. */
  durationMs: number;
}

export function loadClip(path: string): Clip {
  const demuxer = new FlvDemuxer();
  const tags = demuxer.push(readFileSync(path));
  demuxer.end();
  let metadata: Buffer | null = null;
  const sequenceHeaders: ClipMessage[] = [];
  const frames: ClipMessage[] = [];
  for (const tag of tags) {
    const payload = Buffer.from(tag.body);
    if (tag.type === TAG_TYPE_SCRIPT) {
      metadata ??= payload;
      continue;
    }
    const message = { typeId: tag.type, timestamp: tag.timestamp, payload };
    if (isSequenceHeader(tag.type, tag.body)) sequenceHeaders.push(message);
    else frames.push(message);
  }
  if (frames.length === 0) throw new Error(`${path} holds no audio or video frames`);
  const videoTimes = frames.filter((frame) => frame.typeId === TAG_TYPE_VIDEO).map((frame) => frame.timestamp);
  const frameInterval = videoTimes.length > 1 ? (videoTimes[videoTimes.length - 1] - videoTimes[0]) / (videoTimes.length - 1) : 40;
  const last = frames.reduce((max, frame) => Math.max(max, frame.timestamp), 0);
  return { metadata, sequenceHeaders, frames, durationMs: Math.ceil(last + frameInterval) };
}
