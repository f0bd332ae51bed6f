// One long link at a time: connect (staggered over the addresses), hello, identify, heartbeat, and
// the classification of everything the server sends. It knows nothing about tasks: responses, task
// errors and pushes go up as events, and a broken link is reported once, with the Mars error that
// every task in flight on it should fail with.

import { complexConnect, type ComplexConnect, type ComplexConnectOptions } from './complex-connect.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { ErrCode, ErrType, LinkTaskError } from './errors.ts';
import { decodeTaskErrorBody, encodeHelloBody, HELLO_CMDID, TASK_ERROR_CMDID } from '../protocol/control.ts';
import {
  IDENTIFY_SEQ,
  isNoop,
  LinkProtocolError,
  NOOP_CMDID,
  NOOP_SEQ,
  PUSH_SEQ,
  type FrameDecoder,
  type LinkFrame,
  type LongLinkPacker,
} from '../protocol/frame.ts';
import type { CloseReason, LongLinkTransport, TransportConnection } from '../transport/types.ts';

/** Mars's TLongLinkStatus. `connected` means ready for tasks: hello sent and identify (if any) accepted. */
export type LongLinkStatus = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'connect-failed';

export interface IdentifyRequest {
  cmdid: number;
  body: Uint8Array;
}

export interface LongLinkEvents {
  onStatus(status: LongLinkStatus, error: LinkTaskError | undefined): void;
  /** The link went down after being ready; in-flight tasks fail with `error`. */
  onDown(error: LinkTaskError, serverClosed: boolean): void;
  onResponse(frame: LinkFrame): void;
  onTaskError(seq: number, error: LinkTaskError): void;
  onPush(cmdid: number, body: Uint8Array): void;
  /** Some bytes of the response to `seq` arrived (packet-to-packet timing). */
  onProgress(seq: number): void;
}

export interface LongLinkOptions {
  transport: LongLinkTransport;
  packer: LongLinkPacker;
  clock: Clock;
  clientId: string;
  heartbeatIntervalMs: number;
  /** Mars: 8 s for a noop echo; also the budget for the identify answer. */
  noopTimeoutMs: number;
  connect: ComplexConnectOptions;
  identify?: () => IdentifyRequest | null;
  /** Judges the identify answer's body; accepting anything when absent. */
  onIdentifyResponse?: (body: Uint8Array) => boolean;
}

export const MARS_NOOP_TIMEOUT_MS = 8_000;
/** Mars's minimum (and non-Android fixed) heartbeat interval. */
export const MARS_HEARTBEAT_INTERVAL_MS = 210_000;

export class LongLink {
  readonly #options: LongLinkOptions;
  readonly #events: LongLinkEvents;
  #status: LongLinkStatus = 'idle';
  #race: ComplexConnect | undefined;
  #connection: TransportConnection | undefined;
  #decoder: FrameDecoder | undefined;
  #phase: 'identifying' | 'ready' | undefined;
  #heartbeat: TimerHandle | undefined;
  /** Pending noop echo or identify answer. */
  #answerDeadline: TimerHandle | undefined;

  constructor(options: LongLinkOptions, events: LongLinkEvents) {
    this.#options = options;
    this.#events = events;
  }

  get status(): LongLinkStatus {
    return this.#status;
  }

  get ready(): boolean {
    return this.#status === 'connected';
  }

  get busy(): boolean {
    return this.#status === 'connecting' || this.#status === 'connected';
  }

  connect(addresses: readonly string[]): void {
    if (this.busy) return;
    this.#setStatus('connecting', undefined);
    this.#race = complexConnect(this.#options.transport, addresses, this.#options.clock, this.#options.connect, {
      onConnected: (connection) => this.#onConnected(connection),
      onFailed: (detail) => {
        this.#race = undefined;
        this.#setStatus('connect-failed', new LinkTaskError('dial', ErrType.dial, ErrCode.socketConnectFailed, `long link connect failed: ${detail}`));
      },
      onData: (bytes) => this.#onData(bytes),
      onClose: (reason, detail) => this.#onClose(reason, detail),
    });
  }

  /** Sends a task frame; only valid while `ready`. */
  send(frame: LinkFrame): void {
    if (!this.ready) throw new Error('long link is not ready');
    this.#write(frame);
  }

  /** Tears the link down from our side (task timeout, network change, client close). */
  reset(error: LinkTaskError): void {
    if (this.#status === 'connecting' && this.#connection === undefined) {
      this.#race?.cancel();
      this.#race = undefined;
      this.#setStatus('disconnected', error);
      return;
    }
    if (this.#connection) this.#down(error, false);
  }

  #onConnected(connection: TransportConnection): void {
    this.#connection = connection;
    this.#decoder = this.#options.packer.createDecoder();
    this.#write({ cmdid: HELLO_CMDID, seq: PUSH_SEQ, body: encodeHelloBody(this.#options.clientId) });
    const identify = this.#options.identify?.() ?? null;
    if (identify) {
      this.#phase = 'identifying';
      this.#write({ cmdid: identify.cmdid, seq: IDENTIFY_SEQ, body: identify.body });
      this.#expectAnswer('identify answer', ErrCode.socketNoopTimeout);
      return;
    }
    // Mars sends a noop right after connecting: a gateway that never echoes is found out in 8 s.
    this.#sendNoop();
    this.#becomeReady();
  }

  #becomeReady(): void {
    this.#phase = 'ready';
    this.#setStatus('connected', undefined);
  }

  #write(frame: LinkFrame): void {
    this.#connection!.send(this.#options.packer.encode(frame));
    // Heartbeats only fill silence (Mars re-arms the noop alarm after every write): traffic proves the
    // NAT mapping is alive and sending noops alongside it would only cost battery.
    this.#heartbeat?.cancel();
    this.#heartbeat = this.#options.clock.setTimer(this.#options.heartbeatIntervalMs, () => {
      this.#heartbeat = undefined;
      if (this.#answerDeadline === undefined) this.#sendNoop();
    });
  }

  #sendNoop(): void {
    this.#write({ cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: new Uint8Array(0) });
    this.#expectAnswer('noop echo', ErrCode.socketNoopTimeout);
  }

  #expectAnswer(what: string, errCode: number): void {
    this.#answerDeadline?.cancel();
    this.#answerDeadline = this.#options.clock.setTimer(this.#options.noopTimeoutMs, () => {
      this.#answerDeadline = undefined;
      this.#down(new LinkTaskError('socket', ErrType.socket, errCode, `no ${what} within ${this.#options.noopTimeoutMs} ms`), false);
    });
  }

  #clearAnswerDeadline(): void {
    this.#answerDeadline?.cancel();
    this.#answerDeadline = undefined;
  }

  #onData(bytes: Uint8Array): void {
    const decoder = this.#decoder!;
    let frames: LinkFrame[];
    try {
      frames = decoder.push(bytes);
      if (this.#options.transport.framing === 'message' && (frames.length !== 1 || decoder.bufferedBytes !== 0)) {
        throw new LinkProtocolError('not-one-frame', `a message carried ${frames.length} frames and ${decoder.bufferedBytes} extra bytes`);
      }
    } catch (error) {
      if (!(error instanceof LinkProtocolError)) throw error;
      this.#down(new LinkTaskError('socket', ErrType.socket, ErrCode.socketUnpackErr, `undecodable long-link data: ${error.message}`), false);
      return;
    }
    for (const frame of frames) {
      // A frame handler may have torn the link down (identify rejected); drop what follows.
      if (this.#connection === undefined) return;
      this.#onFrame(frame);
    }
    const partial = decoder.partialFrame;
    if (partial && this.#connection !== undefined) this.#events.onProgress(partial.seq);
  }

  #onFrame(frame: LinkFrame): void {
    if (isNoop(frame)) {
      this.#clearAnswerDeadline();
      return;
    }
    if (frame.seq === IDENTIFY_SEQ) {
      this.#onIdentifyAnswer(frame);
      return;
    }
    if (frame.cmdid === TASK_ERROR_CMDID) {
      const { code, message } = decodeTaskErrorBody(frame.body);
      this.#events.onTaskError(frame.seq, new LinkTaskError('server', ErrType.server, code, message));
      return;
    }
    if (frame.seq === PUSH_SEQ) {
      this.#events.onPush(frame.cmdid, frame.body);
      return;
    }
    this.#events.onResponse(frame);
  }

  #onIdentifyAnswer(frame: LinkFrame): void {
    if (this.#phase !== 'identifying') return;
    this.#clearAnswerDeadline();
    if (frame.cmdid === TASK_ERROR_CMDID) {
      const { code, message } = decodeTaskErrorBody(frame.body);
      this.#down(new LinkTaskError('server', ErrType.server, code, `identify rejected: ${message}`), false);
      return;
    }
    if (this.#options.onIdentifyResponse && !this.#options.onIdentifyResponse(frame.body)) {
      this.#down(new LinkTaskError('server', ErrType.server, 401, 'identify answer refused by the app'), false);
      return;
    }
    this.#becomeReady();
  }

  #onClose(reason: CloseReason, detail: string): void {
    const error =
      reason === 'peer-closed'
        ? new LinkTaskError('socket', ErrType.socket, ErrCode.socketShutdown, `long link closed by the server: ${detail}`)
        : new LinkTaskError('socket', ErrType.socket, ErrCode.socketRecvErr, `long link broke: ${detail}`);
    this.#down(error, reason === 'peer-closed');
  }

  #down(error: LinkTaskError, serverClosed: boolean): void {
    const wasReady = this.#phase === 'ready';
    this.#race?.cancel();
    this.#race = undefined;
    this.#connection?.close();
    this.#connection = undefined;
    this.#decoder = undefined;
    this.#phase = undefined;
    this.#heartbeat?.cancel();
    this.#heartbeat = undefined;
    this.#clearAnswerDeadline();
    // A link that never became ready failed to connect, as far as the app and the reconnect policy care.
    const status = wasReady ? 'disconnected' : 'connect-failed';
    this.#status = status;
    // Tasks learn first, so their retries are queued before anyone reacts to the status change.
    if (wasReady) this.#events.onDown(error, serverClosed);
    this.#events.onStatus(status, error);
  }

  #setStatus(status: LongLinkStatus, error: LinkTaskError | undefined): void {
    this.#status = status;
    this.#events.onStatus(status, error);
  }
}
