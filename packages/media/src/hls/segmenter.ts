// Turns one stream's frames into HLS segments cut on keyframes. A state machine over frames: no
// clock, no I/O. Each segment starts, for video, with a keyframe, and is self-contained (MPEG-TS:
// PAT/PMT and SPS/PPS in front; fMP4: moof + mdat pairs after the init section it names), so a
// player can start from any segment. With Low-Latency HLS parts (fMP4), each segment is also cut
// into partial segments, one CMAF fragment each, handed out as soon as they end: the segment is
// their concatenation.
import {
  parseVideoTagHeader,
  parseAudioTagHeader,
  parseAvcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseAudioSpecificConfig,
  readMetadata,
  FlvError,
  CodecConfigError,
  type TsVideoTrack,
  type TsAudioTrack,
} from '@livelink/flv';
import type { HubFrame } from '../hub/frame.ts';
import { CONTAINER_NAMES, checkTrack, createSegmentWriter, type SegmentFormat, type SegmentWriter } from './segment-writer.ts';

/**
 * Added to every timestamp on the media timeline: frames slightly older than the first one (audio
 * interleaving, B-frame reordering) must not go below zero, where MPEG-TS timestamps wrap to 2^33
 * and fMP4 decode times (unsigned) cannot go.
 */
const TIMELINE_OFFSET_MS = 1000;

/** An fMP4 initialization section (EXT-X-MAP): one per set of tracks, numbered within the stream. */
export interface InitSection {
  id: number;
  data: Buffer;
}

export interface ClosedSegment {
  data: Buffer;
  /** The init section the segment needs (fMP4), shared by every segment of the same tracks; null for MPEG-TS. */
  init: InitSection | null;
  durationMs: number;
  /** The segment follows a republish, a codec change or a timestamp jump: players must reset their decoders. */
  discontinuity: boolean;
  /** Wall-clock time (ms since the epoch) of the segment's first sample: EXT-X-PROGRAM-DATE-TIME. */
  programDateMs: number;
}

/** A partial segment (LL-HLS): one CMAF fragment of the segment being built. */
export interface ClosedPart {
  data: Buffer;
  durationMs: number;
  /** Starts with a keyframe (or is audio only): a player may begin decoding here. */
  independent: boolean;
  /** The init section, discontinuity and program date of the segment the part belongs to. */
  init: InitSection | null;
  discontinuity: boolean;
  programDateMs: number;
}

export interface SegmenterLimits {
  targetDurationMs: number;
  maxSegmentDurationMs: number;
  maxSegmentBytes: number;
}

export interface SegmenterOptions extends SegmenterLimits {
  /** Default 'ts'. */
  segmentFormat?: SegmentFormat;
  /** Longest partial segment; 0 (the default): no parts. */
  partTargetMs?: number;
}

interface OpenSegment {
  bytes: number;
  startMs: number;
  programDateMs: number;
  lastMs: number;
  discontinuity: boolean;
  partStartMs: number;
  /** Set by the part's first frame of the timing track; null while it has none. */
  partIndependent: boolean | null;
}

type Warn = (message: string, fields: Record<string, unknown>) => void;
type PartSink = (part: ClosedPart) => void;

/** A point of the media timeline and the wall-clock time it was received at. */
interface ClockAnchor {
  mediaMs: number;
  wallMs: number;
}

export class Segmenter {
  readonly #limits: SegmenterLimits;
  readonly #format: SegmentFormat;
  readonly #warn: Warn;
  readonly #partTargetMs: number;
  readonly #onPart: PartSink;
  #video: { track: TsVideoTrack; record: Uint8Array } | null = null;
  /** The stream's video cannot go in the segment format (VP9, AV1, ...): segments carry its audio only. */
  #videoUnsupported = false;
  #audio: { track: TsAudioTrack; record: Uint8Array | null } | null = null;
  #audioUnsupported = false;
  /** onMetaData named a video codec: audio alone must not start the playlist before the video configuration arrives. */
  #metadataAnnouncesVideo = false;
  #awaitingVideoSince: number | null = null;
  #muxer: SegmentWriter | null = null;
  #init: InitSection | null = null;
  #initCount = 0;
  #muxerHasVideo = false;
  #muxerHasAudio = false;
  /** The tracks differ from the muxer's: the next start point gets a new muxer after a discontinuity. */
  #configChanged = false;
  /** The AAC configuration changed: the muxer would write wrong ADTS headers, so audio waits for the new muxer. */
  #audioStale = false;
  #discontinuityPending = false;
  #startedAny = false;
  #open: OpenSegment | null = null;
  #lastRawTimestamp: number | null = null;
  #time = 0;
  #lastTimingFrameMs: number | null = null;
  /** Spacing of the last two frames of the track that times segments, to give the final frame a duration. */
  #frameIntervalMs = 0;
  #droppedFrames = 0;
  readonly #wallClock: () => number;
  /**
   * Program dates follow the media timeline from the first segment of a timeline on, so that they
   * advance exactly by the durations listed (arrival jitter does not leak into them); a
   * discontinuity starts a new timeline and a new anchor.
   */
  #clockAnchor: ClockAnchor | null = null;

  /** `onPart` receives each partial segment as it ends, before the segment it belongs to is returned. */
  constructor(options: SegmenterOptions, warn: Warn, onPart: PartSink = () => {}, wallClock: () => number = Date.now) {
    this.#limits = options;
    this.#wallClock = wallClock;
    this.#format = options.segmentFormat ?? 'ts';
    this.#partTargetMs = options.partTargetMs ?? 0;
    this.#warn = warn;
    this.#onPart = onPart;
  }

  /** Frames that could not be parsed or muxed, or whose codec the segment format cannot carry. */
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  /** Bytes of the segment being built. */
  get openBytes(): number {
    return this.#open?.bytes ?? 0;
  }

  /**
   * A new publish: codecs may differ, so tracks are learnt again and a new muxer (whose
   * continuity counters restart) begins after a discontinuity. Returns a segment still open.
   */
  startPublish(): ClosedSegment | null {
    const closed = this.finish();
    this.#video = null;
    this.#videoUnsupported = false;
    this.#audio = null;
    this.#audioUnsupported = false;
    this.#metadataAnnouncesVideo = false;
    this.#awaitingVideoSince = null;
    this.#muxer = null;
    this.#configChanged = false;
    this.#audioStale = false;
    this.#discontinuityPending = this.#startedAny;
    return closed;
  }

  /** The publisher left: the open segment ends with its last frame. */
  finish(): ClosedSegment | null {
    const open = this.#open;
    return open === null ? null : this.#close(open.lastMs + this.#frameIntervalMs);
  }

  /** Returns the segment this frame closed, if any. */
  push(frame: HubFrame): ClosedSegment | null {
    if (frame.kind === 'data') {
      this.#noteMetadata(frame.payload);
      return null;
    }
    if (frame.isSequenceHeader) {
      if (frame.kind === 'video') this.#setVideoConfig(frame.payload);
      else this.#setAudioConfig(frame.payload);
      return null;
    }
    const time = this.#advanceTime(frame.timestamp);
    const media = this.#parse(frame);
    if (media === null) return null;
    const startPoint = this.#isStartPoint(frame, time);
    let closed: ClosedSegment | null = null;
    const open = this.#open;
    if (open !== null) {
      const length = time - open.startMs;
      if (Math.abs(time - open.lastMs) > this.#limits.maxSegmentDurationMs) {
        // A timestamp jump: a player would stall or skip across it. End here; go on after a discontinuity.
        closed = this.#close(open.lastMs + this.#frameIntervalMs);
        this.#discontinuityPending = true;
      } else if (startPoint && (length >= this.#limits.targetDurationMs || this.#configChanged)) {
        closed = this.#close(time);
      } else if (length >= this.#limits.maxSegmentDurationMs || open.bytes >= this.#limits.maxSegmentBytes) {
        // No keyframe in sight: cut anyway so memory stays bounded; the next segment starts mid-GOP.
        closed = this.#close(time);
        this.#openSegment(time);
      } else if (this.#partEndsBefore(frame.kind, time)) {
        this.#closePart(time);
      }
    }
    if (this.#open === null && startPoint) this.#openSegment(time);
    if (this.#open !== null) this.#write(frame.kind, media, frame.isKeyframe, time);
    return closed;
  }

  #advanceTime(rawTimestamp: number): number {
    // Hub timestamps are 32-bit milliseconds; the signed 32-bit difference carries the timeline across the wrap.
    if (this.#lastRawTimestamp !== null) this.#time += (rawTimestamp - this.#lastRawTimestamp) | 0;
    else this.#time = rawTimestamp;
    this.#lastRawTimestamp = rawTimestamp;
    return this.#time;
  }

  /**
   * Parts end on a frame of the timing track, at the last one that keeps them within the target
   * (the frame interval says where the next frame would take them), so every part but a segment's
   * last is close to the target and none is over it.
   */
  #partEndsBefore(kind: HubFrame['kind'], time: number): boolean {
    const open = this.#open;
    if (this.#partTargetMs === 0 || open === null || kind !== this.#timingKind()) return false;
    return time > open.partStartMs && time - open.partStartMs + this.#frameIntervalMs > this.#partTargetMs;
  }

  /** The track whose frames time segments and parts: video when the muxer has it. */
  #timingKind(): 'audio' | 'video' {
    return this.#muxerHasVideo ? 'video' : 'audio';
  }

  /** Ends the open part at `endMs`; a part that got no frame goes on (its time joins the next one). */
  #closePart(endMs: number): void {
    const open = this.#open!;
    const data = this.#muxer!.part(endMs + TIMELINE_OFFSET_MS);
    if (data === null || data.length === 0) return;
    this.#onPart({
      data: Buffer.from(data.buffer, data.byteOffset, data.length),
      durationMs: Math.max(0, endMs - open.partStartMs),
      independent: open.partIndependent ?? false,
      init: this.#init,
      discontinuity: open.discontinuity,
      programDateMs: open.programDateMs,
    });
    open.partStartMs = endMs;
    open.partIndependent = null;
  }

  #isStartPoint(frame: HubFrame, time: number): boolean {
    if (this.#video !== null) return frame.kind === 'video' && frame.isKeyframe;
    if (frame.kind !== 'audio' || this.#audio === null) return false;
    if (!this.#metadataAnnouncesVideo || this.#videoUnsupported) return true;
    // Video was announced but has not come: wait for it a while, then go on with audio alone.
    this.#awaitingVideoSince ??= time;
    return time - this.#awaitingVideoSince >= this.#limits.maxSegmentDurationMs;
  }

  #openSegment(time: number): void {
    if (this.#muxer === null || this.#configChanged) {
      const video = this.#video;
      const audio = this.#audio;
      if (video === null && audio === null) return;
      if (this.#muxer !== null) this.#discontinuityPending = true;
      this.#muxer = createSegmentWriter(this.#format, { ...(video && { video }), ...(audio && { audio }) });
      // A new init section (EXT-X-MAP) per writer: its tracks are what changed.
      this.#init = this.#muxer.init && { id: ++this.#initCount, data: Buffer.from(this.#muxer.init) };
      this.#muxerHasVideo = video !== null;
      this.#muxerHasAudio = audio !== null;
      this.#configChanged = false;
      this.#audioStale = false;
    }
    const bytes = this.#muxer.begin();
    if (this.#clockAnchor === null || this.#discontinuityPending) this.#clockAnchor = { mediaMs: time, wallMs: this.#wallClock() };
    const programDateMs = this.#clockAnchor.wallMs + (time - this.#clockAnchor.mediaMs);
    this.#open = { bytes, startMs: time, programDateMs, lastMs: time, discontinuity: this.#discontinuityPending, partStartMs: time, partIndependent: null };
    this.#discontinuityPending = false;
    this.#startedAny = true;
  }

  /** Null when no frame made it into the segment (fMP4 has nothing to write then). */
  #close(endMs: number): ClosedSegment | null {
    if (this.#partTargetMs > 0) this.#closePart(endMs);
    const open = this.#open!;
    this.#open = null;
    const data = this.#muxer!.end(endMs + TIMELINE_OFFSET_MS);
    if (data.length === 0) return null;
    return {
      data: Buffer.from(data.buffer, data.byteOffset, data.length),
      init: this.#init,
      durationMs: Math.max(0, endMs - open.startMs),
      discontinuity: open.discontinuity,
      programDateMs: open.programDateMs,
    };
  }

  #write(kind: 'audio' | 'video', media: { cts: number; data: Uint8Array }, keyframe: boolean, time: number): void {
    const open = this.#open!;
    const muxer = this.#muxer!;
    if (kind === 'video' ? !this.#muxerHasVideo : !this.#muxerHasAudio || this.#audioStale) return;
    try {
      const dts = time + TIMELINE_OFFSET_MS;
      open.bytes += kind === 'video' ? muxer.video(dts, media.cts, media.data, keyframe) : muxer.audio(dts, media.data);
    } catch (error) {
      if (!(error instanceof FlvError || error instanceof CodecConfigError)) throw error;
      this.#droppedFrames++;
      return;
    }
    open.lastMs = Math.max(open.lastMs, time);
    if (kind === this.#timingKind()) {
      // Every audio frame is a sync sample; video needs a keyframe.
      open.partIndependent ??= kind === 'audio' || keyframe;
      if (this.#lastTimingFrameMs !== null && time > this.#lastTimingFrameMs) this.#frameIntervalMs = time - this.#lastTimingFrameMs;
      this.#lastTimingFrameMs = time;
    }
  }

  /** The coded data of a media frame, or null for frames that carry none (end of sequence, commands) or cannot go in a segment. */
  #parse(frame: HubFrame): { cts: number; data: Uint8Array } | null {
    try {
      if (frame.kind === 'video') {
        const header = parseVideoTagHeader(frame.payload);
        if (header.packetType !== 'coded-frames') return null;
        if (header.codec !== this.#video?.track.codec) return this.#drop();
        return { cts: header.compositionTime, data: frame.payload.subarray(header.dataOffset) };
      }
      const header = parseAudioTagHeader(frame.payload);
      if (header.packetType !== 'coded-frames') return null;
      // MP3 has no configuration record: its first frame declares the track.
      if (header.codec === 'mp3' && this.#audio === null && !this.#audioUnsupported) this.#setMp3Track();
      if (header.codec !== this.#audio?.track.codec) {
        // AAC frames before their configuration just wait for it; other codecs never get one we can use.
        if (header.codec !== 'aac' && this.#audio === null) this.#unsupportedAudio(String(header.codec ?? header.fourCc ?? 'unknown'));
        return this.#drop();
      }
      return { cts: 0, data: frame.payload.subarray(header.dataOffset) };
    } catch (error) {
      if (!(error instanceof FlvError)) throw error;
      return this.#drop();
    }
  }

  #drop(): null {
    this.#droppedFrames++;
    return null;
  }

  #noteMetadata(payload: Uint8Array): void {
    try {
      const codec = readMetadata(payload)?.videocodecid;
      this.#metadataAnnouncesVideo = codec !== undefined && codec !== 0;
    } catch (error) {
      if (!(error instanceof FlvError)) throw error;
    }
  }

  #setVideoConfig(payload: Uint8Array): void {
    let codec = 'unknown';
    try {
      const header = parseVideoTagHeader(payload);
      codec = String(header.codec ?? header.fourCc ?? 'unknown');
      const record = payload.subarray(header.dataOffset);
      if (header.packetType === 'sequence-start' && this.#video !== null && sameBytes(this.#video.record, record)) return;
      let track: TsVideoTrack;
      if (header.packetType === 'sequence-start' && header.codec === 'avc') track = { codec: 'avc', config: parseAvcDecoderConfigurationRecord(record) };
      else if (header.packetType === 'sequence-start' && header.codec === 'hevc') track = { codec: 'hevc', config: parseHevcDecoderConfigurationRecord(record) };
      else return this.#unsupportedVideo(codec);
      checkTrack(this.#format, track);
      this.#video = { track, record };
      this.#videoUnsupported = false;
      this.#tracksChanged();
    } catch (error) {
      if (!(error instanceof FlvError || error instanceof CodecConfigError)) throw error;
      this.#unsupportedVideo(`${codec} (unreadable configuration: ${error.message})`);
    }
  }

  #setAudioConfig(payload: Uint8Array): void {
    let codec = 'unknown';
    try {
      const header = parseAudioTagHeader(payload);
      codec = String(header.codec ?? header.fourCc ?? 'unknown');
      const record = payload.subarray(header.dataOffset);
      if (header.packetType !== 'sequence-start' || header.codec !== 'aac') return this.#unsupportedAudio(codec);
      if (this.#audio?.record && sameBytes(this.#audio.record, record)) return;
      const track: TsAudioTrack = { codec: 'aac', config: parseAudioSpecificConfig(record) };
      checkTrack(this.#format, track);
      this.#setAudioTrack(track, record);
    } catch (error) {
      if (!(error instanceof FlvError || error instanceof CodecConfigError)) throw error;
      this.#unsupportedAudio(`${codec} (${error.message})`);
    }
  }

  #setMp3Track(): void {
    const track: TsAudioTrack = { codec: 'mp3' };
    try {
      checkTrack(this.#format, track);
    } catch (error) {
      if (!(error instanceof FlvError)) throw error;
      return this.#unsupportedAudio('mp3');
    }
    this.#setAudioTrack(track, null);
  }

  #setAudioTrack(track: TsAudioTrack, record: Uint8Array | null): void {
    if (this.#muxerHasAudio && this.#muxer !== null) this.#audioStale = true;
    this.#audio = { track, record };
    this.#audioUnsupported = false;
    this.#tracksChanged();
  }

  #unsupportedVideo(codec: string): void {
    if (!this.#videoUnsupported) this.#warn(`video cannot be carried in ${CONTAINER_NAMES[this.#format]}; HLS gets audio only`, { codec });
    this.#videoUnsupported = true;
    if (this.#video !== null) this.#tracksChanged();
    this.#video = null;
  }

  #unsupportedAudio(codec: string): void {
    if (!this.#audioUnsupported) this.#warn(`audio cannot be carried in ${CONTAINER_NAMES[this.#format]}; HLS gets video only`, { codec });
    this.#audioUnsupported = true;
    if (this.#audio !== null) this.#tracksChanged();
    this.#audio = null;
  }

  #tracksChanged(): void {
    if (this.#muxer !== null) this.#configChanged = true;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
