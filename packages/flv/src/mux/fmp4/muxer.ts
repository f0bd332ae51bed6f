// Fragmented MP4 (CMAF-style) muxer for HLS: the same inputs as the MPEG-TS muxer — FLV
// millisecond timestamps, composition times and coded data as the tags carry them — out as one
// init segment and a movie fragment per call. Length-prefixed NAL units are what avc1/hvc1
// samples hold, so video goes in untouched; raw AAC frames likewise.
//
// Clocks: video uses 90 kHz, audio its AudioSpecificConfig's sampling rate (so one AAC frame is
// exactly samplesPerFrame ticks). Millisecond inputs are scaled and rounded to those.
import { FlvError } from '../../errors.ts';
import { movieFragment, type RunSample, type TrackRun } from './fragment.ts';
import { initSegment } from './init.ts';
import {
  audioTrack,
  videoTrack,
  type Fmp4AudioTrack,
  type Fmp4AudioTrackOptions,
  type Fmp4Track,
  type Fmp4VideoTrack,
  type Fmp4VideoTrackOptions,
} from './track.ts';

export interface Fmp4MuxerOptions {
  video?: Fmp4VideoTrackOptions;
  audio?: Fmp4AudioTrackOptions;
}

/** One video access unit: `data` is the coded-frames body after the FLV video tag header; times in ms, PTS = DTS + CTS. */
export interface Fmp4VideoSample {
  dts: number;
  cts: number;
  data: Uint8Array;
  keyframe: boolean;
}

/** One raw AAC frame (no ADTS header); `dts` in ms. */
export interface Fmp4AudioSample {
  dts: number;
  data: Uint8Array;
}

export interface Fmp4Samples {
  video?: readonly Fmp4VideoSample[];
  audio?: readonly Fmp4AudioSample[];
  /**
   * When the fragment ends (ms), normally the next fragment's first video DTS: the last video
   * sample lasts until then. Without it, that sample repeats the previous frame interval.
   */
  endDts?: number;
}

export class Fmp4Muxer {
  readonly #video: Fmp4VideoTrack | undefined;
  readonly #audio: Fmp4AudioTrack | undefined;
  #sequenceNumber = 1;
  /** The last video frame interval seen (ticks): the duration of a fragment's final frame when no end is given. */
  #videoInterval = 0;

  constructor(options: Fmp4MuxerOptions) {
    if (!options.video && !options.audio) throw new FlvError('invalid-argument', 'Fmp4Muxer needs a video or an audio track');
    this.#video = options.video && videoTrack(options.video);
    this.#audio = options.audio && audioTrack(options.audio);
  }

  /** ftyp + moov: what a player needs before any fragment (HLS EXT-X-MAP). */
  initSegment(): Uint8Array {
    return initSegment([this.#video, this.#audio].filter((track): track is Fmp4Track => track !== undefined));
  }

  /** moof + mdat for the given samples, each track's in decode order. Fragments are numbered from 1. */
  fragment(samples: Fmp4Samples): Uint8Array {
    const runs: TrackRun[] = [];
    const video = samples.video ?? [];
    const audio = samples.audio ?? [];
    if (video.length > 0) runs.push(this.#videoRun(video, samples.endDts));
    if (audio.length > 0) runs.push(this.#audioRun(audio));
    if (runs.length === 0) throw new FlvError('invalid-argument', 'a fragment needs at least one sample');
    return movieFragment(this.#sequenceNumber++, runs);
  }

  #videoRun(samples: readonly Fmp4VideoSample[], endDts: number | undefined): TrackRun {
    const track = this.#video;
    if (!track) throw new FlvError('invalid-argument', 'Fmp4Muxer has no video track');
    const times = samples.map((sample) => ticks(sample.dts, track.timescale));
    const end = endDts === undefined ? undefined : ticks(endDts, track.timescale);
    const run: RunSample[] = samples.map((sample, i) => {
      const last = i + 1 === times.length;
      if (!last) this.#videoInterval = Math.max(0, times[i + 1] - times[i]);
      const next = last ? end : times[i + 1];
      const compositionOffset = Math.round((sample.cts * track.timescale) / 1000);
      if (compositionOffset < -0x80000000 || compositionOffset > 0x7fffffff) {
        throw new FlvError('invalid-argument', `composition time ${sample.cts} ms does not fit trun`);
      }
      return { duration: durationTicks(times[i], next, this.#videoInterval), data: sample.data, keyframe: sample.keyframe, compositionOffset };
    });
    return { trackId: track.id, baseMediaDecodeTime: times[0], samples: run, video: true };
  }

  #audioRun(samples: readonly Fmp4AudioSample[]): TrackRun {
    const track = this.#audio;
    if (!track) throw new FlvError('invalid-argument', 'Fmp4Muxer has no audio track');
    const times = samples.map((sample) => ticks(sample.dts, track.timescale));
    const run: RunSample[] = samples.map((sample, i) => ({
      // The last frame's end is not known yet, but an AAC frame's length is fixed by its configuration.
      duration: i + 1 < times.length ? durationTicks(times[i], times[i + 1], 0) : track.samplesPerFrame,
      data: sample.data,
    }));
    return { trackId: track.id, baseMediaDecodeTime: times[0], samples: run, video: false };
  }
}

function ticks(ms: number, timescale: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new FlvError('invalid-argument', `decode time ${ms} ms is not a non-negative number (tfdt is unsigned)`);
  return Math.round((ms * timescale) / 1000);
}

/** A sample lasts until the next one; a decode time going backwards gives 0 rather than a negative (unsigned) duration. */
function durationTicks(time: number, next: number | undefined, fallback: number): number {
  const duration = next === undefined ? fallback : next - time;
  if (duration > 0xffffffff) throw new FlvError('invalid-argument', `a sample of ${duration} ticks is longer than trun can say`);
  return Math.max(0, duration);
}
