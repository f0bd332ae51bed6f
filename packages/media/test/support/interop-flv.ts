// Judges what a player received: ffprobe decodes every frame of the recorded FLV (decode
// errors land on stderr) and lists every packet with its timestamp as it came over RTMP.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync } from 'node:fs';
import { FlvDemuxer, FLV_HEADER_SIZE, FLV_TAG_HEADER_SIZE, PREVIOUS_TAG_SIZE_BYTES } from '@livelink/flv';
import { run, type ProbedStream } from './peers.ts';
import type { SentFrame, SentFrames } from './interop-live.ts';

export interface ReceivedTrack {
  stream: ProbedStream;
  /** Frames the decoder produced. */
  decodedFrames: number;
  /** Packets in arrival order: timestamp in milliseconds (FLV's time base is 1/1000), codec payload size. */
  packets: SentFrame[];
}

export interface Received {
  video?: ReceivedTrack;
  audio?: ReceivedTrack;
  /** Every stream ffprobe found, data and subtitle streams included. */
  streamTypes: string[];
  /** ffprobe's -v error output: empty when every packet demuxed and decoded cleanly. */
  errors: string;
}

interface ProbeJson {
  streams: (ProbedStream & { index: number; nb_read_frames?: string })[];
  packets: { stream_index: number; pts: number; size: string }[];
}

export async function analyzeFlv(path: string): Promise<Received> {
  dropPartialTag(path);
  const { stdout, stderr } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_packets', '-of', 'json', path], { timeoutMs: 30_000 });
  const probe = JSON.parse(stdout) as ProbeJson;
  const track = (type: string): ReceivedTrack | undefined => {
    const stream = probe.streams.find((s) => s.codec_type === type);
    if (stream === undefined) return undefined;
    return {
      stream,
      decodedFrames: Number(stream.nb_read_frames ?? 0),
      packets: probe.packets.filter((p) => p.stream_index === stream.index).map((p) => ({ timestamp: p.pts, size: Number(p.size) })),
    };
  };
  return { video: track('video'), audio: track('audio'), streamTypes: probe.streams.map((s) => s.codec_type), errors: stderr.trim() };
}

/** A player stopped mid-tag leaves a truncated last tag: cut it, it is not a decode error. */
function dropPartialTag(path: string): void {
  const bytes = readFileSync(path);
  const tags = new FlvDemuxer({ strictPreviousTagSize: false }).push(bytes);
  const complete = tags.reduce((end, tag) => end + FLV_TAG_HEADER_SIZE + tag.body.length + PREVIOUS_TAG_SIZE_BYTES, FLV_HEADER_SIZE + PREVIOUS_TAG_SIZE_BYTES);
  if (complete < bytes.length) truncateSync(path, complete);
}

/**
 * Asserts a track arrived whole: at least `minFrames` decoded, one decoded frame per packet,
 * and the packets exactly a run of consecutive frames the server took in, same timestamps and
 * sizes (a lost, repeated, reordered or corrupted message, or a misread timestamp, breaks the run).
 */
export function assertReceivedAsSent(track: ReceivedTrack | undefined, sent: readonly SentFrame[], what: string, minFrames: number): void {
  assert.ok(track, `${what}: track present`);
  const { packets, decodedFrames } = track;
  assert.ok(decodedFrames >= minFrames, `${what}: ${decodedFrames} frames decoded, expected at least ${minFrames}`);
  assert.equal(decodedFrames, packets.length, `${what}: every packet decodes to a frame`);
  const key = (frame: SentFrame) => `${frame.timestamp}/${frame.size}`;
  const sentKeys = sent.map(key).join(' ');
  const receivedKeys = packets.map(key).join(' ');
  assert.ok(` ${sentKeys} `.includes(` ${receivedKeys} `), `${what}: received frames are not a run of the sent ones\nreceived: ${receivedKeys.slice(0, 600)}\nsent: ${sentKeys.slice(0, 600)}`);
}

/** Asserts the usual test stream (320x240 H.264, 44.1 kHz stereo AAC) arrived whole and decodes cleanly. */
export function assertAvStream(received: Received, sent: SentFrames, what: string, minSeconds: number): void {
  assert.equal(received.errors, '', `${what}: no demux or decode errors`);
  assert.equal(received.video?.stream.codec_name, 'h264', `${what}: video codec`);
  assert.equal(received.video?.stream.width, 320, `${what}: width`);
  assert.equal(received.video?.stream.height, 240, `${what}: height`);
  assert.equal(received.audio?.stream.codec_name, 'aac', `${what}: audio codec`);
  assert.equal(received.audio?.stream.sample_rate, '44100', `${what}: sample rate`);
  assert.equal(received.audio?.stream.channels, 2, `${what}: channels`);
  assertReceivedAsSent(received.video, sent.video, `${what} video`, Math.floor(minSeconds * 25));
  // AAC: 1024 samples a frame at 44.1 kHz.
  assertReceivedAsSent(received.audio, sent.audio, `${what} audio`, Math.floor((minSeconds * 44_100) / 1024));
}
