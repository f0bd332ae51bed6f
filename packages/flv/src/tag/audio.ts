// AUDIODATA tag header: legacy FLV (SoundFormat nibble + rate/size/type bits, AACPacketType) and
// the E-RTMP ExAudioTagHeader (SoundFormat 9, AudioPacketType, ModEx, FourCC, multitrack).
// Payload = RTMP audio message body = FLV audio tag body.

import { readFourCc } from '../bytes.ts';
import { FlvError } from '../errors.ts';
import { readModEx, skipModEx } from './modex.ts';
import { MULTITRACK_KINDS, type MultitrackInfo } from './multitrack.ts';

export type AudioCodec =
  | 'lpcm'
  | 'adpcm'
  | 'mp3'
  | 'lpcm-le'
  | 'nellymoser-16k'
  | 'nellymoser-8k'
  | 'nellymoser'
  | 'g711-alaw'
  | 'g711-mulaw'
  | 'aac'
  | 'speex'
  | 'mp3-8k'
  | 'device-specific'
  | 'opus'
  | 'flac'
  | 'ac3'
  | 'eac3';

export type AudioPacketType = 'sequence-start' | 'coded-frames' | 'sequence-end' | 'multichannel-config' | 'multitrack';

export interface AudioTagHeader {
  isEnhanced: boolean;
  /** Absent only for many-codec multitrack packets, which name no single codec. */
  codec?: AudioCodec;
  /** E-RTMP only: the FourCC as sent ("mp4a", "Opus", "fLaC", ".mp3", "ac-3", "ec-3"). */
  fourCc?: string;
  packetType: AudioPacketType;
  /** Where the codec data (AudioSpecificConfig, OpusHead, frames, multitrack tracks) starts. */
  dataOffset: number;
  /** Legacy only. Meaningless for AAC, whose AudioSpecificConfig is authoritative. */
  soundRate?: 5512 | 11025 | 22050 | 44100;
  soundSize?: 8 | 16;
  channels?: 1 | 2;
  /** E-RTMP ModEx TimestampOffsetNano. */
  timestampOffsetNano?: number;
  multitrack?: MultitrackInfo<AudioPacketType>;
}

/** Legacy SoundFormat nibble -> codec (also the legacy onMetaData audiocodecid). */
export const AUDIO_CODEC_BY_SOUND_FORMAT: readonly (AudioCodec | undefined)[] = [
  'lpcm', 'adpcm', 'mp3', 'lpcm-le', 'nellymoser-16k', 'nellymoser-8k', 'nellymoser', 'g711-alaw', 'g711-mulaw',
  undefined /* 9 = ExHeader */, 'aac', 'speex', undefined, undefined, 'mp3-8k', 'device-specific',
];
const SOUND_FORMAT_EX_HEADER = 9;
const SOUND_FORMAT_AAC = 10;
const SOUND_RATES = [5512, 11025, 22050, 44100] as const;

export const AUDIO_CODEC_BY_FOURCC: Readonly<Record<string, AudioCodec>> = {
  mp4a: 'aac', Opus: 'opus', fLaC: 'flac', '.mp3': 'mp3', 'ac-3': 'ac3', 'ec-3': 'eac3',
};

const EX_PACKET_TYPES: readonly (AudioPacketType | undefined)[] = [
  'sequence-start', 'coded-frames', 'sequence-end', undefined, 'multichannel-config', 'multitrack',
];
const EX_SEQUENCE_START = 0;
const EX_MULTITRACK = 5;
const MULTITRACK_MANY_CODECS = 2;

function need(p: Uint8Array, end: number, what: string): void {
  if (end > p.length) {
    throw new FlvError('truncated', `audio tag: ${what} needs ${end} bytes, payload has ${p.length}`);
  }
}

function codecForFourCc(fourCc: string): AudioCodec {
  const codec = AUDIO_CODEC_BY_FOURCC[fourCc];
  if (codec === undefined) throw new FlvError('unsupported-codec', `audio tag: unknown FourCC ${JSON.stringify(fourCc)}`);
  return codec;
}

/**
 * Parses the (Ex)AudioTagHeader. A zero-length payload is RTMP's legacy "silence" message and
 * throws FlvError 'empty-payload' (forward it untouched); everything else uninterpretable throws too.
 */
export function parseAudioTagHeader(payload: Uint8Array): AudioTagHeader {
  if (payload.length === 0) throw new FlvError('empty-payload', 'audio tag: empty payload (silence message)');
  const first = payload[0];
  const soundFormat = first >> 4;
  if (soundFormat === SOUND_FORMAT_EX_HEADER) return parseEnhanced(payload, first);

  const codec = AUDIO_CODEC_BY_SOUND_FORMAT[soundFormat];
  if (codec === undefined) throw new FlvError('unsupported-codec', `audio tag: SoundFormat ${soundFormat} is reserved`);
  const header: AudioTagHeader = {
    isEnhanced: false,
    codec,
    packetType: 'coded-frames',
    dataOffset: 1,
    soundRate: SOUND_RATES[(first >> 2) & 0x03],
    soundSize: first & 0x02 ? 16 : 8,
    channels: first & 0x01 ? 2 : 1,
  };
  if (soundFormat === SOUND_FORMAT_AAC) {
    need(payload, 2, 'AACPacketType');
    const aacPacketType = payload[1];
    if (aacPacketType > 1) throw new FlvError('unsupported-packet-type', `audio tag: AACPacketType ${aacPacketType} is not defined`);
    header.packetType = aacPacketType === 0 ? 'sequence-start' : 'coded-frames';
    header.dataOffset = 2;
  }
  return header;
}

function parseEnhanced(payload: Uint8Array, first: number): AudioTagHeader {
  const modEx = readModEx(payload, 1, first & 0x0f, 'audio');
  let offset = modEx.offset;
  const packetType = EX_PACKET_TYPES[modEx.packetType];
  if (packetType === undefined) throw new FlvError('unsupported-packet-type', `audio tag: AudioPacketType ${modEx.packetType} is reserved`);
  const header: AudioTagHeader = { isEnhanced: true, packetType, dataOffset: offset };
  if (modEx.timestampOffsetNano !== undefined) header.timestampOffsetNano = modEx.timestampOffsetNano;

  let sharedFourCc = true;
  if (modEx.packetType === EX_MULTITRACK) {
    need(payload, offset + 1, 'multitrack type');
    const kindId = payload[offset] >> 4;
    const innerId = payload[offset] & 0x0f;
    offset += 1;
    const kind = MULTITRACK_KINDS[kindId];
    if (kind === undefined) throw new FlvError('reserved-value', `audio tag: AvMultitrackType ${kindId} is reserved`);
    const inner = EX_PACKET_TYPES[innerId];
    if (inner === undefined || innerId === EX_MULTITRACK) {
      throw new FlvError('unsupported-packet-type', `audio tag: AudioPacketType ${innerId} inside a multitrack packet`);
    }
    header.multitrack = { kind, packetType: inner };
    sharedFourCc = kindId !== MULTITRACK_MANY_CODECS;
  }
  if (sharedFourCc) {
    need(payload, offset + 4, 'FourCC');
    const fourCc = readFourCc(payload, offset);
    header.codec = codecForFourCc(fourCc);
    header.fourCc = fourCc;
    if (header.multitrack) header.multitrack.fourCc = fourCc;
    offset += 4;
  }
  header.dataOffset = offset;
  return header;
}

/**
 * True for an audio decoder configuration: AAC AudioSpecificConfig (legacy AACPacketType 0) or an
 * E-RTMP SequenceStart (also inside ModEx/multitrack). A few byte reads, no allocation.
 */
export function isAudioSequenceHeader(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const soundFormat = payload[0] >> 4;
  if (soundFormat === SOUND_FORMAT_AAC) return payload[1] === 0;
  if (soundFormat !== SOUND_FORMAT_EX_HEADER) return false;
  const packed = skipModEx(payload, 1, payload[0] & 0x0f);
  if (packed < 0) return false;
  const packetType = packed & 0x0f;
  if (packetType === EX_SEQUENCE_START) return true;
  if (packetType !== EX_MULTITRACK) return false;
  const offset = (packed - packetType) / 16;
  return offset < payload.length && (payload[offset] & 0x0f) === EX_SEQUENCE_START;
}
