// One named live stream: at most one publisher, any number of subscribers, and what a
// late joiner needs to start (metadata, sequence headers, the GOP cache).
import { HubFrame, type FrameKind } from './frame.ts';
import { GopCache } from './gop-cache.ts';
import { RateMeter } from './rate-meter.ts';
import { describeFrame } from './classify.ts';
import type { FrameSink, Publisher, Subscriber } from './subscriber.ts';

/** Gap put between the last frame of one publish and the first of the next, so timestamps never repeat. */
const REPUBLISH_GAP_MS = 40;

export class LiveStream {
  readonly app: string;
  readonly name: string;
  readonly subscribers = new Set<Subscriber>();
  /** The subscribers that ingest hands each frame to; the others take theirs from a frame sink. */
  readonly #perFrame = new Set<Subscriber>();
  readonly #frameSinks = new Set<FrameSink>();
  readonly gop: GopCache;
  #publisher: Publisher | null = null;
  #publishStartedAt: Date | null = null;
  #metadata: HubFrame | null = null;
  #videoSequenceHeader: HubFrame | null = null;
  #audioSequenceHeader: HubFrame | null = null;
  readonly #rate = new RateMeter();
  #bytesIn = 0;
  #malformedDropped = 0;
  /**
   * Added to the publisher's timestamps. Zero on the first publish, so players see the
   * encoder's own timeline; a republish continues where the previous publish stopped, so
   * players that stayed attached never see time run backwards.
   */
  #timestampOffset = 0;
  #awaitingFirstFrame = false;
  #lastTimestamp: number | null = null;

  constructor(app: string, name: string, gopCacheBytes: number) {
    this.app = app;
    this.name = name;
    this.gop = new GopCache(gopCacheBytes);
  }

  get key(): string {
    return streamKey(this.app, this.name);
  }

  get publisher(): Publisher | null {
    return this.#publisher;
  }

  get publishStartedAt(): Date | null {
    return this.#publishStartedAt;
  }

  get metadata(): HubFrame | null {
    return this.#metadata;
  }

  get videoSequenceHeader(): HubFrame | null {
    return this.#videoSequenceHeader;
  }

  get audioSequenceHeader(): HubFrame | null {
    return this.#audioSequenceHeader;
  }

  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Publisher messages dropped because they could not be understood (e.g. broken script data). */
  get malformedDropped(): number {
    return this.#malformedDropped;
  }

  bitrateKbps(nowMs = Date.now()): number {
    return this.#rate.kbps(nowMs);
  }

  beginPublish(publisher: Publisher): void {
    this.#publisher = publisher;
    this.#publishStartedAt = new Date();
    this.#awaitingFirstFrame = true;
    for (const subscriber of this.subscribers) subscriber.publishStarted(this);
  }

  endPublish(): void {
    for (const sink of this.#frameSinks) sink.settle();
    this.#publisher = null;
    this.#publishStartedAt = null;
    this.#metadata = null;
    this.#videoSequenceHeader = null;
    this.#audioSequenceHeader = null;
    this.gop.clear();
    for (const subscriber of this.subscribers) subscriber.publishEnded(this);
  }

  /** A message from the publisher, timestamp on the publisher's timeline. */
  ingest(kind: FrameKind, publisherTimestamp: number, payload: Buffer): void {
    if (this.#awaitingFirstFrame) {
      this.#awaitingFirstFrame = false;
      this.#timestampOffset = this.#lastTimestamp === null ? 0 : this.#lastTimestamp + REPUBLISH_GAP_MS - publisherTimestamp;
    }
    const timestamp = (publisherTimestamp + this.#timestampOffset) >>> 0;
    this.#lastTimestamp = timestamp;
    const description = describeFrame(kind, payload, this.#videoSequenceHeader !== null);
    if (description === null) {
      this.#malformedDropped++;
      return;
    }
    const { isKeyframe, isSequenceHeader, metadata } = description;
    // Metadata always goes out at timestamp 0: ffmpeg's FLV reader takes a script tag at any
    // other time for a data stream, not for the stream's metadata.
    const frame = new HubFrame(kind, metadata === undefined ? timestamp : 0, metadata ?? payload, isKeyframe, isSequenceHeader);
    this.#bytesIn += payload.byteLength;
    this.#rate.add(payload.byteLength, Date.now());

    if (kind === 'data') {
      if (metadata !== undefined) this.#metadata = frame;
    } else if (isSequenceHeader) {
      if (kind === 'video') this.#videoSequenceHeader = frame;
      else this.#audioSequenceHeader = frame;
    } else {
      this.gop.add(frame);
    }
    // Frame sinks first: a subscriber that joins one while it takes this frame must find the frame
    // already there, or it would get the frame twice.
    for (const sink of this.#frameSinks) sink.deliver(frame);
    for (const subscriber of this.#perFrame) subscriber.deliver(frame);
  }

  /** Attaches a subscriber; if the stream is live it first receives what it needs to start. */
  addSubscriber(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
    this.#perFrame.add(subscriber);
    if (this.#publisher === null) return;
    subscriber.publishStarted(this);
    if (this.#metadata) subscriber.deliver(this.#metadata);
    if (this.#videoSequenceHeader) subscriber.deliver(this.#videoSequenceHeader);
    if (this.#audioSequenceHeader) subscriber.deliver(this.#audioSequenceHeader);
    for (const frame of this.gop.frames) subscriber.deliver(frame);
  }

  removeSubscriber(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    this.#perFrame.delete(subscriber);
  }

  /** The subscriber now takes its frames from a frame sink: ingest stops calling its deliver. */
  pauseDelivery(subscriber: Subscriber): void {
    this.#perFrame.delete(subscriber);
  }

  /** The subscriber takes its frames one by one again (if it is still subscribed). */
  resumeDelivery(subscriber: Subscriber): void {
    if (this.subscribers.has(subscriber)) this.#perFrame.add(subscriber);
  }

  addFrameSink(sink: FrameSink): void {
    this.#frameSinks.add(sink);
  }

  removeFrameSink(sink: FrameSink): void {
    this.#frameSinks.delete(sink);
  }

  /** Neither published nor watched: the hub may forget it. */
  get isIdle(): boolean {
    return this.#publisher === null && this.subscribers.size === 0;
  }
}

export function streamKey(app: string, name: string): string {
  return `${app}/${name}`;
}
