// One long link, whichever carrier it rides on. Kept deliberately small: an idle gateway holds
// one of these per client, so every field counts (the timer wheel links live here too, instead
// of in a separate timer object).

import type { Socket } from 'node:net';
import type { FrameDecoder } from '@livelink/link';
import { NOT_SCHEDULED, type WheelTimer } from './timer-wheel.ts';
import type { LinkConnectionInfo } from './tasks.ts';
import { binaryFrameHeader, closeFrame, pongFrame } from './ws-frame.ts';
import type { WsReceiver } from './ws-receiver.ts';
import type { CompactSet } from './compact-set.ts';

export const IdentifyState = { none: 0, running: 1, done: 2 } as const;
export type IdentifyState = (typeof IdentifyState)[keyof typeof IdentifyState];

export class LinkConnection implements LinkConnectionInfo, WheelTimer {
  readonly id: number;
  /** The TCP socket under either carrier: corked while a batch of writes is being made. */
  readonly socket: Socket;
  /** Parses client frames when the link is a WebSocket riding on `socket`. */
  readonly receiver: WsReceiver | null;
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
  /** A WebSocket close frame has been written: nothing may follow it. */
  closeFrameSent = false;
  wheelDeadline = NOT_SCHEDULED;
  wheelNext: WheelTimer | null = null;
  wheelPrev: WheelTimer | null = null;

  constructor(id: number, socket: Socket, receiver: WsReceiver | null, decoder: FrameDecoder | null, now: number, clientVersion: number) {
    this.id = id;
    this.socket = socket;
    this.receiver = receiver;
    this.decoder = decoder;
    this.lastSeen = now;
    this.clientVersion = clientVersion;
  }

  get transport(): 'tcp' | 'ws' {
    return this.receiver === null ? 'tcp' : 'ws';
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
    if (this.receiver === null) {
      this.socket.write(frame);
      return;
    }
    // After a close frame no data frame may follow (RFC 6455 §5.5.1).
    if (this.closeFrameSent) return;
    if (wsFrame !== undefined) {
      this.socket.write(wsFrame);
    } else {
      this.socket.write(binaryFrameHeader(frame.byteLength));
      this.socket.write(frame);
    }
  }

  /** Answers a WebSocket ping, unless this side has already said goodbye. */
  pong(payload: Uint8Array): void {
    if (!this.closeFrameSent) this.socket.write(pongFrame(payload));
  }

  /**
   * Flushes what is queued, then closes; the caller bounds how long that may take. A WebSocket
   * sends its close frame first and ends the socket once the peer's close frame is in (or
   * nothing more can be read), so calling this again after the peer's close finishes the job.
   */
  end(wsCode: number, reason: string): void {
    if (this.receiver === null) {
      this.socket.end();
      return;
    }
    if (this.socket.destroyed) return;
    if (!this.closeFrameSent) {
      this.closeFrameSent = true;
      this.socket.write(closeFrame(wsCode, reason));
    }
    // The server closes the TCP connection first (RFC 6455 §7.1.1).
    if (this.receiver.finished) this.socket.end();
  }

  /** Closes now, dropping anything queued. */
  destroy(): void {
    this.socket.destroy();
  }
}
