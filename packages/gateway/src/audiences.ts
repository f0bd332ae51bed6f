// Local membership of push topics (a user's links, a group's links) tied to bus subscriptions:
// this node subscribes to a topic while it holds at least one member, so a publish from any
// node reaches exactly the nodes that have someone to deliver to.

import type { Bus } from './bus/bus.ts';
import type { LinkConnection } from './connection.ts';

export type Deliver = (members: Set<LinkConnection>, message: Uint8Array) => void;

interface Audience {
  members: Set<LinkConnection>;
  unsubscribe: () => void;
}

export class Audiences {
  readonly #bus: Bus;
  readonly #topicPrefix: string;
  readonly #deliver: Deliver;
  readonly #byKey = new Map<string, Audience>();

  constructor(bus: Bus, topicPrefix: string, deliver: Deliver) {
    this.#bus = bus;
    this.#topicPrefix = topicPrefix;
    this.#deliver = deliver;
  }

  /** Number of keys with at least one local member. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Returns false if `connection` already was a member. */
  add(key: string, connection: LinkConnection): boolean {
    let audience = this.#byKey.get(key);
    if (audience === undefined) {
      const members = new Set<LinkConnection>();
      const unsubscribe = this.#bus.subscribe(this.#topicPrefix + key, (message) => this.#deliver(members, message));
      audience = { members, unsubscribe };
      this.#byKey.set(key, audience);
    }
    if (audience.members.has(connection)) return false;
    audience.members.add(connection);
    return true;
  }

  /** Returns false if `connection` was not a member. */
  remove(key: string, connection: LinkConnection): boolean {
    const audience = this.#byKey.get(key);
    if (audience === undefined || !audience.members.delete(connection)) return false;
    if (audience.members.size === 0) {
      audience.unsubscribe();
      this.#byKey.delete(key);
    }
    return true;
  }

  publish(key: string, message: Uint8Array): void {
    this.#bus.publish(this.#topicPrefix + key, message);
  }
}
