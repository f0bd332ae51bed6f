// Raw-frame clients for gateway tests: they speak the wire format through the shared codec,
// with none of the client package's behaviour (retries, heartbeats), so each test controls
// exactly which bytes reach the gateway.

import { connect, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { marsPacker, HELLO_CMDID, type LinkFrame } from '@livelink/link';
import { createGateway, type Gateway, type GatewayOptions } from '../src/index.ts';
import type { LogLevel } from '../src/log.ts';

export const packer = marsPacker({ clientVersion: 200 });

export interface LogLine {
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export interface TestGateway {
  gateway: Gateway;
  tcpPort: number;
  httpPort: number;
  http: Server;
  logs: LogLine[];
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const logs: LogLine[] = [];
  const gateway = createGateway({ log: (level, message, fields) => logs.push({ level, message, fields }), ...options });
  const { port: tcpPort } = await gateway.listenTcp({ host: '127.0.0.1', port: 0 });
  const http = createServer();
  gateway.attachHttp(http, { path: '/link' });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as AddressInfo).port;
  return {
    gateway,
    tcpPort,
    httpPort,
    http,
    logs,
    async stop() {
      await gateway.close({ drainMs: 100 });
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** Collects decoded frames from the gateway and lets a test wait for the one it expects. */
class FrameInbox {
  readonly frames: LinkFrame[] = [];
  #waiters: { match: (f: LinkFrame) => boolean; resolve: (f: LinkFrame) => void }[] = [];

  add(frame: LinkFrame): void {
    const waiter = this.#waiters.find((w) => w.match(frame));
    if (waiter !== undefined) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    } else {
      this.frames.push(frame);
    }
  }

  next(match: (f: LinkFrame) => boolean, timeoutMs: number): Promise<LinkFrame> {
    const index = this.frames.findIndex(match);
    if (index !== -1) return Promise.resolve(this.frames.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (f: LinkFrame) => {
        clearTimeout(timer);
        resolve(f);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }
}

export interface RawClient {
  send(frame: LinkFrame): void;
  sendBytes(bytes: Uint8Array): void;
  /** Next frame from the gateway matching `seq` (and `cmdid` if given). */
  next(seq: number, cmdid?: number, timeoutMs?: number): Promise<LinkFrame>;
  /** Sends a request and waits for the frame answering it (response or task error). */
  request(cmdid: number, seq: number, body: Uint8Array): Promise<LinkFrame>;
  readonly frames: LinkFrame[];
  /** Resolves when the gateway closes the link (or it fails). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  close(): void;
}

export async function tcpClient(port: number, options: { hello?: string } = {}): Promise<RawClient & { socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const inbox = new FrameInbox();
  const decoder = packer.createDecoder();
  let isClosed = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    for (const frame of decoder.push(new Uint8Array(chunk))) inbox.add(frame);
  });
  const client = rawClient(inbox, closed, () => isClosed, (bytes) => socket.write(bytes), () => socket.destroy());
  if (options.hello !== undefined) client.send({ cmdid: HELLO_CMDID, seq: 0, body: new TextEncoder().encode(options.hello) });
  return Object.assign(client, { socket });
}

export async function wsClient(port: number, options: { hello?: string; path?: string } = {}): Promise<RawClient & { ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/link'}`);
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const inbox = new FrameInbox();
  let isClosed = false;
  const closed = new Promise<void>((resolve) => ws.once('close', () => ((isClosed = true), resolve())));
  ws.on('error', () => {});
  ws.on('message', (data: Buffer) => {
    // One message is one frame: decode each with a fresh decoder, as the protocol requires.
    for (const frame of packer.createDecoder().push(new Uint8Array(data))) inbox.add(frame);
  });
  const client = rawClient(inbox, closed, () => isClosed, (bytes) => ws.send(bytes), () => ws.terminate());
  if (options.hello !== undefined) client.send({ cmdid: HELLO_CMDID, seq: 0, body: new TextEncoder().encode(options.hello) });
  return Object.assign(client, { ws });
}

function rawClient(
  inbox: FrameInbox,
  closed: Promise<void>,
  isClosed: () => boolean,
  write: (bytes: Uint8Array) => void,
  close: () => void,
): RawClient {
  const next = (seq: number, cmdid?: number, timeoutMs = 2_000) =>
    inbox.next((f) => f.seq === seq && (cmdid === undefined || f.cmdid === cmdid), timeoutMs);
  return {
    send: (frame) => write(packer.encode(frame)),
    sendBytes: write,
    next,
    request(cmdid, seq, body) {
      write(packer.encode({ cmdid, seq, body }));
      return next(seq);
    },
    frames: inbox.frames,
    closed,
    isClosed,
    close,
  };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))),
  ]);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds (for state the gateway reaches asynchronously). */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(5);
  }
}
