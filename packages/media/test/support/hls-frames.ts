// Synthetic publisher traffic for HLS tests: FLV tag bodies (what RTMP carries) for H.264 and AAC,
// with real configuration records, and a small MPEG-TS packet reader to look inside segments.
import { StreamHub } from '../../src/hub/stream-hub.ts';
import type { LiveStream } from '../../src/hub/live-stream.ts';
import type { Publisher } from '../../src/hub/subscriber.ts';

/** avcC written by x264 (ffmpeg 'testsrc=size=64x48', -preset ultrafast -pix_fmt yuv420p): Baseline, level 1.0. */
export const AVC_BASELINE_64X48 = Buffer.from('0142c00affe100156742c00ada11ec0440000003004000000c83c489a801000468ce0fc8', 'hex');
/** avcC written by x264 for the same source in yuv444p: High 4:4:4 Predictive, another SPS and PPS. */
export const AVC_HIGH444_64X48 = Buffer.from('01f4000affe1001767f4000a9196847b011000000300100000030320f1226a01000568ce0f1920fff8f800', 'hex');
/** AudioSpecificConfig: AAC LC, 44.1 kHz, stereo. */
export const AAC_LC_44100_STEREO = Buffer.from('1210', 'hex');

export function videoSequenceHeader(avcC: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x17, 0x00, 0, 0, 0]), avcC]);
}

/** One AVC access unit (a single NAL unit, 4-byte length prefix), padded to `size` bytes of NAL. */
export function videoFrame(keyframe: boolean, size = 200): Buffer {
  const nal = Buffer.alloc(size, 0x5a);
  nal[0] = keyframe ? 0x65 : 0x41; // IDR slice / non-IDR slice
  const length = Buffer.alloc(4);
  length.writeUInt32BE(nal.length);
  return Buffer.concat([Buffer.from([keyframe ? 0x17 : 0x27, 0x01, 0, 0, 0]), length, nal]);
}

export function audioSequenceHeader(asc: Buffer = AAC_LC_44100_STEREO): Buffer {
  return Buffer.concat([Buffer.from([0xaf, 0x00]), asc]);
}

export function audioFrame(size = 100): Buffer {
  return Buffer.concat([Buffer.from([0xaf, 0x01]), Buffer.alloc(size, 0x21)]);
}

export function testPublisher(id = 'pub-1'): Publisher {
  return { id, protocol: 'rtmp', remoteAddress: '127.0.0.1:1', query: '', close() {} };
}

export interface FeedOptions {
  fromMs: number;
  toMs: number;
  fps?: number;
  /** Keyframe every this many frames (counted from fromMs); 0: no keyframes at all. */
  gopFrames?: number;
  /** AAC frames interleaved at 1024 samples / 44.1 kHz. */
  audio?: boolean;
  videoBytes?: number;
}

/** Ingests video (and audio) frames with timestamps in [fromMs, toMs), in timestamp order. */
export function feed(stream: LiveStream, options: FeedOptions): void {
  const { fromMs, toMs, fps = 25, gopFrames = 25, audio = false, videoBytes = 200 } = options;
  const frameMs = 1000 / fps;
  let audioIndex = 0;
  for (let i = 0; fromMs + i * frameMs < toMs; i++) {
    const t = Math.round(fromMs + i * frameMs);
    while (audio && fromMs + (audioIndex * 1024 * 1000) / 44100 <= t) {
      stream.ingest('audio', Math.round(fromMs + (audioIndex * 1024 * 1000) / 44100), audioFrame());
      audioIndex++;
    }
    stream.ingest('video', t, videoFrame(gopFrames > 0 && i % gopFrames === 0, videoBytes));
  }
}

/** Publishes app/name on `hub` and sends the sequence headers. */
export function publishAvc(hub: StreamHub, app: string, name: string, options: { audio?: boolean; avcC?: Buffer; id?: string } = {}): LiveStream {
  const stream = hub.publish(app, name, testPublisher(options.id));
  stream.ingest('video', 0, videoSequenceHeader(options.avcC ?? AVC_BASELINE_64X48));
  if (options.audio) stream.ingest('audio', 0, audioSequenceHeader());
  return stream;
}

export interface TsPacket {
  pid: number;
  payloadUnitStart: boolean;
  randomAccess: boolean;
  payload: Buffer;
}

/** Splits a segment into 188-byte packets (throws on a lost sync byte). */
export function readTsPackets(data: Buffer): TsPacket[] {
  if (data.length % 188 !== 0) throw new Error(`segment of ${data.length} bytes is not whole TS packets`);
  const packets: TsPacket[] = [];
  for (let o = 0; o < data.length; o += 188) {
    const p = data.subarray(o, o + 188);
    if (p[0] !== 0x47) throw new Error(`lost sync at byte ${o}`);
    const control = (p[3] >> 4) & 3;
    const adaptationLength = control & 2 ? p[4] + 1 : 0;
    packets.push({
      pid: ((p[1] & 0x1f) << 8) | p[2],
      payloadUnitStart: (p[1] & 0x40) !== 0,
      randomAccess: adaptationLength > 1 && (p[5] & 0x40) !== 0,
      payload: control & 1 ? p.subarray(4 + adaptationLength) : Buffer.alloc(0),
    });
  }
  return packets;
}

/** The payload bytes of every packet of `pid`, joined: enough to look for NAL units. */
export function pidBytes(data: Buffer, pid: number): Buffer {
  return Buffer.concat(readTsPackets(data).filter((p) => p.pid === pid).map((p) => p.payload));
}
