// Accepts RTMP connections and keeps them honest: one periodic liveness sweep for all
// connections (each pings itself when silent, closes when dead, and keeps its own handshake deadline).
import { createServer, type Server, type AddressInfo } from 'node:net';
import type { MediaServerConfig } from '../config.ts';
import type { MediaLog } from '../log.ts';
import { RtmpConnection } from './rtmp-connection.ts';
import type { MediaContext } from '../media-context.ts';

export class RtmpServer {
  readonly connections = new Map<string, RtmpConnection>();
  readonly #server: Server;
  readonly #config: MediaServerConfig;
  readonly #log: MediaLog;
  #nextId = 1;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(context: MediaContext) {
    const config = context.config;
    this.#config = config;
    this.#log = context.log;
    this.#server = createServer((socket) => {
      const id = `rtmp-${this.#nextId++}`;
      this.connections.set(id, new RtmpConnection(id, socket, context, (closed) => this.connections.delete(closed.id)));
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#sweepTimer = setInterval(() => this.#sweep(), this.#config.rtmp.idleTimeoutMs);
    this.#sweepTimer.unref();
    const address = this.#server.address() as AddressInfo;
    this.#log.info('rtmp', 'listening', { host: address.address, port: address.port });
    return address;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweepTimer);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of [...this.connections.values()]) connection.close('server shutting down');
    await closed;
  }

  #sweep(): void {
    for (const connection of this.connections.values()) connection.checkLiveness();
  }
}
