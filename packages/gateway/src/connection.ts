// One long link, whichever carrier it rides on. Kept deliberately small: an idle gateway holds
// one of these per client, so every field counts (the timer wheel links live here too, instead
// of in a separate timer object).

import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { FrameDecoder } from '@livelink/link';
import { NOT_SCHEDULED, type WheelTimer } from './timer-wheel.ts';
import type { LinkConnectionInfo } from './tasks.ts';
import { binaryFrameHeader } from './ws-frame.ts';
import type { CompactSet } from './compact-set.ts';

export const IdentifyState = { none: 0, running: 1, done: 2 } as const;
export type IdentifyState = (typeof IdentifyState)[keyof typeof IdentifyState];

/** WebSocket close codes used when the gateway ends a link (RFC 6455 §7.4.1). */
export const WsCloseCode = { goingAway: 1001, protocolError: 1002, policyViolation: 1008 } as const;

export class LinkConnection implements LinkConnectionInfo, WheelTimer {
  readonly id: number;
  /** The TCP socket under either carrier: corked while a batch of writes is being made. */
  readonly socket: Socket;
  /** Set when the link is a WebSocket riding on `socket`. */
  readonly ws: WebSocket | null;
  /** Stream decoder of a TCP link; WebSocket links share one (a message is exactly one frame). */
  readonly decoder: FrameDecoder | null;
  userId: string | null = null;
  clientId: string | null = null;
  identify: IdentifyState = IdentifyState.none;
  /** Written into every frame sent: Mars clients drop frames carrying a version other than theirs. */
  clientVersion: number;
  /** Wheel time of the last frame received (coarse, for idle detection). */
  lastSeen: number;
  tasksInFlight = 0;
  /** Groups joined; most links join none or one. */
  groups: CompactSet<string> = undefined;
  /** No more frames are read or written; the socket may still be flushing until it emits close. */
  closed = false;
  /** The socket is corked until the end of the current batch of writes. */
  corked = false;
  wheelDeadline = NOT_SCHEDULED;
  wheelNext: WheelTimer | null = null;
  wheelPrev: WheelTimer | null = null;

  constructor(id: number, socket: Socket, ws: WebSocket | null, decoder: FrameDecoder | null, now: number, clientVersion: number) {
    this.id = id;
    this.socket = socket;
    this.ws = ws;
    this.decoder = decoder;
    this.lastSeen = now;
    this.clientVersion = clientVersion;
  }

  get transport(): 'tcp' | 'ws' {
    return this.ws === null ? 'tcp' : 'ws';
  }

  /** Bytes handed to the socket that the kernel has not taken yet: this link's outbound queue. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /**
   * Sends one link frame. On a WebSocket, `wsFrame` may carry the frame already wrapped in a
   * WebSocket frame (shared by many links); otherwise the header is written in front of it.
   */
  write(frame: Uint8Array, wsFrame?: Uint8Array): void {
    if (this.ws === null) {
      this.socket.write(frame);
      return;
    }
    // After a close frame in either direction no data frame may follow (RFC 6455 §5.5.1).
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (wsFrame !== undefined) {
      this.socket.write(wsFrame);
    } else {
      this.socket.write(binaryFrameHeader(frame.byteLength));
      this.socket.write(frame);
    }
  }

  /** Flushes what is queued, then closes. The caller bounds how long that may take. */
  end(wsCode: number, reason: string): void {
    if (this.ws === null) this.socket.end();
    else this.ws.close(wsCode, reason);
  }

  /** Closes now, dropping anything queued. */
  destroy(): void {
    if (this.ws === null) this.socket.destroy();
    else this.ws.terminate();
  }
}
