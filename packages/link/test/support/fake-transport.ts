// In-memory long-link carrier for core tests: the test plays the gateway, seeing decoded frames the
// client sent and injecting frames, opens and closes.

import { marsPacker, type LinkFrame } from '../../src/protocol/frame.ts';
import type { CloseReason, LongLinkTransport, TransportEvents } from '../../src/transport/types.ts';

const packer = marsPacker();

export class FakeConnection {
  readonly address: string;
  readonly sent: LinkFrame[] = [];
  closedByClient = false;
  ended = false;
  readonly #events: TransportEvents;
  readonly #decoder = packer.createDecoder();

  constructor(address: string, events: TransportEvents) {
    this.address = address;
    this.#events = events;
  }

  open(): void {
    this.#events.onOpen();
  }

  /** The gateway sends a frame. */
  deliver(frame: LinkFrame): void {
    this.#events.onData(packer.encode({ clientVersion: 200, ...frame }));
  }

  /** Raw bytes from the gateway (partial frames, garbage). */
  deliverBytes(bytes: Uint8Array): void {
    this.#events.onData(bytes);
  }

  close(reason: CloseReason, detail = 'test'): void {
    this.ended = true;
    this.#events.onClose(reason, detail);
  }

  /** Frames the client sent, excluding hello and noops unless asked. */
  tasks(): LinkFrame[] {
    return this.sent.filter((f) => f.cmdid !== 0xffffff01 && f.cmdid !== 6);
  }

  receive(bytes: Uint8Array): void {
    this.sent.push(...this.#decoder.push(bytes));
  }
}

export class FakeTransport implements LongLinkTransport {
  readonly framing: 'stream' | 'message';
  readonly connections: FakeConnection[] = [];

  constructor(framing: 'stream' | 'message' = 'stream') {
    this.framing = framing;
  }

  get last(): FakeConnection {
    const c = this.connections.at(-1);
    if (!c) throw new Error('no connection yet');
    return c;
  }

  connect(address: string, events: TransportEvents) {
    const connection = new FakeConnection(address, events);
    this.connections.push(connection);
    return {
      send: (bytes: Uint8Array) => connection.receive(bytes),
      close: () => {
        connection.closedByClient = true;
      },
    };
  }
}
