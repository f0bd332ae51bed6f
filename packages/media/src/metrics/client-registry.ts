// Every connected client (RTMP connections, HTTP-FLV and WebSocket-FLV viewers), for the
// admin API (list, kick) and for traffic counters that never go down: when a client
// leaves, its figures move into the totals of those that left. HLS viewers are plain HTTP
// requests, not connections: their bytes are added to the totals as they are served.
import type { PlayerProtocol } from '../hub/subscriber.ts';

export type ClientProtocol = 'rtmp' | 'flv' | 'ws';

export interface ClientStats {
  bytesIn: number;
  bytesOut: number;
  droppedFrames: number;
}

export interface ClientStream {
  app: string;
  name: string;
  role: 'publish' | 'play';
}

export interface Client {
  readonly id: string;
  readonly protocol: ClientProtocol;
  readonly remoteAddress: string;
  readonly connectedAt: number;
  streams(): ClientStream[];
  stats(): ClientStats;
  kick(reason: string): void;
}

export interface TrafficTotals {
  bytesIn: { rtmp: number };
  bytesOut: Record<PlayerProtocol, number>;
  droppedFrames: number;
  playersDisconnectedSlow: number;
}

export class ClientRegistry {
  readonly #clients = new Map<string, Client>();
  readonly #departed: TrafficTotals = { bytesIn: { rtmp: 0 }, bytesOut: { rtmp: 0, flv: 0, ws: 0, hls: 0 }, droppedFrames: 0, playersDisconnectedSlow: 0 };

  add(client: Client): void {
    this.#clients.set(client.id, client);
  }

  remove(client: Client): void {
    if (this.#clients.get(client.id) !== client) return;
    this.#clients.delete(client.id);
    const stats = client.stats();
    if (client.protocol === 'rtmp') this.#departed.bytesIn.rtmp += stats.bytesIn;
    this.#departed.bytesOut[client.protocol] += stats.bytesOut;
    this.#departed.droppedFrames += stats.droppedFrames;
  }

  /** Bytes sent to players that are not clients here (HLS: one request per playlist, segment or part). */
  addBytesOut(protocol: PlayerProtocol, bytes: number): void {
    this.#departed.bytesOut[protocol] += bytes;
  }

  /** A player was cut for falling behind. */
  countSlowDisconnect(): void {
    this.#departed.playersDisconnectedSlow++;
  }

  get(id: string): Client | undefined {
    return this.#clients.get(id);
  }

  all(): IterableIterator<Client> {
    return this.#clients.values();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Everything since start: clients that left plus those still here. */
  totals(): TrafficTotals {
    const totals: TrafficTotals = structuredClone(this.#departed);
    for (const client of this.#clients.values()) {
      const stats = client.stats();
      if (client.protocol === 'rtmp') totals.bytesIn.rtmp += stats.bytesIn;
      totals.bytesOut[client.protocol] += stats.bytesOut;
      totals.droppedFrames += stats.droppedFrames;
    }
    return totals;
  }
}
