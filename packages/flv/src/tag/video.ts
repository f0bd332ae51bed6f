// VIDEODATA tag header: legacy FLV (CodecID nibble, AVCPacketType + CompositionTime for AVC and
// the de-facto HEVC id 12) and the E-RTMP ExVideoTagHeader (IsExHeader bit, VideoPacketType,
// ModEx, FourCC, multitrack). Payload = RTMP video message body = FLV video tag body.

import { readFourCc, readS24 } from '../bytes.ts';
import { FlvError } from '../errors.ts';
import { readModEx, skipModEx } from './modex.ts';
import { MULTITRACK_KINDS, type MultitrackInfo } from './multitrack.ts';

export type VideoCodec = 'h263' | 'screen' | 'vp6' | 'vp6a' | 'screen2' | 'avc' | 'hevc' | 'av1' | 'vp8' | 'vp9' | 'vvc';

export type VideoFrameType =
  | 'keyframe'
  | 'inter'
  | 'disposable-inter'
  | 'generated-keyframe'
  | 'command'
  /** Only on Metadata packets, whose frame type the spec says to ignore. */
  | 'reserved';

export type VideoPacketType =
  | 'sequence-start'
  | 'coded-frames'
  | 'sequence-end'
  | 'metadata'
  | 'mpeg2ts-sequence-start'
  | 'multitrack'
  /** A VideoCommand (seek start/end) frame: no video data. */
  | 'command';

export interface VideoTagHeader {
  isEnhanced: boolean;
  /** Absent for E-RTMP command frames and many-codec multitrack packets, which name no single codec. */
  codec?: VideoCodec;
  /** E-RTMP only: the FourCC as sent ("avc1", "hvc1", "av01", "vp09"…). */
  fourCc?: string;
  frameType: VideoFrameType;
  packetType: VideoPacketType;
  /** PTS - DTS in ms (SI24); 0 where the packet carries none. */
  compositionTime: number;
  /** Where the codec data (config record, NAL units, OBUs, AMF metadata, multitrack tracks) starts. */
  dataOffset: number;
  command?: 'start-seek' | 'end-seek';
  /** E-RTMP ModEx TimestampOffsetNano. */
  timestampOffsetNano?: number;
  multitrack?: MultitrackInfo<VideoPacketType>;
}

/** Legacy CodecID nibble -> codec (also the legacy onMetaData videocodecid). */
export const VIDEO_CODEC_BY_ID: Readonly<Record<number, VideoCodec>> = {
  2: 'h263', 3: 'screen', 4: 'vp6', 5: 'vp6a', 6: 'screen2', 7: 'avc',
  // Not in Adobe's spec: the "flv_265" extension (Chinese CDNs, SRS-era ffmpeg patches).
  12: 'hevc',
};
const CODEC_AVC = 7;
const CODEC_HEVC_LEGACY = 12;

export const VIDEO_CODEC_BY_FOURCC: Readonly<Record<string, VideoCodec>> = {
  avc1: 'avc', hvc1: 'hevc', av01: 'av1', vp08: 'vp8', vp09: 'vp9', vvc1: 'vvc',
};

const FRAME_TYPES: readonly (VideoFrameType | undefined)[] = [
  undefined, 'keyframe', 'inter', 'disposable-inter', 'generated-keyframe', 'command',
];

const EX_PACKET_TYPES: readonly (VideoPacketType | undefined)[] = [
  'sequence-start', 'coded-frames', 'sequence-end', 'coded-frames', 'metadata', 'mpeg2ts-sequence-start', 'multitrack',
];
const EX_SEQUENCE_START = 0;
const EX_CODED_FRAMES = 1;
const EX_CODED_FRAMES_X = 3;
const EX_METADATA = 4;
const EX_MPEG2TS_SEQUENCE_START = 5;
const EX_MULTITRACK = 6;
const MULTITRACK_MANY_CODECS = 2;

const LEGACY_PACKET_TYPES: readonly VideoPacketType[] = ['sequence-start', 'coded-frames', 'sequence-end'];

const FRAME_KEY = 1;
const FRAME_GENERATED_KEY = 4;
const FRAME_COMMAND = 5;

function need(p: Uint8Array, end: number, what: string): void {
  if (end > p.length) {
    throw new FlvError('truncated', `video tag: ${what} needs ${end} bytes, payload has ${p.length}`);
  }
}

function codecForFourCc(fourCc: string): VideoCodec {
  const codec = VIDEO_CODEC_BY_FOURCC[fourCc];
  if (codec === undefined) throw new FlvError('unsupported-codec', `video tag: unknown FourCC ${JSON.stringify(fourCc)}`);
  return codec;
}

function commandName(p: Uint8Array, offset: number): 'start-seek' | 'end-seek' {
  need(p, offset + 1, 'VideoCommand');
  const command = p[offset];
  if (command > 1) throw new FlvError('reserved-value', `video tag: VideoCommand ${command} is reserved`);
  return command === 0 ? 'start-seek' : 'end-seek';
}

/** Parses the (Ex)VideoTagHeader. Throws FlvError for anything it cannot interpret. */
export function parseVideoTagHeader(payload: Uint8Array): VideoTagHeader {
  if (payload.length === 0) throw new FlvError('empty-payload', 'video tag: empty payload');
  const first = payload[0];
  return first & 0x80 ? parseEnhanced(payload, first) : parseLegacy(payload, first);
}

function parseLegacy(p: Uint8Array, first: number): VideoTagHeader {
  const frameTypeId = first >> 4;
  const frameType = FRAME_TYPES[frameTypeId];
  if (frameType === undefined) throw new FlvError('reserved-value', `video tag: FrameType ${frameTypeId} is reserved`);
  const codecId = first & 0x0f;
  const codec = VIDEO_CODEC_BY_ID[codecId];
  if (codec === undefined) throw new FlvError('unsupported-codec', `video tag: CodecID ${codecId} is not defined`);

  if (frameTypeId === FRAME_COMMAND) {
    return { isEnhanced: false, codec, frameType, packetType: 'command', compositionTime: 0, dataOffset: 2, command: commandName(p, 1) };
  }
  if (codecId !== CODEC_AVC && codecId !== CODEC_HEVC_LEGACY) {
    // Other legacy codecs carry their frame right after the one header byte.
    return { isEnhanced: false, codec, frameType, packetType: 'coded-frames', compositionTime: 0, dataOffset: 1 };
  }
  need(p, 5, `${codec} packet type and composition time`);
  const packetType = LEGACY_PACKET_TYPES[p[1]];
  if (packetType === undefined) throw new FlvError('unsupported-packet-type', `video tag: AVCPacketType ${p[1]} is not defined`);
  return { isEnhanced: false, codec, frameType, packetType, compositionTime: readS24(p, 2), dataOffset: 5 };
}

function parseEnhanced(p: Uint8Array, first: number): VideoTagHeader {
  const frameTypeId = (first >> 4) & 0x07;
  const modEx = readModEx(p, 1, first & 0x0f, 'video');
  const packetTypeId = modEx.packetType;
  let offset = modEx.offset;
  const header: VideoTagHeader = {
    isEnhanced: true,
    frameType: FRAME_TYPES[frameTypeId] ?? 'reserved',
    packetType: 'coded-frames',
    compositionTime: 0,
    dataOffset: offset,
  };
  if (modEx.timestampOffsetNano !== undefined) header.timestampOffsetNano = modEx.timestampOffsetNano;

  if (header.frameType === 'reserved' && packetTypeId !== EX_METADATA) {
    throw new FlvError('reserved-value', `video tag: FrameType ${frameTypeId} is reserved`);
  }
  if (frameTypeId === FRAME_COMMAND && packetTypeId !== EX_METADATA) {
    header.packetType = 'command';
    header.command = commandName(p, offset);
    header.dataOffset = offset + 1;
    return header;
  }
  const packetType = EX_PACKET_TYPES[packetTypeId];
  if (packetType === undefined) throw new FlvError('unsupported-packet-type', `video tag: VideoPacketType ${packetTypeId} is reserved`);
  header.packetType = packetType;

  if (packetTypeId === EX_MULTITRACK) {
    need(p, offset + 1, 'multitrack type');
    const kindId = p[offset] >> 4;
    const innerId = p[offset] & 0x0f;
    offset += 1;
    const kind = MULTITRACK_KINDS[kindId];
    if (kind === undefined) throw new FlvError('reserved-value', `video tag: AvMultitrackType ${kindId} is reserved`);
    const inner = EX_PACKET_TYPES[innerId];
    if (inner === undefined || innerId === EX_MULTITRACK) {
      throw new FlvError('unsupported-packet-type', `video tag: VideoPacketType ${innerId} inside a multitrack packet`);
    }
    header.multitrack = { kind, packetType: inner };
    if (kindId !== MULTITRACK_MANY_CODECS) {
      need(p, offset + 4, 'multitrack FourCC');
      const fourCc = readFourCc(p, offset);
      header.codec = codecForFourCc(fourCc);
      header.fourCc = fourCc;
      header.multitrack.fourCc = fourCc;
      offset += 4;
    }
    header.dataOffset = offset;
    return header;
  }

  need(p, offset + 4, 'FourCC');
  const fourCc = readFourCc(p, offset);
  header.codec = codecForFourCc(fourCc);
  header.fourCc = fourCc;
  offset += 4;
  if (packetTypeId === EX_CODED_FRAMES && hasCompositionTime(header.codec)) {
    need(p, offset + 3, 'composition time');
    header.compositionTime = readS24(p, offset);
    offset += 3;
  }
  header.dataOffset = offset;
  return header;
}

/** AVC, HEVC and VVC CodedFrames carry an SI24 composition time; AV1/VP8/VP9 frames do not reorder. */
function hasCompositionTime(codec: VideoCodec): boolean {
  return codec === 'avc' || codec === 'hevc' || codec === 'vvc';
}

/**
 * Resolves the effective E-RTMP packet type without allocating: the ModEx-resolved type, or for
 * multitrack the per-track type. -1 when truncated.
 */
function enhancedPacketType(p: Uint8Array): number {
  const packed = skipModEx(p, 1, p[0] & 0x0f);
  if (packed < 0) return -1;
  const packetType = packed & 0x0f;
  if (packetType !== EX_MULTITRACK) return packetType;
  const offset = (packed - packetType) / 16;
  return offset < p.length ? p[offset] & 0x0f : -1;
}

/**
 * True for a key (or generated key) frame that carries coded picture data: the point a GOP cache
 * starts from. Sequence headers, commands and metadata are not keyframes here even though their
 * FrameType nibble may say so. A few byte reads, no allocation.
 */
export function isVideoKeyframe(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const first = payload[0];
  if (first & 0x80) {
    const frameType = (first >> 4) & 0x07;
    if (frameType !== FRAME_KEY && frameType !== FRAME_GENERATED_KEY) return false;
    const packetType = enhancedPacketType(payload);
    return packetType === EX_CODED_FRAMES || packetType === EX_CODED_FRAMES_X;
  }
  const frameType = first >> 4;
  if (frameType !== FRAME_KEY && frameType !== FRAME_GENERATED_KEY) return false;
  const codecId = first & 0x0f;
  if (codecId === CODEC_AVC || codecId === CODEC_HEVC_LEGACY) return payload[1] === 1;
  return codecId in VIDEO_CODEC_BY_ID;
}

/**
 * True for a video decoder configuration (AVC/HEVC sequence header, E-RTMP SequenceStart or
 * MPEG2TSSequenceStart, also inside ModEx/multitrack). A few byte reads, no allocation.
 */
export function isVideoSequenceHeader(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const first = payload[0];
  if (first & 0x80) {
    if (((first >> 4) & 0x07) === FRAME_COMMAND) return false;
    const packetType = enhancedPacketType(payload);
    return packetType === EX_SEQUENCE_START || packetType === EX_MPEG2TS_SEQUENCE_START;
  }
  const codecId = first & 0x0f;
  return (codecId === CODEC_AVC || codecId === CODEC_HEVC_LEGACY) && first >> 4 !== FRAME_COMMAND && payload[1] === 0;
}
