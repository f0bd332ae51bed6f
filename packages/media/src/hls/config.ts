// HLS output settings. Every bound here is also a memory bound: a stream holds at most
// windowSegments + keepSegments finished segments plus one open segment of at most maxSegmentBytes.
import type { SegmentFormat } from './segment-writer.ts';

export interface HlsConfig {
  enabled: boolean;
  /** Segments are cut at the first keyframe at or after this duration (audio-only streams: the first audio frame). */
  targetDurationMs: number;
  /** Segments listed in the live playlist. */
  windowSegments: number;
  /** Segments still served after leaving the playlist, for players holding an older playlist; then removed. */
  keepSegments: number;
  /** A segment this long or this large without a keyframe is cut anyway (the next one starts without a keyframe). */
  maxSegmentDurationMs: number;
  maxSegmentBytes: number;
  /** After the publisher leaves, the playlist stays live this long so a reconnect continues it (after a discontinuity). */
  republishGraceMs: number;
  /** Then the playlist ends (EXT-X-ENDLIST) and is still served this long, so players can finish, then dropped. */
  endedRetainMs: number;
  /** A client counts as a viewer while it has fetched the playlist within this window. */
  viewerWindowMs: number;
  /** A playlist request for a live stream that has no segment yet waits this long for its first one (low latency: its first part). */
  firstSegmentWaitMs: number;
  /**
   * Segment container: 'ts' (MPEG-TS, playlist version 3, plays everywhere) or 'fmp4' (fragmented
   * MP4 / CMAF: version 7 with EXT-X-MAP init sections, .m4s segments; what MSE players append directly).
   */
  segmentFormat: SegmentFormat;
  /**
   * Low-Latency HLS (RFC 8216bis): 0 = off. Otherwise segments are also published as partial
   * segments (CMAF fragments, EXT-X-PART) of at most this many milliseconds, the playlist
   * answers blocking reloads (_HLS_msn/_HLS_part) and hints the next part. fMP4 only.
   */
  partTargetMs: number;
  /** Where segments live. Only memory for now: small, bounded, and gone with the process. */
  storage: 'memory';
}

const MIN_PART_TARGET_MS = 100;

export const defaultHlsConfig: HlsConfig = {
  enabled: true,
  targetDurationMs: 2000,
  windowSegments: 6,
  keepSegments: 3,
  maxSegmentDurationMs: 15_000,
  maxSegmentBytes: 16 * 1024 * 1024,
  republishGraceMs: 10_000,
  endedRetainMs: 30_000,
  viewerWindowMs: 10_000,
  firstSegmentWaitMs: 10_000,
  segmentFormat: 'ts',
  partTargetMs: 0,
  storage: 'memory',
};

export class HlsConfigError extends Error {
  readonly code = 'invalid-hls-config';
  constructor(message: string) {
    super(message);
    this.name = 'HlsConfigError';
  }
}

/** Defaults overridden by `overrides`; throws HlsConfigError for values that would break the playlist or memory bounds. */
export function resolveHlsConfig(overrides: Partial<HlsConfig> = {}): HlsConfig {
  const config = { ...defaultHlsConfig, ...overrides };
  const positive = ['targetDurationMs', 'windowSegments', 'maxSegmentDurationMs', 'maxSegmentBytes', 'viewerWindowMs'] as const;
  for (const key of positive) {
    if (!Number.isFinite(config[key]) || config[key] <= 0) throw new HlsConfigError(`hls.${key} must be a positive number, got ${config[key]}`);
  }
  const nonNegative = ['keepSegments', 'republishGraceMs', 'endedRetainMs', 'firstSegmentWaitMs'] as const;
  for (const key of nonNegative) {
    if (!Number.isFinite(config[key]) || config[key] < 0) throw new HlsConfigError(`hls.${key} must be zero or more, got ${config[key]}`);
  }
  if (!Number.isInteger(config.windowSegments) || !Number.isInteger(config.keepSegments)) {
    throw new HlsConfigError('hls.windowSegments and hls.keepSegments must be whole numbers');
  }
  if (config.maxSegmentDurationMs < config.targetDurationMs) {
    throw new HlsConfigError(`hls.maxSegmentDurationMs (${config.maxSegmentDurationMs}) is below hls.targetDurationMs (${config.targetDurationMs})`);
  }
  if (config.segmentFormat !== 'ts' && config.segmentFormat !== 'fmp4') {
    throw new HlsConfigError(`hls.segmentFormat '${String(config.segmentFormat)}' is not supported ('ts' or 'fmp4')`);
  }
  if (!Number.isFinite(config.partTargetMs) || config.partTargetMs < 0) throw new HlsConfigError(`hls.partTargetMs must be zero (off) or more, got ${config.partTargetMs}`);
  if (config.partTargetMs > 0) {
    // Refused rather than ignored: whoever asks for low latency must not get 6 s of it silently.
    // Our MPEG-TS segments carry PAT/PMT only at their start, so their parts could not be
    // independent; CMAF fragments are what LL-HLS players append part by part.
    if (config.segmentFormat !== 'fmp4') throw new HlsConfigError(`hls.partTargetMs (${config.partTargetMs}) needs hls.segmentFormat 'fmp4' (Low-Latency HLS parts are CMAF fragments), got '${config.segmentFormat}'`);
    // Below a frame or two a part holds nothing worth a request, and the playlist lists every one of them.
    if (config.partTargetMs < MIN_PART_TARGET_MS || config.partTargetMs > config.targetDurationMs) {
      throw new HlsConfigError(`hls.partTargetMs (${config.partTargetMs}) must be between ${MIN_PART_TARGET_MS} and hls.targetDurationMs (${config.targetDurationMs})`);
    }
  }
  if (config.storage !== 'memory') throw new HlsConfigError(`hls.storage '${String(config.storage)}' is not supported (only 'memory')`);
  return config;
}
