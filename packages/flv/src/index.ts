export * from './errors.ts';
export { fourCcToNumber, numberToFourCc } from './bytes.ts';
export * from './tag/video.ts';
export * from './tag/audio.ts';
export type { MultitrackInfo, MultitrackKind } from './tag/multitrack.ts';
export * from './tag/sequence-header.ts';
export * from './tag/script.ts';
export { BitReader } from './codec/bit-reader.ts';
export { nalToRbsp, splitLengthPrefixed } from './codec/nal.ts';
export * from './codec/avc.ts';
export * from './codec/hevc.ts';
export * from './codec/aac.ts';
export * from './codec/opus.ts';
export * from './codec/av1.ts';
export * from './codec/vp9.ts';
export * from './codec/codec-string.ts';
export * from './mux/flv.ts';
export { TsMuxer, VIDEO_PID, AUDIO_PID, type TsMuxerOptions, type TsVideoTrack, type TsAudioTrack } from './mux/ts/muxer.ts';
export { TS_PACKET_SIZE } from './mux/ts/packet.ts';
export { PAT_PID, PMT_PID } from './mux/ts/psi.ts';
export { crc32Mpeg2 } from './mux/ts/crc32.ts';
export {
  Fmp4Muxer,
  type Fmp4MuxerOptions,
  type Fmp4Samples,
  type Fmp4VideoSample,
  type Fmp4AudioSample,
} from './mux/fmp4/muxer.ts';
export { VIDEO_TIMESCALE, VIDEO_TRACK_ID, AUDIO_TRACK_ID, type Fmp4VideoTrackOptions, type Fmp4AudioTrackOptions } from './mux/fmp4/track.ts';
