// Client side of one RTMP connection, for tests, relays and load generation: the same byte-level machinery as
// the server, driven by promise-returning calls. No sockets or timers: the caller's I/O edge feeds receive() and
// writes what send() gets. Calls made before the handshake is over are queued and flushed when it ends.

import type { Amf0Value } from '@livelink/amf';
import { RtmpError } from '../errors.ts';
import { ClientHandshake } from '../handshake/client.ts';
import type { HandshakeInfo } from '../handshake/types.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { commandMessage } from '../message/command.ts';
import type { Command } from '../message/command.ts';
import { userControlMessage } from '../message/control.ts';
import type { DecodedMessage } from '../message/decode.ts';
import type { UserControl } from '../message/types.ts';
import { MessageChannel, chunkStreamFor } from './channel.ts';
import type { ChannelLimits } from './channel.ts';
import { RtmpStatusError } from './status.ts';

export interface ClientSessionOptions extends ChannelLimits {
  send(bytes: Buffer): void;
  /** rtmp://host[:port]/app[?query]: sent as tcUrl; `app` defaults to its path (query included). */
  tcUrl: string;
  app?: string;
  /** Digest handshake (default true, like ffmpeg); false sends a simple C1. */
  complexHandshake?: boolean;
  /** Chunk size announced to the server before connect (default 4096). */
  chunkSize?: number;
  /** Extra properties for connect's command object (flashVer, fourCcList...). */
  connectProperties?: Record<string, Amf0Value>;
  /** Every onStatus the server sends, by message stream. */
  onStatus?(streamId: number, info: Record<string, Amf0Value>): void;
  /** Audio, video and data messages (aggregates split), by message stream. */
  onMedia?(streamId: number, message: RtmpMessage): void;
  /** Commands that are neither replies nor onStatus (onBWDone, onFCPublish...). */
  onCommand?(streamId: number, command: Command): void;
  /** User Control events other than Ping Request (which is answered automatically). */
  onUserControl?(control: UserControl): void;
}

export type ClientSessionState = 'idle' | 'handshake' | 'open' | 'closed';

export interface ConnectResult {
  /** The server's properties (fmsVer, capabilities...). */
  properties: Amf0Value;
  /** The NetConnection.Connect.Success info object. */
  info: Amf0Value;
}

export interface PlayOptions {
  start?: number;
  duration?: number;
  reset?: boolean;
}

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

interface StreamWaiter extends Pending<Record<string, Amf0Value>> {
  /** The status code that completes the call: NetStream.Publish.Start or NetStream.Play.Start. */
  success: string;
}

const DEFAULT_CLIENT_CHUNK_SIZE = 4096;

export class ClientSession {
  readonly #options: ClientSessionOptions;
  readonly #channel: MessageChannel;
  readonly #handshake: ClientHandshake;
  readonly #transactions = new Map<number, Pending<Command>>();
  readonly #streamWaiters = new Map<number, StreamWaiter>();
  #state: ClientSessionState = 'idle';
  #queued: Buffer[] = [];
  #nextTransaction = 1;

  constructor(options: ClientSessionOptions) {
    this.#options = options;
    this.#handshake = new ClientHandshake({ complex: options.complexHandshake ?? true });
    this.#channel = new MessageChannel({
      ...options,
      compress: true,
      send: (bytes) => this.#output(bytes),
      onMessage: (message) => this.#onMessage(message),
    });
  }

  get state(): ClientSessionState {
    return this.#state;
  }

  get handshake(): Readonly<HandshakeInfo> | null {
    return this.#handshake.done ? this.#handshake.info : null;
  }

  get bytesReceived(): number {
    return this.#channel.bytesReceived;
  }

  /** Bytes held for partly received messages (bounded by maxBufferedBytes). */
  get bufferedBytes(): number {
    return this.#channel.bufferedBytes;
  }

  get outChunkSize(): number {
    return this.#channel.outChunkSize;
  }

  get inChunkSize(): number {
    return this.#channel.inChunkSize;
  }

  /** Sends C0+C1. */
  start(): void {
    if (this.#state !== 'idle') throw new Error(`ClientSession.start() in state ${this.#state}`);
    this.#state = 'handshake';
    this.#options.send(this.#handshake.start());
  }

  /** Feeds bytes from the server. Throws RtmpError on bad input, after rejecting every pending call with it. */
  receive(bytes: Buffer): void {
    if (this.#state === 'closed') return;
    try {
      let rest = bytes;
      if (!this.#handshake.done) {
        if (this.#state === 'idle') throw new RtmpError('protocol-violation', 'server bytes before the client started its handshake');
        const progress = this.#handshake.receive(bytes);
        this.#channel.countReceived(bytes.length - progress.rest.length);
        if (progress.output !== null) this.#options.send(progress.output);
        if (!progress.done) return;
        this.#state = 'open';
        const queued = this.#queued;
        this.#queued = [];
        for (const chunk of queued) this.#options.send(chunk);
        rest = progress.rest;
      }
      if (rest.length > 0) this.#channel.receive(rest);
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /** Set Chunk Size, then connect. Resolves on _result, rejects with RtmpStatusError on _error. */
  async connect(): Promise<ConnectResult> {
    const { tcUrl } = this.#options;
    this.#channel.setOutChunkSize(this.#options.chunkSize ?? DEFAULT_CLIENT_CHUNK_SIZE);
    const reply = await this.call('connect', {
      app: this.#options.app ?? appFromTcUrl(tcUrl),
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; livelink)',
      tcUrl,
      ...this.#options.connectProperties,
    });
    return { properties: reply.commandObject, info: reply.args[0] };
  }

  async createStream(): Promise<number> {
    const reply = await this.call('createStream', null);
    const streamId = reply.args[0];
    if (typeof streamId !== 'number') throw new RtmpError('bad-command', 'createStream _result without a stream id');
    return streamId;
  }

  /** Resolves on NetStream.Publish.Start; rejects with RtmpStatusError on an error status (e.g. Publish.BadName). */
  publish(streamId: number, name: string, type = 'live'): Promise<Record<string, Amf0Value>> {
    return this.#streamCall(streamId, 'NetStream.Publish.Start', 'publish', [name, type]);
  }

  /** Resolves on NetStream.Play.Start; rejects with RtmpStatusError on an error status (e.g. Play.StreamNotFound). */
  play(streamId: number, name: string, options: PlayOptions = {}): Promise<Record<string, Amf0Value>> {
    return this.#streamCall(streamId, 'NetStream.Play.Start', 'play', [name, options.start ?? -2, options.duration ?? -1, options.reset ?? true]);
  }

  /** The OBS/ffmpeg publish preamble; the server's replies are not awaited (several servers never answer). */
  releaseStream(name: string): void {
    this.#notify('releaseStream', [name]);
  }

  fcPublish(name: string): void {
    this.#notify('FCPublish', [name]);
  }

  fcUnpublish(name: string): void {
    this.#notify('FCUnpublish', [name]);
  }

  deleteStream(streamId: number): void {
    this.#endStream(streamId);
    this.#write(commandMessage({ name: 'deleteStream', transactionId: 0, commandObject: null, args: [streamId] }));
  }

  closeStream(streamId: number): void {
    this.#endStream(streamId);
    this.#write(commandMessage({ name: 'closeStream', transactionId: 0, commandObject: null, args: [] }, { messageStreamId: streamId }));
  }

  pause(streamId: number, paused: boolean, position: number): void {
    this.#write(commandMessage({ name: 'pause', transactionId: 0, commandObject: null, args: [paused, position] }, { messageStreamId: streamId }));
  }

  setBufferLength(streamId: number, milliseconds: number): void {
    this.#write(userControlMessage({ event: 'set-buffer-length', streamId, bufferLength: milliseconds }));
  }

  /** Any call with a transaction id; resolves with the _result command, rejects with RtmpStatusError on _error. */
  call(name: string, commandObject: Amf0Value, ...args: Amf0Value[]): Promise<Command> {
    const transactionId = this.#nextTransaction++;
    return new Promise((resolve, reject) => {
      this.#transactions.set(transactionId, { resolve, reject });
      this.#write(commandMessage({ name, transactionId, commandObject, args }));
    });
  }

  /** Audio, video or data on a published stream (the message's own stream id is replaced by `streamId`). */
  sendMedia(streamId: number, message: RtmpMessage): void {
    this.#write({ ...message, messageStreamId: streamId });
  }

  setChunkSize(size: number): void {
    this.#channel.setOutChunkSize(size);
  }

  /** The connection is gone: pending calls reject, later bytes are ignored. */
  close(): void {
    this.#fail(new Error('RTMP client session closed'));
  }

  #write(message: RtmpMessage): void {
    this.#channel.write(message, chunkStreamFor(message.typeId));
  }

  #output(bytes: Buffer): void {
    if (this.#state === 'open') this.#options.send(bytes);
    else if (this.#state !== 'closed') this.#queued.push(bytes);
  }

  #notify(name: string, args: Amf0Value[]): void {
    this.#write(commandMessage({ name, transactionId: this.#nextTransaction++, commandObject: null, args }));
  }

  #streamCall(streamId: number, success: string, name: string, args: Amf0Value[]): Promise<Record<string, Amf0Value>> {
    this.#endStream(streamId);
    return new Promise((resolve, reject) => {
      this.#streamWaiters.set(streamId, { success, resolve, reject });
      this.#write(commandMessage({ name, transactionId: 0, commandObject: null, args }, { messageStreamId: streamId }));
    });
  }

  #endStream(streamId: number): void {
    const waiter = this.#streamWaiters.get(streamId);
    if (waiter === undefined) return;
    this.#streamWaiters.delete(streamId);
    waiter.reject(new Error(`stream ${streamId} was closed before the server answered`));
  }

  #fail(error: Error): void {
    this.#state = 'closed';
    this.#queued = [];
    const pending = [...this.#transactions.values(), ...this.#streamWaiters.values()];
    this.#transactions.clear();
    this.#streamWaiters.clear();
    for (const call of pending) call.reject(error);
  }

  #onMessage(message: DecodedMessage): void {
    switch (message.kind) {
      case 'command':
        this.#onCommand(message.command, message.message.messageStreamId);
        return;
      case 'media':
        for (const media of message.messages) this.#options.onMedia?.(media.messageStreamId, media);
        return;
      case 'user-control':
        this.#options.onUserControl?.(message.control);
        return;
      default:
        return;
    }
  }

  #onCommand(command: Command, streamId: number): void {
    switch (command.name) {
      case '_result':
      case '_error': {
        const pending = this.#transactions.get(command.transactionId);
        if (pending === undefined) return;
        this.#transactions.delete(command.transactionId);
        if (command.name === '_result') pending.resolve(command);
        else pending.reject(new RtmpStatusError(infoObject(command.args[0])));
        return;
      }
      case 'onStatus': {
        const info = infoObject(command.args[0]);
        this.#options.onStatus?.(streamId, info);
        const waiter = this.#streamWaiters.get(streamId);
        if (waiter === undefined) return;
        if (info.level === 'error') {
          this.#streamWaiters.delete(streamId);
          waiter.reject(new RtmpStatusError(info));
        } else if (info.code === waiter.success) {
          this.#streamWaiters.delete(streamId);
          waiter.resolve(info);
        }
        return;
      }
      default:
        this.#options.onCommand?.(streamId, command);
    }
  }
}

function infoObject(value: Amf0Value): Record<string, Amf0Value> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
    ? (value as Record<string, Amf0Value>)
    : {};
}

/** "rtmp://host:1935/live?token=x" -> "live?token=x". */
function appFromTcUrl(tcUrl: string): string {
  const match = /^[a-z0-9+.-]+:\/\/[^/]*\/(.*)$/i.exec(tcUrl);
  return match === null ? '' : match[1];
}
