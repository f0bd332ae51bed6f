import type { Bus, BusHandler } from './bus.ts';
import { compactAdd, compactDelete, compactValues, type CompactSet } from '../compact-set.ts';

/** A bus for a single gateway process: publish calls the topic's subscribers synchronously. */
export class InProcessBus implements Bus {
  /** Usually one handler per topic (the gateway subscribes once per user or group). */
  readonly #topics = new Map<string, CompactSet<BusHandler>>();

  publish(topic: string, message: Uint8Array): void {
    for (const handler of compactValues(this.#topics.get(topic))) handler(message, topic);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    this.#topics.set(topic, compactAdd(this.#topics.get(topic), handler));
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const remaining = compactDelete(this.#topics.get(topic), handler);
      if (remaining === undefined) this.#topics.delete(topic);
      else this.#topics.set(topic, remaining);
    };
  }

  /** Topics with at least one subscriber. */
  get topicCount(): number {
    return this.#topics.size;
  }
}
