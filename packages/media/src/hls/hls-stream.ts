// One stream's HLS rendition: a hub subscriber that segments the frames it is given and keeps the
// playlist, across republishes, until the output ends it. Segments appear in the playlist in the
// same call that receives the keyframe closing them, so availability costs no polling delay.
import { performance } from 'node:perf_hooks';
import type { HubFrame } from '../hub/frame.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { MediaLog } from '../log.ts';
import type { HlsConfig } from './config.ts';
import { MediaPlaylist } from './media-playlist.ts';
import { Segmenter, type ClosedSegment } from './segmenter.ts';
import { ViewerCounter } from './viewer-counter.ts';
import { initUri, segmentUri } from './paths.ts';
import { SEGMENT_EXTENSIONS } from './segment-writer.ts';

/** Milliseconds from the arrival of the keyframe that closes a segment to the playlist listing it. */
export interface AvailabilityStats {
  samples: number;
  lastMs: number;
  maxMs: number;
  meanMs: number;
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
  availability: AvailabilityStats;
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
  readonly #waiters = new Set<() => void>();
  #live = false;
  #segmentsProduced = 0;
  #availabilitySamples = 0;
  #availabilityTotalMs = 0;
  #availabilityLastMs = 0;
  #availabilityMaxMs = 0;

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
    );
    this.viewers = new ViewerCounter(config.viewerWindowMs);
    this.#segmenter = new Segmenter(config, (message, fields) => log.warn('hls', message, { app, name, ...fields }));
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
    if (closed === null) return;
    this.#add(closed);
    this.playlist.render();
    const elapsed = performance.now() - arrivedAt;
    this.#availabilitySamples++;
    this.#availabilityTotalMs += elapsed;
    this.#availabilityLastMs = elapsed;
    this.#availabilityMaxMs = Math.max(this.#availabilityMaxMs, elapsed);
  }

  publishEnded(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#add(this.#segmenter.finish());
  }

  /** Adds EXT-X-ENDLIST; requests still waiting for a first segment give up. */
  end(): void {
    this.#live = false;
    this.playlist.end();
    this.#wake();
  }

  /** Calls `ready` once the playlist has a segment or the stream ends; returns a cancel function. */
  whenReady(ready: () => void): () => void {
    this.#waiters.add(ready);
    return () => this.#waiters.delete(ready);
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
      availability: {
        samples: this.#availabilitySamples,
        lastMs: this.#availabilityLastMs,
        maxMs: this.#availabilityMaxMs,
        meanMs: this.#availabilitySamples === 0 ? 0 : this.#availabilityTotalMs / this.#availabilitySamples,
      },
    };
  }

  #add(segment: ClosedSegment | null): void {
    if (segment === null) return;
    const stored = this.playlist.append(segment);
    this.#segmentsProduced++;
    this.#log.debug('hls', 'segment ready', { app: this.app, name: this.name, sequence: stored.sequence, durationMs: stored.durationMs, bytes: stored.data.length });
    this.#wake();
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const ready of waiters) ready();
  }
}
