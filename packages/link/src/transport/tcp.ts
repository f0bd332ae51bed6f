// Long link over TCP for Node (node:net). Node-only: exported from '@livelink/link/node', never from
// the browser entry.

import { createConnection } from 'node:net';
import type { LongLinkTransport } from './types.ts';

/** Splits "host:port", "[v6]:port" into parts; throws on anything else. */
export function parseTcpAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw new TypeError(`TCP address ${JSON.stringify(address)} is not host:port`);
  return { host: match[1] ?? match[2], port };
}

export function tcpTransport(): LongLinkTransport {
  return {
    framing: 'stream',
    connect(address, events) {
      const { host, port } = parseTcpAddress(address);
      const socket = createConnection({ host, port });
      let opened = false;
      let closedByUs = false;
      let lastError: Error | undefined;
      socket.on('connect', () => {
        // Small request frames must leave at once, not wait for Nagle (Mars does the same).
        socket.setNoDelay(true);
        opened = true;
        events.onOpen();
      });
      socket.on('data', (chunk: Buffer) => {
        if (!closedByUs) events.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      });
      socket.on('error', (error) => {
        lastError = error;
      });
      socket.on('close', (hadError) => {
        if (closedByUs) return;
        closedByUs = true;
        const detail = lastError ? lastError.message : 'connection closed';
        if (!opened) events.onClose('connect-failed', detail);
        else events.onClose(hadError ? 'error' : 'peer-closed', detail);
      });
      return {
        send(bytes) {
          socket.write(bytes);
        },
        close() {
          if (closedByUs) return;
          closedByUs = true;
          socket.destroy();
        },
      };
    },
  };
}
