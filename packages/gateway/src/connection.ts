// One long link, whichever carrier it rides on. Kept deliberately small: an idle gateway holds
// one of these per client, so every field counts (the timer wheel links live here too, instead
// of in a separate timer object).

import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { FrameDecoder } from '@livelink/link';
import { NOT_SCHEDULED, type WheelTimer } from './timer-wheel.ts';
import type { LinkConnectionInfo } from './tasks.ts';

export const IdentifyState = { none: 0, running: 1, done: 2 } as const;
export type IdentifyState = (typeof IdentifyState)[keyof typeof IdentifyState];

/** WebSocket close codes used when the gateway ends a link (RFC 6455 §7.4.1). */
export const WsCloseCode = { normal: 1000, goingAway: 1001, protocolError: 1002, policyViolation: 1008 } as const;

export class LinkConnection implements LinkConnectionInfo, WheelTimer {
  readonly id: number;
  readonly transport: 'tcp' | 'ws';
  readonly socket: Socket | WebSocket;
  readonly decoder: FrameDecoder;
  userId: string | null = null;
  clientId: string | null = null;
  identify: IdentifyState = IdentifyState.none;
  /** Written into every frame sent: Mars clients drop frames carrying a version other than theirs. */
  clientVersion: number;
  /** Wheel time of the last frame received (coarse, for idle detection). */
  lastSeen: number;
  tasksInFlight = 0;
  /** Created on first join: most links never join a group. */
  groups: Set<string> | null = null;
  /** No more frames are read or written; the socket may still be flushing until it emits close. */
  closed = false;
  wheelDeadline = NOT_SCHEDULED;
  wheelNext: WheelTimer | null = null;
  wheelPrev: WheelTimer | null = null;

  constructor(id: number, transport: 'tcp' | 'ws', socket: Socket | WebSocket, decoder: FrameDecoder, now: number, clientVersion: number) {
    this.id = id;
    this.transport = transport;
    this.socket = socket;
    this.decoder = decoder;
    this.lastSeen = now;
    this.clientVersion = clientVersion;
  }

  /** Bytes handed to the socket that the kernel has not taken yet: this link's outbound queue. */
  get queuedBytes(): number {
    return this.transport === 'tcp' ? (this.socket as Socket).writableLength : (this.socket as WebSocket).bufferedAmount;
  }

  get remoteAddress(): string | undefined {
    return this.transport === 'tcp' ? (this.socket as Socket).remoteAddress : undefined;
  }

  write(bytes: Uint8Array): void {
    if (this.transport === 'tcp') (this.socket as Socket).write(bytes);
    else (this.socket as WebSocket).send(bytes, { binary: true });
  }

  /** Flushes what is queued, then closes. The caller bounds how long that may take. */
  end(wsCode: number, reason: string): void {
    if (this.transport === 'tcp') (this.socket as Socket).end();
    else (this.socket as WebSocket).close(wsCode, reason);
  }

  /** Closes now, dropping anything queued. */
  destroy(): void {
    if (this.transport === 'tcp') (this.socket as Socket).destroy();
    else (this.socket as WebSocket).terminate();
  }
}
