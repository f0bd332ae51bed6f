// A TCP proxy on 127.0.0.1 that injects network faults between a link client and a server:
// delay, stall (hold bytes until the fault clears), blackhole (drop bytes, keep the socket open),
// reset (RST new connections) and resetAll (RST what is open now). Reused by the gateway tests.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Which way a fault applies; the other way passes untouched. Default both. */
export type FaultDirection = 'both' | 'toServer' | 'toClient';

export type FaultMode =
  | { kind: 'pass' }
  /** Each chunk is forwarded `ms` after it arrived; order is kept. */
  | { kind: 'delay'; ms: number; direction?: FaultDirection }
  /** Bytes are held and forwarded when the mode returns to pass/delay. */
  | { kind: 'stall'; direction?: FaultDirection }
  /** Bytes are dropped; sockets stay open, so only timeouts notice. */
  | { kind: 'blackhole'; direction?: FaultDirection }
  /** New connections are reset as soon as they are accepted. */
  | { kind: 'reset' };

export interface FaultProxy {
  /** "127.0.0.1:<port>" */
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes delivered to the client side so far (e.g. to wait for a handshake answer). */
  readonly bytesToClient: number;
  setMode(mode: FaultMode): void;
  /** Resets (RST) every open connection, both sides. */
  resetAll(): void;
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream: Socket;
  /** Chunks held while stalled, per direction. */
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

export async function startFaultProxy(target: { host: string; port: number }, initial: FaultMode = { kind: 'pass' }): Promise<FaultProxy> {
  let mode: FaultMode = initial;
  let accepted = 0;
  let bytesToClient = 0;
  const pipes = new Set<Pipe>();

  const deliver = (pipe: Pipe, direction: 'toUpstream' | 'toClient', chunk: Buffer) => {
    const to = direction === 'toUpstream' ? pipe.upstream : pipe.client;
    if (to.destroyed) return;
    to.write(chunk);
    if (direction === 'toClient') bytesToClient += chunk.byteLength;
  };

  const forward = (pipe: Pipe, direction: 'toUpstream' | 'toClient', chunk: Buffer) => {
    const scope = 'direction' in mode ? (mode.direction ?? 'both') : 'both';
    const affected = scope === 'both' || (scope === 'toServer') === (direction === 'toUpstream');
    if (!affected) {
      deliver(pipe, direction, chunk);
      return;
    }
    switch (mode.kind) {
      case 'pass':
      case 'reset':
        deliver(pipe, direction, chunk);
        return;
      case 'delay':
        setTimeout(() => deliver(pipe, direction, chunk), mode.ms);
        return;
      case 'stall':
        pipe.held[direction].push(chunk);
        return;
      case 'blackhole':
        return;
    }
  };

  const server: Server = createServer((client) => {
    accepted++;
    if (mode.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    const pipe: Pipe = { client, upstream, held: { toUpstream: [], toClient: [] } };
    pipes.add(pipe);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => forward(pipe, 'toUpstream', chunk));
    upstream.on('data', (chunk: Buffer) => forward(pipe, 'toClient', chunk));
    const teardown = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', teardown);
    upstream.on('close', teardown);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    get bytesToClient() {
      return bytesToClient;
    },
    setMode(next) {
      mode = next;
      if (next.kind === 'pass' || next.kind === 'delay') {
        for (const pipe of pipes) {
          for (const chunk of pipe.held.toUpstream.splice(0)) forward(pipe, 'toUpstream', chunk);
          for (const chunk of pipe.held.toClient.splice(0)) forward(pipe, 'toClient', chunk);
        }
      }
    },
    resetAll() {
      for (const pipe of pipes) {
        pipes.delete(pipe);
        pipe.client.resetAndDestroy();
        pipe.upstream.resetAndDestroy();
      }
    },
    close() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream.destroy();
      }
      pipes.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
