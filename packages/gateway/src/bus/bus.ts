// The seam between "who should receive this push" and "which process holds their socket".
// Handlers and the push API only ever talk to a Bus; the in-process bus serves one node, and a
// Redis or NATS bus can carry the same topics between nodes without any handler changing.

/**
 * Receives every message published to a topic this node subscribed to. The topic is passed so
 * one handler can serve many topics (the gateway subscribes once per user and group).
 */
export type BusHandler = (message: Uint8Array, topic: string) => void;

export interface Bus {
  /** Delivers `message` to every subscriber of `topic` (on any node sharing the bus). At most once. */
  publish(topic: string, message: Uint8Array): void;
  /** Returns a function that removes this subscription. */
  subscribe(topic: string, handler: BusHandler): () => void;
  /** Releases connections to a broker, if any. */
  close?(): Promise<void>;
}
