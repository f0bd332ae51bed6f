// AAC: AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1, the FLV AAC sequence header) and the ADTS
// header (ISO/IEC 14496-3 1.A.2) that MPEG-TS carries in front of every raw AAC frame.

import { CodecConfigError } from '../errors.ts';
import { BitReader } from './bit-reader.ts';

export interface AudioSpecificConfig {
  codec: 'aac';
  /** audioObjectType as signalled: 2 = LC, 5 = HE-AAC (SBR), 29 = HE-AAC v2 (SBR+PS)… ("mp4a.40.N"). */
  objectType: number;
  /** The core codec's object type: differs from objectType only under explicit SBR/PS signalling. */
  coreObjectType: number;
  /** 0..12 from the table, 15 when the rate is given explicitly. */
  samplingFrequencyIndex: number;
  /** Core sampling rate in Hz. */
  sampleRate: number;
  /** Rate after SBR (equals sampleRate when there is no SBR). */
  outputSampleRate: number;
  /** 0 = defined by an in-band program_config_element (channels then 0: not parsed). */
  channelConfiguration: number;
  channels: number;
  sbr: boolean;
  ps: boolean;
  /** Core samples per frame: 1024, or 960 with frameLengthFlag. */
  samplesPerFrame: number;
}

export const AAC_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const EXPLICIT_RATE_INDEX = 15;
const AOT_ESCAPE = 31;
const AOT_SBR = 5;
const AOT_PS = 29;
const AOT_ER_BSAC = 22;
/** Object types whose config continues with a GASpecificConfig (frameLengthFlag first). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);
/** Channel configurations 1..14 (Table 1.19; 8..10 reserved). */
const CHANNELS_BY_CONFIGURATION: readonly (number | undefined)[] = [0, 1, 2, 3, 4, 5, 6, 8, undefined, undefined, undefined, 7, 8, 24, 8];

function readObjectType(r: BitReader): number {
  const aot = r.readBits(5);
  return aot === AOT_ESCAPE ? 32 + r.readBits(6) : aot;
}

function readSampleRate(r: BitReader): { index: number; rate: number } {
  const index = r.readBits(4);
  if (index === EXPLICIT_RATE_INDEX) return { index, rate: r.readBits(24) };
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new CodecConfigError('malformed', `AudioSpecificConfig: samplingFrequencyIndex ${index} is reserved`);
  return { index, rate };
}

export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  const r = new BitReader(bytes, 'AudioSpecificConfig');
  const objectType = readObjectType(r);
  if (objectType === 0) throw new CodecConfigError('malformed', 'AudioSpecificConfig: audioObjectType 0 is null');
  const core = readSampleRate(r);
  const channelConfiguration = r.readBits(4);
  const channels = CHANNELS_BY_CONFIGURATION[channelConfiguration];
  if (channels === undefined) throw new CodecConfigError('malformed', `AudioSpecificConfig: channelConfiguration ${channelConfiguration} is reserved`);
  if (core.rate === 0) throw new CodecConfigError('malformed', 'AudioSpecificConfig: explicit sampling frequency 0');

  let coreObjectType = objectType;
  let outputSampleRate = core.rate;
  const sbr = objectType === AOT_SBR || objectType === AOT_PS;
  if (sbr) {
    outputSampleRate = readSampleRate(r).rate;
    coreObjectType = readObjectType(r);
    if (coreObjectType === AOT_ER_BSAC) r.skipBits(4); // extensionChannelConfiguration
  }
  let samplesPerFrame = 1024;
  if (GA_OBJECT_TYPES.has(coreObjectType)) samplesPerFrame = r.readBit() ? 960 : 1024;
  return {
    codec: 'aac',
    objectType,
    coreObjectType,
    samplingFrequencyIndex: core.index,
    sampleRate: core.rate,
    outputSampleRate,
    channelConfiguration,
    channels,
    sbr,
    ps: objectType === AOT_PS,
    samplesPerFrame,
  };
}

export const ADTS_HEADER_SIZE = 7;
/** frame_length is 13 bits and includes the header. */
const MAX_ADTS_FRAME = 0x1fff;
/** buffer_fullness 0x7FF: variable bit rate. */
const ADTS_VBR_FULLNESS = 0x7ff;

/**
 * Writes a 7-byte ADTS header (no CRC) for a raw AAC frame of `payloadLength` bytes at
 * `target[offset]`. Throws CodecConfigError 'unsupported' for configs ADTS cannot express
 * (object types above 4, explicit sampling rates, PCE channel layouts, frames over 8191 bytes).
 */
export function writeAdtsHeader(target: Uint8Array, offset: number, config: AudioSpecificConfig, payloadLength: number): void {
  const profile = config.coreObjectType - 1;
  if (profile < 0 || profile > 3) throw new CodecConfigError('unsupported', `ADTS: object type ${config.coreObjectType} has no ADTS profile`);
  if (config.samplingFrequencyIndex >= AAC_SAMPLE_RATES.length) throw new CodecConfigError('unsupported', 'ADTS: explicit sampling rates are not expressible');
  if (config.channelConfiguration === 0 || config.channelConfiguration > 7) {
    throw new CodecConfigError('unsupported', `ADTS: channelConfiguration ${config.channelConfiguration} is not expressible`);
  }
  const frameLength = payloadLength + ADTS_HEADER_SIZE;
  if (payloadLength < 0 || frameLength > MAX_ADTS_FRAME) throw new CodecConfigError('unsupported', `ADTS: frame of ${payloadLength} bytes does not fit 13 bits`);
  const channel = config.channelConfiguration;
  target[offset] = 0xff; // syncword
  target[offset + 1] = 0xf1; // syncword, MPEG-4, layer 0, protection_absent
  target[offset + 2] = (profile << 6) | (config.samplingFrequencyIndex << 2) | (channel >> 2);
  target[offset + 3] = ((channel & 0x03) << 6) | (frameLength >> 11);
  target[offset + 4] = (frameLength >> 3) & 0xff;
  target[offset + 5] = ((frameLength & 0x07) << 5) | (ADTS_VBR_FULLNESS >> 6);
  target[offset + 6] = (ADTS_VBR_FULLNESS & 0x3f) << 2; // number_of_raw_data_blocks_in_frame = 0
}

export function adtsHeader(config: AudioSpecificConfig, payloadLength: number): Uint8Array {
  const header = new Uint8Array(ADTS_HEADER_SIZE);
  writeAdtsHeader(header, 0, config, payloadLength);
  return header;
}
