// One stream's HLS rendition: a hub subscriber that segments the frames it is given and keeps the
// playlist, across republishes, until the output ends it. Segments (and LL-HLS parts) appear in
// the playlist in the same call that receives the frame closing them, so availability costs no
// polling delay, and whoever waits for them (blocking reloads, preload hints) hears at once.
import { performance } from 'node:perf_hooks';
import type { HubFrame } from '../hub/frame.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { MediaLog } from '../log.ts';
import type { HlsConfig } from './config.ts';
import { MediaPlaylist } from './media-playlist.ts';
import { Segmenter, type ClosedPart, type ClosedSegment } from './segmenter.ts';
import { ViewerCounter } from './viewer-counter.ts';
import { initUri, partUri, segmentUri } from './paths.ts';
import { SEGMENT_EXTENSIONS } from './segment-writer.ts';

/** A latency in milliseconds over its samples. */
export interface AvailabilityStats {
  samples: number;
  lastMs: number;
  maxMs: number;
  meanMs: number;
}

class LatencyMeter {
  #samples = 0;
  #totalMs = 0;
  #lastMs = 0;
  #maxMs = 0;

  add(ms: number): void {
    this.#samples++;
    this.#totalMs += ms;
    this.#lastMs = ms;
    this.#maxMs = Math.max(this.#maxMs, ms);
  }

  stats(): AvailabilityStats {
    return { samples: this.#samples, lastMs: this.#lastMs, maxMs: this.#maxMs, meanMs: this.#samples === 0 ? 0 : this.#totalMs / this.#samples };
  }
}

export interface HlsStreamStats {
  live: boolean;
  ended: boolean;
  mediaSequence: number;
  discontinuitySequence: number;
  targetDurationS: number;
  segmentsProduced: number;
  segmentsInMemory: number;
  /** Finished segments plus the one being built. */
  bytesInMemory: number;
  droppedFrames: number;
  /** From the arrival of the keyframe that closes a segment to the playlist listing it: the server's own delay. */
  availability: AvailabilityStats;
  /** LL-HLS partial segments produced (0 without parts). */
  partsProduced: number;
  /**
   * From the arrival of a keyframe to the playlist listing the segment, and the part (LL-HLS),
   * it is in: how long a player must wait for a frame it could start from.
   */
  keyframeToSegment: AvailabilityStats;
  keyframeToPart: AvailabilityStats;
  /** Playlist requests answered with a Playlist Delta Update (EXT-X-SKIP) rather than the whole playlist. */
  deltaUpdates: number;
}

export class HlsStream implements Subscriber {
  readonly id: string;
  // One per stream whatever the audience: the API must not count it as a player. HLS viewers poll
  // over plain HTTP and are counted by HlsOutput.viewers().
  readonly protocol = 'hls' as const;
  readonly app: string;
  readonly name: string;
  readonly epoch: string;
  readonly playlist: MediaPlaylist;
  readonly viewers: ViewerCounter;
  readonly #segmenter: Segmenter;
  readonly #log: MediaLog;
  readonly #listeners = new Set<() => void>();
  #live = false;
  #segmentsProduced = 0;
  #partsProduced = 0;
  #deltaUpdates = 0;
  readonly #availability = new LatencyMeter();
  readonly #keyframeToSegment = new LatencyMeter();
  readonly #keyframeToPart = new LatencyMeter();
  /** Arrival of the first keyframe not yet in a listed segment, and not yet in a listed part. */
  #keyframeAwaitingSegment: number | null = null;
  #keyframeAwaitingPart: number | null = null;

  constructor(id: string, app: string, name: string, epoch: string, config: HlsConfig, log: MediaLog) {
    this.id = id;
    this.app = app;
    this.name = name;
    this.epoch = epoch;
    this.#log = log;
    const extension = SEGMENT_EXTENSIONS[config.segmentFormat];
    this.playlist = new MediaPlaylist(
      config.windowSegments,
      config.keepSegments,
      (sequence) => segmentUri(name, epoch, sequence, extension),
      (id) => initUri(name, epoch, id),
      config.partTargetMs > 0 ? { partTargetMs: config.partTargetMs, targetDurationMs: config.targetDurationMs, partUri: (position) => partUri(name, epoch, position) } : null,
    );
    this.viewers = new ViewerCounter(config.viewerWindowMs);
    this.#segmenter = new Segmenter(
      config,
      (message, fields) => log.warn('hls', message, { app, name, ...fields }),
      (part) => this.#addPart(part),
    );
  }

  get live(): boolean {
    return this.#live;
  }

  publishStarted(): void {
    // An ended playlist takes no more segments: the output replaces it with a new one.
    if (this.playlist.ended) return;
    this.#live = true;
    this.#add(this.#segmenter.startPublish());
  }

  deliver(frame: HubFrame): void {
    if (!this.#live) return;
    const arrivedAt = performance.now();
    const closed = this.#segmenter.push(frame);
    if (closed !== null) {
      this.#add(closed);
      this.#availability.add(performance.now() - arrivedAt);
    }
    // Only now: the parts and the segment this frame closed hold earlier frames, not this one.
    if (frame.kind === 'video' && frame.isKeyframe && !frame.isSequenceHeader) {
      this.#keyframeAwaitingSegment ??= arrivedAt;
      this.#keyframeAwaitingPart ??= arrivedAt;
    }
  }

  publishEnded(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#add(this.#segmenter.finish());
  }

  /** Adds EXT-X-ENDLIST; requests still waiting for a first segment (or part) give up. */
  end(): void {
    this.#live = false;
    this.playlist.end();
    this.#wake();
  }

  /** Counts a playlist request answered with a delta update. */
  deltaUpdateServed(): void {
    this.#deltaUpdates++;
  }

  /** Calls `changed` on every new part or segment and when the playlist ends, until cancelled (the returned function). */
  onChange(changed: () => void): () => void {
    this.#listeners.add(changed);
    return () => this.#listeners.delete(changed);
  }

  stats(): HlsStreamStats {
    return {
      live: this.#live,
      ended: this.playlist.ended,
      mediaSequence: this.playlist.mediaSequence,
      discontinuitySequence: this.playlist.discontinuitySequence,
      targetDurationS: this.playlist.targetDurationS,
      segmentsProduced: this.#segmentsProduced,
      segmentsInMemory: this.playlist.segmentCount,
      bytesInMemory: this.playlist.bytes + this.#segmenter.openBytes,
      droppedFrames: this.#segmenter.droppedFrames,
      availability: this.#availability.stats(),
      partsProduced: this.#partsProduced,
      keyframeToSegment: this.#keyframeToSegment.stats(),
      keyframeToPart: this.#keyframeToPart.stats(),
      deltaUpdates: this.#deltaUpdates,
    };
  }

  #addPart(part: ClosedPart): void {
    this.playlist.appendPart(part);
    this.#partsProduced++;
    this.#keyframeListed(this.#keyframeToPart, this.#keyframeAwaitingPart);
    this.#keyframeAwaitingPart = null;
    this.#wake();
  }

  #add(segment: ClosedSegment | null): void {
    if (segment === null) return;
    const stored = this.playlist.append(segment);
    this.#segmentsProduced++;
    this.#keyframeListed(this.#keyframeToSegment, this.#keyframeAwaitingSegment);
    this.#keyframeAwaitingSegment = null;
    this.#log.debug('hls', 'segment ready', { app: this.app, name: this.name, sequence: stored.sequence, durationMs: stored.durationMs, bytes: stored.data.length });
    this.#wake();
  }

  #keyframeListed(meter: LatencyMeter, arrivedAt: number | null): void {
    // Rendered now, so the measure includes what listing costs.
    this.playlist.render();
    if (arrivedAt !== null) meter.add(performance.now() - arrivedAt);
  }

  #wake(): void {
    for (const changed of [...this.#listeners]) changed();
  }
}
