import type { Bus, BusHandler } from './bus.ts';

/** A bus for a single gateway process: publish calls the topic's subscribers synchronously. */
export class InProcessBus implements Bus {
  readonly #topics = new Map<string, Set<BusHandler>>();

  publish(topic: string, message: Uint8Array): void {
    const handlers = this.#topics.get(topic);
    if (handlers === undefined) return;
    for (const handler of handlers) handler(message);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (handlers === undefined) {
      handlers = new Set();
      this.#topics.set(topic, handlers);
    }
    handlers.add(handler);
    return () => {
      const current = this.#topics.get(topic);
      if (current === undefined || !current.delete(handler)) return;
      if (current.size === 0) this.#topics.delete(topic);
    };
  }

  /** Topics with at least one subscriber (for tests and metrics). */
  get topicCount(): number {
    return this.#topics.size;
  }
}
