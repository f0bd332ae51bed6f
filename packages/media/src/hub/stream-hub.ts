// The registry of live streams, by app and name. One publisher per stream; players may
// attach before the publisher arrives and are started when it does.
import { LiveStream, streamKey } from './live-stream.ts';
import type { Publisher, Subscriber } from './subscriber.ts';

export class StreamBusyError extends Error {
  readonly code = 'stream-busy';
  constructor(key: string) {
    super(`stream ${key} is already being published`);
    this.name = 'StreamBusyError';
  }
}

export interface StreamHubEvents {
  publish(stream: LiveStream): void;
  unpublish(stream: LiveStream): void;
}

export class StreamHub {
  readonly #streams = new Map<string, LiveStream>();
  readonly #gopCacheBytes: number;
  readonly #listeners: Array<Partial<StreamHubEvents>> = [];

  constructor(options: { gopCacheBytes: number }) {
    this.#gopCacheBytes = options.gopCacheBytes;
  }

  /** Listeners for outputs that follow every stream (HLS, recording, webhooks). */
  on(listener: Partial<StreamHubEvents>): void {
    this.#listeners.push(listener);
  }

  get(app: string, name: string): LiveStream | undefined {
    return this.#streams.get(streamKey(app, name));
  }

  *streams(): IterableIterator<LiveStream> {
    yield* this.#streams.values();
  }

  /** Starts a publish; throws StreamBusyError (and leaves the current publisher alone) if one is live. */
  publish(app: string, name: string, publisher: Publisher): LiveStream {
    const stream = this.#streamFor(app, name);
    if (stream.publisher !== null) throw new StreamBusyError(stream.key);
    stream.beginPublish(publisher);
    for (const listener of this.#listeners) listener.publish?.(stream);
    return stream;
  }

  unpublish(stream: LiveStream, publisher: Publisher): void {
    if (stream.publisher !== publisher) return;
    stream.endPublish();
    for (const listener of this.#listeners) listener.unpublish?.(stream);
    this.#forgetIfIdle(stream);
  }

  subscribe(app: string, name: string, subscriber: Subscriber): LiveStream {
    const stream = this.#streamFor(app, name);
    stream.addSubscriber(subscriber);
    return stream;
  }

  unsubscribe(stream: LiveStream, subscriber: Subscriber): void {
    stream.removeSubscriber(subscriber);
    this.#forgetIfIdle(stream);
  }

  #streamFor(app: string, name: string): LiveStream {
    const key = streamKey(app, name);
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = new LiveStream(app, name, this.#gopCacheBytes);
      this.#streams.set(key, stream);
    }
    return stream;
  }

  #forgetIfIdle(stream: LiveStream): void {
    if (stream.isIdle && this.#streams.get(stream.key) === stream) this.#streams.delete(stream.key);
  }
}
