// The container a segment is written in. MPEG-TS segments stand alone (PAT/PMT at the start of
// each); fragmented MP4 segments are one moof + mdat each and share an init segment (EXT-X-MAP)
// per set of tracks. The segmenter decides where segments start and end; a writer only fills them.
import {
  Fmp4Muxer,
  FlvError,
  TsMuxer,
  adtsHeader,
  type Fmp4AudioSample,
  type Fmp4AudioTrackOptions,
  type Fmp4VideoSample,
  type TsAudioTrack,
  type TsVideoTrack,
} from '@livelink/flv';

export type SegmentFormat = 'ts' | 'fmp4';

export const SEGMENT_EXTENSIONS = { ts: 'ts', fmp4: 'm4s' } as const;
export type SegmentExtension = (typeof SEGMENT_EXTENSIONS)[SegmentFormat];

export const CONTAINER_NAMES = { ts: 'MPEG-TS', fmp4: 'fragmented MP4' } as const;

/** A track with the configuration record it was parsed from (fMP4 sample entries carry the record itself). */
export interface WriterTracks {
  video?: { track: TsVideoTrack; record: Uint8Array };
  audio?: { track: TsAudioTrack; record: Uint8Array | null };
}

export interface SegmentWriter {
  /** The initialization section every segment of this writer needs first (fMP4), or null (MPEG-TS). */
  readonly init: Uint8Array | null;
  /** Each returns the bytes the segment grew by (fMP4: sample payload; the moof comes at the end). */
  begin(): number;
  video(dts: number, cts: number, data: Uint8Array, keyframe: boolean): number;
  audio(dts: number, data: Uint8Array): number;
  /**
   * Ends a partial segment (LL-HLS) at `endDts`, where the next part starts: the frames since the
   * last part as one CMAF fragment, empty when there were none. null: the format has no parts (MPEG-TS).
   */
  part(endDts: number): Uint8Array | null;
  /** The finished segment; `endDts` is where the next segment starts (the last frame's end). Empty when nothing was written. */
  end(endDts: number): Uint8Array;
}

/**
 * Throws FlvError/CodecConfigError for tracks the format cannot carry: ADTS (hence MPEG-TS) cannot
 * express every AAC configuration; the fMP4 muxer takes only AAC audio, and refuses video whose
 * picture size it cannot read or write (its constructor holds those rules).
 */
export function checkTrack(format: SegmentFormat, track: TsVideoTrack | TsAudioTrack): void {
  if (format === 'ts') {
    if (track.codec === 'aac') adtsHeader(track.config, 0);
    return;
  }
  if (track.codec === 'mp3') throw new FlvError('unsupported-codec', 'MP3 is not muxed into fragmented MP4');
  const noRecord = new Uint8Array(0);
  new Fmp4Muxer(track.codec === 'aac' ? { audio: { ...track, asc: noRecord } } : { video: { ...track, record: noRecord } });
}

export function createSegmentWriter(format: SegmentFormat, tracks: WriterTracks): SegmentWriter {
  return format === 'ts' ? new TsSegmentWriter(tracks) : new Fmp4SegmentWriter(tracks);
}

class TsSegmentWriter implements SegmentWriter {
  readonly init = null;
  readonly #muxer: TsMuxer;
  #chunks: Uint8Array[] = [];
  #bytes = 0;

  constructor(tracks: WriterTracks) {
    const video = tracks.video?.track;
    const audio = tracks.audio?.track;
    this.#muxer = new TsMuxer({ ...(video && { video }), ...(audio && { audio }) });
  }

  begin(): number {
    this.#chunks = [];
    this.#bytes = 0;
    // PAT + PMT first, so a player can start at any segment.
    return this.#add(this.#muxer.segmentStart());
  }

  video(dts: number, cts: number, data: Uint8Array, keyframe: boolean): number {
    return this.#add(this.#muxer.writeVideo(dts, cts, data, keyframe));
  }

  audio(dts: number, data: Uint8Array): number {
    return this.#add(this.#muxer.writeAudio(dts, data));
  }

  part(): null {
    return null;
  }

  end(): Uint8Array {
    const data = Buffer.concat(this.#chunks, this.#bytes);
    this.#chunks = [];
    this.#bytes = 0;
    return data;
  }

  #add(chunk: Uint8Array): number {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    return chunk.length;
  }
}

class Fmp4SegmentWriter implements SegmentWriter {
  readonly init: Uint8Array;
  readonly #muxer: Fmp4Muxer;
  #video: Fmp4VideoSample[] = [];
  #audio: Fmp4AudioSample[] = [];
  /** The segment's fragments so far, one per part: the segment is their concatenation. */
  #fragments: Uint8Array[] = [];

  constructor(tracks: WriterTracks) {
    const { video, audio } = tracks;
    let aac: Fmp4AudioTrackOptions | undefined;
    if (audio !== undefined) {
      if (audio.track.codec !== 'aac' || audio.record === null) throw new FlvError('unsupported-codec', 'fragmented MP4 audio must be AAC with its AudioSpecificConfig');
      aac = { ...audio.track, asc: audio.record };
    }
    this.#muxer = new Fmp4Muxer({ ...(video && { video: { ...video.track, record: video.record } }), ...(aac && { audio: aac }) });
    this.init = this.#muxer.initSegment();
  }

  begin(): number {
    this.#video = [];
    this.#audio = [];
    this.#fragments = [];
    return 0;
  }

  video(dts: number, cts: number, data: Uint8Array, keyframe: boolean): number {
    // Checked here rather than when the fragment is built, so one bad frame costs only itself.
    checkDts(dts);
    this.#video.push({ dts, cts, data, keyframe });
    return data.length;
  }

  audio(dts: number, data: Uint8Array): number {
    checkDts(dts);
    this.#audio.push({ dts, data });
    return data.length;
  }

  part(endDts: number): Uint8Array {
    const samples = { video: this.#video, audio: this.#audio, endDts };
    this.#video = [];
    this.#audio = [];
    if (samples.video.length + samples.audio.length === 0) return new Uint8Array(0);
    const fragment = this.#muxer.fragment(samples);
    this.#fragments.push(fragment);
    return fragment;
  }

  end(endDts: number): Uint8Array {
    this.part(endDts);
    const fragments = this.#fragments;
    this.#fragments = [];
    // One fragment (no parts) is the segment as it is; parts are copied once into the whole.
    return fragments.length === 1 ? fragments[0] : Buffer.concat(fragments);
  }
}

function checkDts(dts: number): void {
  if (dts < 0) throw new FlvError('invalid-argument', `decode time ${dts} ms is before the fragmented MP4 timeline's start`);
}
