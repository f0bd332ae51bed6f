// Real media for browser tests: an H.264/AAC FLV encoded by ffmpeg, and the same stream cut by ffmpeg's HLS muxer.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One FLV tag with its trailing PreviousTagSize, ready to send. */
export interface FlvChunk {
  timestampMs: number;
  bytes: Uint8Array;
}

export interface HlsSegment {
  uri: string;
  durationSeconds: number;
}

export interface TestMedia {
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  /** FLV header plus PreviousTagSize0. */
  flvHeader: Uint8Array;
  flvTags: FlvChunk[];
  hlsDir: string;
  hlsTargetDuration: number;
  hlsSegments: HlsSegment[];
}

const FLV_HEADER_MIN = 9;
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;

/** Cuts a complete FLV file (from our own ffmpeg run) into tags, so a fake server can pace them by timestamp. */
export function splitFlv(file: Uint8Array): { header: Uint8Array; tags: FlvChunk[] } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < FLV_HEADER_MIN + PREVIOUS_TAG_SIZE || String.fromCharCode(...file.subarray(0, 3)) !== 'FLV') {
    throw new Error('not an FLV file');
  }
  const headerEnd = view.getUint32(5) + PREVIOUS_TAG_SIZE;
  const tags: FlvChunk[] = [];
  let offset = headerEnd;
  while (offset + TAG_HEADER <= file.length) {
    const dataSize = view.getUint32(offset) & 0xffffff;
    const timestampMs = ((view.getUint32(offset + 4) >>> 8) | (file[offset + 7] << 24)) >>> 0;
    const end = offset + TAG_HEADER + dataSize + PREVIOUS_TAG_SIZE;
    if (end > file.length) throw new Error(`truncated FLV tag at byte ${offset}`);
    tags.push({ timestampMs, bytes: file.subarray(offset, end) });
    offset = end;
  }
  return { header: file.subarray(0, headerEnd), tags };
}

/** Reads the segment list of a media playlist written by ffmpeg's HLS muxer. */
export function parseMediaPlaylist(text: string): { targetDuration: number; segments: HlsSegment[] } {
  const lines = text.split('\n').map((line) => line.trim());
  const target = lines.find((line) => line.startsWith('#EXT-X-TARGETDURATION:'));
  const segments: HlsSegment[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXTINF:')) return;
    segments.push({ durationSeconds: parseFloat(line.slice('#EXTINF:'.length)), uri: lines[i + 1] });
  });
  if (!target || segments.length === 0) throw new Error('not a media playlist with segments');
  return { targetDuration: parseInt(target.slice('#EXT-X-TARGETDURATION:'.length), 10), segments };
}

/**
 * Encodes `seconds` of test pattern and tone to <dir>/demo.flv (H.264 baseline, one keyframe per second, AAC),
 * then remuxes it without re-encoding into one-second HLS segments under <dir>/hls/.
 */
export async function createTestMedia(dir: string, seconds = 10): Promise<TestMedia> {
  const width = 640;
  const height = 360;
  const fps = 25;
  const flvPath = path.join(dir, 'demo.flv');
  const hlsDir = path.join(dir, 'hls');
  const quiet = ['-hide_banner', '-loglevel', 'error', '-y'];
  await run('ffmpeg', [
    ...quiet,
    '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(seconds),
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-profile:v', 'baseline', '-g', String(fps), '-preset', 'veryfast',
    '-c:a', 'aac', '-f', 'flv', flvPath,
  ]);
  await mkdir(hlsDir, { recursive: true });
  await run('ffmpeg', [
    ...quiet, '-i', flvPath, '-c', 'copy',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_filename', path.join(hlsDir, 'seg%03d.ts'),
    path.join(hlsDir, 'index.m3u8'),
  ]);
  const flv = splitFlv(new Uint8Array(await readFile(flvPath)));
  const playlist = parseMediaPlaylist(await readFile(path.join(hlsDir, 'index.m3u8'), 'utf8'));
  return {
    width,
    height,
    fps,
    durationSeconds: seconds,
    flvHeader: flv.header,
    flvTags: flv.tags,
    hlsDir,
    hlsTargetDuration: playlist.targetDuration,
    hlsSegments: playlist.segments,
  };
}
