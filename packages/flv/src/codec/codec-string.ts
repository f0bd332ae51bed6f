// RFC 6381 "codecs" parameter values for HLS playlists and MediaSource.isTypeSupported(), and
// the dispatcher from a tag header's codec to its configuration-record parser.

import { hex2 } from '../bytes.ts';
import { CodecConfigError } from '../errors.ts';
import type { AudioCodec } from '../tag/audio.ts';
import type { VideoCodec } from '../tag/video.ts';
import { parseAudioSpecificConfig, type AudioSpecificConfig } from './aac.ts';
import { parseAv1CodecConfigurationRecord, type Av1CodecConfigurationRecord } from './av1.ts';
import { parseAvcDecoderConfigurationRecord, type AvcDecoderConfigurationRecord } from './avc.ts';
import { parseHevcDecoderConfigurationRecord, type HevcDecoderConfigurationRecord } from './hevc.ts';
import { parseOpusHead, type OpusHead } from './opus.ts';
import { parseVpCodecConfigurationRecord, type VpCodecConfigurationRecord } from './vp9.ts';

export type CodecConfig =
  | AvcDecoderConfigurationRecord
  | HevcDecoderConfigurationRecord
  | Av1CodecConfigurationRecord
  | VpCodecConfigurationRecord
  | AudioSpecificConfig
  | OpusHead;

/** Codecs whose string needs no configuration record. */
export type ConfiglessCodec = 'mp3' | 'flac' | 'ac3' | 'eac3';

const CONFIGLESS: Readonly<Record<ConfiglessCodec, string>> = {
  mp3: 'mp4a.40.34',
  flac: 'flac',
  ac3: 'ac-3',
  eac3: 'ec-3',
};

/** E.g. "avc1.64001f", "hvc1.1.6.L93.B0", "av01.0.08M.08", "vp09.00.31.08", "mp4a.40.2", "opus". */
export function codecString(config: CodecConfig | ConfiglessCodec): string {
  if (typeof config === 'string') return CONFIGLESS[config];
  switch (config.codec) {
    case 'avc':
      return `avc1.${hex2(config.profile)}${hex2(config.profileCompatibility)}${hex2(config.level)}`;
    case 'hevc':
      return hevcCodecString(config);
    case 'av1':
      return `av01.${config.profile}.${String(config.level).padStart(2, '0')}${config.tier ? 'H' : 'M'}.${String(config.bitDepth).padStart(2, '0')}`;
    case 'vp9':
    case 'vp8':
      return `${config.codec === 'vp9' ? 'vp09' : 'vp08'}.${pad2(config.profile)}.${pad2(config.level)}.${pad2(config.bitDepth)}`;
    case 'aac':
      return `mp4a.40.${config.objectType}`;
    case 'opus':
      return 'opus';
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** ISO/IEC 14496-15 E.3: profile space letter, compatibility flags bit-reversed, tier+level, constraint bytes. */
function hevcCodecString(c: HevcDecoderConfigurationRecord): string {
  const space = ['', 'A', 'B', 'C'][c.profileSpace];
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    if (c.profileCompatibilityFlags & (1 << i)) reversed |= 1 << (31 - i);
  }
  let constraints = Array.from(c.constraintIndicatorFlags, (b) => b.toString(16).toUpperCase());
  while (constraints.length > 0 && constraints[constraints.length - 1] === '0') constraints = constraints.slice(0, -1);
  const tail = constraints.map((b) => `.${b}`).join('');
  return `hvc1.${space}${c.profileIdc}.${(reversed >>> 0).toString(16).toUpperCase()}.${c.tierFlag ? 'H' : 'L'}${c.levelIdc}${tail}`;
}

/**
 * Parses the body of a sequence-start packet (`payload.subarray(header.dataOffset)`) for the codec
 * the tag header named. Throws CodecConfigError 'unsupported' for codecs without a record parser.
 */
export function parseCodecConfig(codec: VideoCodec | AudioCodec, bytes: Uint8Array): CodecConfig {
  switch (codec) {
    case 'avc':
      return parseAvcDecoderConfigurationRecord(bytes);
    case 'hevc':
      return parseHevcDecoderConfigurationRecord(bytes);
    case 'av1':
      return parseAv1CodecConfigurationRecord(bytes);
    case 'vp9':
    case 'vp8':
      return parseVpCodecConfigurationRecord(bytes, codec);
    case 'aac':
      return parseAudioSpecificConfig(bytes);
    case 'opus':
      return parseOpusHead(bytes);
    default:
      throw new CodecConfigError('unsupported', `no configuration record parser for ${codec}`);
  }
}
