// Minimal link servers for integration tests, written from the protocol document: a TCP long-link
// responder built on marsPacker and a node:http short-link endpoint. Both share one execution log
// de-duplicated by (client id, seq) as docs/link-protocol.md §6 asks of a gateway, so tests can
// count how often the application handler really ran.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { decodeHelloBody, HELLO_CMDID, isNoop, marsPacker, ShortLinkHeaders, type LinkFrame } from '../../src/index.ts';

export interface Handler {
  (request: { cmdid: number; body: Uint8Array }): Uint8Array | Promise<Uint8Array>;
}

export class ExecutionLog {
  /** Every request that reached a server, retries included. */
  readonly deliveries: string[] = [];
  /** Handler runs; one per (client, seq) if de-duplication works. */
  readonly executions: string[] = [];
  readonly #results = new Map<string, Promise<Uint8Array>>();

  run(client: string, seq: number, cmdid: number, body: Uint8Array, handler: Handler, via: string): Promise<Uint8Array> {
    const key = `${client}#${seq}`;
    this.deliveries.push(`${key} via ${via}`);
    let result = this.#results.get(key);
    if (!result) {
      this.executions.push(key);
      result = Promise.resolve(handler({ cmdid, body }));
      this.#results.set(key, result);
    }
    return result;
  }
}

export interface TcpLinkServer {
  readonly port: number;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startTcpLinkServer(log: ExecutionLog, handler: Handler): Promise<TcpLinkServer> {
  const packer = marsPacker();
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = packer.createDecoder();
    // Real Mars clients send no hello: the connection is then the identity.
    let client = `conn-${socket.remotePort}`;
    const send = (frame: LinkFrame) => {
      if (!socket.destroyed) socket.write(packer.encode(frame));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        if (frame.cmdid === HELLO_CMDID) client = decodeHelloBody(frame.body);
        else if (isNoop(frame)) send(frame);
        else {
          void log.run(client, frame.seq, frame.cmdid, frame.body, handler, 'long').then((body) => send({ cmdid: frame.cmdid, seq: frame.seq, clientVersion: frame.clientVersion, body }));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HttpLinkServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startHttpLinkServer(log: ExecutionLog, handler: Handler): Promise<HttpLinkServer> {
  const server: HttpServer = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const client = String(req.headers[ShortLinkHeaders.client]);
      const seq = Number(req.headers[ShortLinkHeaders.seq]);
      const cmdid = Number(req.headers[ShortLinkHeaders.cmdid]);
      void log.run(client, seq, cmdid, new Uint8Array(Buffer.concat(chunks)), handler, 'short').then((body) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
