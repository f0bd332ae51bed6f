// What the fMP4 boxes need to know about a track, resolved once from the muxer's options.
import type { AudioSpecificConfig } from '../../codec/aac.ts';
import type { AvcDecoderConfigurationRecord } from '../../codec/avc.ts';
import type { HevcDecoderConfigurationRecord } from '../../codec/hevc.ts';
import { FlvError } from '../../errors.ts';

export type Fmp4VideoTrackOptions =
  | { codec: 'avc'; config: AvcDecoderConfigurationRecord; /** the raw avcC the config was parsed from */ record: Uint8Array }
  | { codec: 'hevc'; config: HevcDecoderConfigurationRecord; /** the raw hvcC the config was parsed from */ record: Uint8Array };

export interface Fmp4AudioTrackOptions {
  codec: 'aac';
  config: AudioSpecificConfig;
  /** the raw AudioSpecificConfig the config was parsed from */
  asc: Uint8Array;
}

export interface Fmp4VideoTrack {
  kind: 'video';
  id: number;
  codec: 'avc' | 'hevc';
  record: Uint8Array;
  timescale: number;
  width: number;
  height: number;
}

export interface Fmp4AudioTrack {
  kind: 'audio';
  id: number;
  asc: Uint8Array;
  timescale: number;
  channels: number;
  samplesPerFrame: number;
}

export type Fmp4Track = Fmp4VideoTrack | Fmp4AudioTrack;

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;
/** Video runs on the MPEG 90 kHz clock, which every common frame rate divides (nearly) evenly. */
export const VIDEO_TIMESCALE = 90_000;

export function videoTrack(options: Fmp4VideoTrackOptions): Fmp4VideoTrack {
  const sps = options.config.spsInfo;
  if (sps === undefined) throw new FlvError('invalid-argument', 'the HEVC configuration record has no readable SPS: the picture size is unknown');
  if (sps.width > 0xffff || sps.height > 0xffff) throw new FlvError('invalid-argument', `video of ${sps.width}x${sps.height} does not fit a sample entry`);
  return { kind: 'video', id: VIDEO_TRACK_ID, codec: options.codec, record: options.record, timescale: VIDEO_TIMESCALE, width: sps.width, height: sps.height };
}

export function audioTrack(options: Fmp4AudioTrackOptions): Fmp4AudioTrack {
  const { config } = options;
  // The media clock is the core sampling rate, so each AAC frame lasts exactly samplesPerFrame
  // ticks (SBR doubles rate and frame alike, which leaves durations the same). channelConfiguration
  // 0 (channels in an in-band PCE) still needs a count for the sample entry.
  return {
    kind: 'audio',
    id: AUDIO_TRACK_ID,
    asc: options.asc,
    timescale: config.sampleRate,
    channels: config.channels > 0 ? config.channels : 2,
    samplesPerFrame: config.samplesPerFrame,
  };
}
