// Local membership of push topics (a user's links, a group's links) tied to bus subscriptions:
// this node subscribes to a topic while it holds at least one member, so a publish from any
// node reaches exactly the nodes that have someone to deliver to.

import type { Bus, BusHandler } from './bus/bus.ts';
import type { LinkConnection } from './connection.ts';
import { compactAdd, compactDelete, compactHas, compactValues, type CompactSet } from './compact-set.ts';

export type Deliver = (members: readonly LinkConnection[], message: Uint8Array) => void;

interface Audience {
  members: CompactSet<LinkConnection>;
  unsubscribe: () => void;
}

export class Audiences {
  readonly #bus: Bus;
  readonly #topicPrefix: string;
  readonly #deliver: Deliver;
  readonly #byKey = new Map<string, Audience>();
  /** One handler for all of this registry's topics: no closure per user or group. */
  readonly #onMessage: BusHandler;

  constructor(bus: Bus, topicPrefix: string, deliver: Deliver) {
    this.#bus = bus;
    this.#topicPrefix = topicPrefix;
    this.#deliver = deliver;
    this.#onMessage = (message, topic) => {
      // Members are read at delivery time, as a copy: a link cut mid-delivery does not disturb the walk.
      const audience = this.#byKey.get(topic.slice(this.#topicPrefix.length));
      if (audience !== undefined) this.#deliver(compactValues(audience.members), message);
    };
  }

  /** Number of keys with at least one local member. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Returns false if `connection` already was a member. */
  add(key: string, connection: LinkConnection): boolean {
    let audience = this.#byKey.get(key);
    if (audience === undefined) {
      audience = { members: undefined, unsubscribe: this.#bus.subscribe(this.#topicPrefix + key, this.#onMessage) };
      this.#byKey.set(key, audience);
    }
    if (compactHas(audience.members, connection)) return false;
    audience.members = compactAdd(audience.members, connection);
    return true;
  }

  /** Returns false if `connection` was not a member. */
  remove(key: string, connection: LinkConnection): boolean {
    const audience = this.#byKey.get(key);
    if (audience === undefined || !compactHas(audience.members, connection)) return false;
    audience.members = compactDelete(audience.members, connection);
    if (audience.members === undefined) {
      audience.unsubscribe();
      this.#byKey.delete(key);
    }
    return true;
  }

  publish(key: string, message: Uint8Array): void {
    this.#bus.publish(this.#topicPrefix + key, message);
  }
}
