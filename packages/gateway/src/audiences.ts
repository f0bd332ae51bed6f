// Local membership of push topics (a user's links, a group's links) tied to bus subscriptions:
// this node subscribes to a topic while it holds at least one member, so a publish from any
// node reaches exactly the nodes that have someone to deliver to.

import type { Bus } from './bus/bus.ts';
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
      const created: Audience = { members: undefined, unsubscribe: () => {} };
      // Members are read at delivery time: a link cut mid-delivery does not disturb the walk.
      created.unsubscribe = this.#bus.subscribe(this.#topicPrefix + key, (message) => this.#deliver(compactValues(created.members), message));
      this.#byKey.set(key, created);
      audience = created;
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
