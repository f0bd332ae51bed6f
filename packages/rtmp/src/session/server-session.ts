// Server side of one RTMP connection, as a synchronous state machine: socket bytes in through receive(), bytes out
// through send(), decisions (connect, publish, play) out through callbacks and back through accept*/reject*.
// Every message the server writes starts with a type-0 chunk, so media serialised once with serializeMessage
// can be interleaved with the session's own output on the same socket.

import type { Amf0Value } from '@livelink/amf';
import { RtmpError } from '../errors.ts';
import { ServerHandshake } from '../handshake/server.ts';
import type { HandshakeInfo } from '../handshake/types.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import type { Command } from '../message/command.ts';
import { commandMessage } from '../message/command.ts';
import { decodeSetChunkSize, setPeerBandwidthMessage, userControlMessage } from '../message/control.ts';
import { dataMessage } from '../message/data.ts';
import type { DecodedMessage } from '../message/decode.ts';
import { MessageType, PeerBandwidthLimit } from '../message/types.ts';
import type { StreamEventName } from '../message/types.ts';
import { MessageChannel, chunkStreamFor } from './channel.ts';
import type { ChannelLimits } from './channel.ts';
import { connectTarget, splitQuery } from './names.ts';
import { SERVER_PROPERTIES, replyMessage, statusMessage } from './status.ts';
import type { StatusLevel } from './status.ts';

export const DEFAULT_OUT_CHUNK_SIZE = 4096;
export const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;
export const DEFAULT_MAX_STREAMS = 32;

export interface ConnectInfo {
  app: string;
  tcUrl?: string;
  /** Query string of `app` (or of `tcUrl` when `app` has none), without the '?'. */
  query: string;
  commandObject: Record<string, unknown>;
  /** Optional user arguments after the command object. */
  args: Amf0Value[];
}

export interface PublishRequest {
  streamId: number;
  name: string;
  query: string;
  /** "live", "record" or "append" as the client sent it; "live" when absent. */
  type: string;
}

export interface PlayRequest {
  streamId: number;
  name: string;
  query: string;
  /** -2 live or recorded, -1 live only, >= 0 seconds into a recording (spec 7.2.2.1). */
  start: number;
  /** -1 until the end. */
  duration: number;
  reset: boolean;
}

/**
 * Limits and callbacks of one session. Callbacks are always called as methods of this object, so a
 * class instance serves as well as a literal: one object per connection, its methods shared on a
 * prototype, instead of a closure per callback (a server with 1000 players holds 1000 of these).
 */
export interface ServerSessionOptions extends ChannelLimits {
  send(bytes: Buffer): void;
  /** Chunk size announced right after connect (default 4096). */
  outChunkSize?: number;
  /** Window Acknowledgement Size and Set Peer Bandwidth announced after connect (default 2 500 000). */
  windowAckSize?: number;
  /** Most message streams a client may hold at once (default 32). */
  maxStreams?: number;
  /** Connect is accepted when this returns, unless it called rejectConnect(). */
  onConnect(info: ConnectInfo): void;
  /** Answer now or later with acceptPublish/rejectPublish. */
  onPublish(request: PublishRequest): void;
  /** Answer now or later with acceptPlay/rejectPlay. */
  onPlay(request: PlayRequest): void;
  /** Audio, video and data messages of an accepted publish (aggregates split; @setDataFrame left in place). */
  onMedia(streamId: number, message: RtmpMessage): void;
  /** A publish request that was accepted or still pending ended (FCUnpublish, closeStream, deleteStream, new play). */
  onUnpublish(streamId: number): void;
  /** A play request that was accepted or still pending ended (closeStream, deleteStream, a new play on the stream). */
  onStopPlay(streamId: number): void;
  onPause?(streamId: number, paused: boolean, position: number): void;
  onReceiveAudio?(streamId: number, enabled: boolean): void;
  onReceiveVideo?(streamId: number, enabled: boolean): void;
  /** Ping Response to pingRequest(): the timestamp we sent. */
  onPong?(timestamp: number): void;
}

export type ServerSessionState = 'handshake' | 'connecting' | 'connected' | 'closed';

type StreamRole = 'idle' | 'publish-pending' | 'publishing' | 'play-pending' | 'playing';

interface NetStream {
  id: number;
  role: StreamRole;
  name: string;
  reset: boolean;
}

/** Replies and notifications a client may send that need no answer. */
const UNANSWERED = new Set(['_result', '_error', 'onStatus', 'onBWDone', 'close', 'onFCPublish', 'onFCUnpublish']);

export class ServerSession {
  readonly #options: ServerSessionOptions;
  readonly #channel: MessageChannel;
  readonly #windowAckSize: number;
  readonly #chunkSize: number;
  readonly #maxStreams: number;
  readonly #streams = new Map<number, NetStream>();
  #handshake: ServerHandshake | null = new ServerHandshake();
  #handshakeInfo: Readonly<HandshakeInfo> | null = null;
  #state: ServerSessionState = 'handshake';
  #nextStreamId = 1;
  /** The client spoke type-17 commands; replies go back the same way. */
  #amf3 = false;
  #connectTransaction = 0;

  constructor(options: ServerSessionOptions) {
    this.#options = options;
    this.#windowAckSize = options.windowAckSize ?? DEFAULT_WINDOW_ACK_SIZE;
    this.#chunkSize = options.outChunkSize ?? DEFAULT_OUT_CHUNK_SIZE;
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#channel = new MessageChannel({
      maxMessageBytes: options.maxMessageBytes,
      maxAssemblingStreams: options.maxAssemblingStreams,
      maxChunkStreams: options.maxChunkStreams,
      maxBufferedBytes: options.maxBufferedBytes,
      compress: false,
      send: (bytes) => this.#options.send(bytes),
      onMessage: (message) => this.#onMessage(message),
    });
  }

  get state(): ServerSessionState {
    return this.#state;
  }

  /** The chunk size of everything this session sends (4096 or as configured once connect was answered). */
  get outChunkSize(): number {
    return this.#channel.outChunkSize;
  }

  get inChunkSize(): number {
    return this.#channel.inChunkSize;
  }

  /** How the handshake went (simple/complex, C2 kind); null until it is over. */
  get handshake(): Readonly<HandshakeInfo> | null {
    return this.#handshakeInfo;
  }

  get bytesReceived(): number {
    return this.#channel.bytesReceived;
  }

  /** Bytes held for partly received messages (bounded by maxBufferedBytes). */
  get bufferedBytes(): number {
    return this.#channel.bufferedBytes;
  }

  /** The client's last Acknowledgement sequence number. */
  get peerAcknowledged(): number {
    return this.#channel.peerAcknowledged;
  }

  /**
   * Feeds socket bytes. Throws RtmpError on input that breaks the protocol or a limit; the caller closes the
   * socket with error.code as the reason. Once the session failed or was closed, bytes are ignored.
   */
  receive(bytes: Buffer): void {
    if (this.#state === 'closed') return;
    try {
      let rest = bytes;
      if (this.#handshake !== null) {
        const progress = this.#handshake.receive(bytes);
        this.#channel.countReceived(bytes.length - progress.rest.length);
        if (progress.output !== null) this.#options.send(progress.output);
        if (!progress.done) return;
        this.#handshakeInfo = this.#handshake.info;
        this.#handshake = null;
        this.#state = 'connecting';
        rest = progress.rest;
      }
      if (rest.length > 0) this.#channel.receive(rest);
    } catch (error) {
      this.#state = 'closed';
      throw error;
    }
  }

  /** Refuses the connect being reported to onConnect (call it from there): _error NetConnection.Connect.Rejected. */
  rejectConnect(description: string): void {
    if (this.#state !== 'connecting') return;
    this.#write(replyMessage('_error', this.#connectTransaction, null, [{
      level: 'error', code: 'NetConnection.Connect.Rejected', description,
    }], 0, this.#amf3));
    this.#state = 'closed';
  }

  /** Answers a pending publish with NetStream.Publish.Start. A no-op if the stream no longer waits for one. */
  acceptPublish(streamId: number): void {
    const stream = this.#pending(streamId, 'publish-pending');
    if (stream === undefined) return;
    stream.role = 'publishing';
    this.sendStatus(streamId, 'status', 'NetStream.Publish.Start', `${stream.name} is now published.`);
  }

  /** Refuses a pending publish, e.g. with 'NetStream.Publish.BadName' (name in use) or '...Publish.Denied'. */
  rejectPublish(streamId: number, code: string, description: string): void {
    const stream = this.#pending(streamId, 'publish-pending');
    if (stream === undefined) return;
    stream.role = 'idle';
    this.sendStatus(streamId, 'error', code, description);
  }

  /**
   * Starts a pending play: Stream Begin, Play.Reset (if asked), Play.Start, |RtmpSampleAccess.
   * No `onStatus NetStream.Data.Start` data message: ffmpeg's FLV demuxer turns any data
   * message it does not know into a stray data stream, which players then have to ignore.
   */
  acceptPlay(streamId: number): void {
    const stream = this.#pending(streamId, 'play-pending');
    if (stream === undefined) return;
    stream.role = 'playing';
    this.sendUserControl('stream-begin', streamId);
    if (stream.reset) this.sendStatus(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${stream.name}.`);
    this.sendStatus(streamId, 'status', 'NetStream.Play.Start', `Started playing ${stream.name}.`);
    // Lets Flash players read pixels and samples; ignored by everything else.
    this.#write(dataMessage(['|RtmpSampleAccess', true, true], { messageStreamId: streamId }));
  }

  /** Refuses a pending play, e.g. with 'NetStream.Play.StreamNotFound'. */
  rejectPlay(streamId: number, code: string, description: string): void {
    const stream = this.#pending(streamId, 'play-pending');
    if (stream === undefined) return;
    stream.role = 'idle';
    this.sendStatus(streamId, 'error', code, description);
  }

  /** Ends an accepted play from the server side: Stream EOF and NetStream.Play.Stop. onStopPlay is not called. */
  endPlay(streamId: number, description: string): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined || stream.role !== 'playing') return;
    stream.role = 'idle';
    this.sendUserControl('stream-eof', streamId);
    this.sendStatus(streamId, 'status', 'NetStream.Play.Stop', description);
  }

  /** onStatus on a message stream, e.g. NetStream.Play.UnpublishNotify / NetStream.Play.PublishNotify. */
  sendStatus(streamId: number, level: StatusLevel, code: string, description: string): void {
    this.#write(statusMessage(streamId, { level, code, description }, this.#amf3));
  }

  sendUserControl(event: StreamEventName, streamId: number): void {
    this.#write(userControlMessage({ event, streamId }));
  }

  /** User Control Ping Request; the client's Ping Response arrives at onPong. */
  pingRequest(timestamp: number): void {
    this.#write(userControlMessage({ event: 'ping-request', timestamp }));
  }

  /** Any message through the session's own (type-0) encoder, on the chunk stream of its type. */
  sendMessage(message: RtmpMessage): void {
    if (message.typeId === MessageType.SetChunkSize) this.#channel.setOutChunkSize(decodeSetChunkSize(message));
    else this.#write(message);
  }

  /** Marks the session closed (the socket went away); later bytes are ignored. Fires no callbacks. */
  close(): void {
    this.#state = 'closed';
  }

  #write(message: RtmpMessage): void {
    this.#channel.write(message, chunkStreamFor(message.typeId));
  }

  #pending(streamId: number, role: StreamRole): NetStream | undefined {
    const stream = this.#streams.get(streamId);
    return stream?.role === role ? stream : undefined;
  }

  #onMessage(message: DecodedMessage): void {
    // rejectConnect() inside onConnect closes the session while the rest of that read is still being parsed.
    if (this.#state === 'closed') return;
    switch (message.kind) {
      case 'command':
        this.#onCommand(message.command, message.message);
        return;
      case 'media':
        if (this.#state !== 'connected') {
          throw new RtmpError('protocol-violation', `type-${message.messages[0]?.typeId} media message before connect`);
        }
        for (const media of message.messages) {
          // Media on a stream that is not publishing (yet) is dropped, as every server does.
          if (this.#streams.get(media.messageStreamId)?.role === 'publishing') this.#options.onMedia(media.messageStreamId, media);
        }
        return;
      case 'user-control':
        if (message.control.event === 'ping-response') this.#options.onPong?.(message.control.timestamp);
        return;
      default:
        return;
    }
  }

  #onCommand(command: Command, message: RtmpMessage): void {
    const streamId = message.messageStreamId;
    if (command.name === 'connect') {
      this.#connect(command, message);
      return;
    }
    if (this.#state !== 'connected') {
      throw new RtmpError('protocol-violation', `command ${command.name} before connect`);
    }
    const [first, second, third, fourth] = command.args;
    switch (command.name) {
      case 'createStream':
        this.#reply(command, null, [this.#createStream().id]);
        return;
      case 'releaseStream':
        this.#reply(command, null, []);
        return;
      case 'FCPublish':
        // OBS and ffmpeg ignore the content; Flash-era encoders wait for onFCPublish (nginx-rtmp sends it, SRS a _result).
        this.#write(commandMessage({ name: 'onFCPublish', transactionId: 0, commandObject: null, args: [
          { code: 'NetStream.Publish.Start', description: typeof first === 'string' ? first : '' },
        ] }, { amf3: this.#amf3 }));
        this.#reply(command, null, []);
        return;
      case 'FCUnpublish':
        this.#fcUnpublish(typeof first === 'string' ? first : '');
        this.#reply(command, null, []);
        return;
      case 'publish':
        this.#publish(this.#streamOn(streamId, command.name), first, second);
        return;
      case 'play':
        this.#play(this.#streamOn(streamId, command.name), first, second, third, fourth);
        return;
      case 'pause':
        this.#pause(streamId, first === true, typeof second === 'number' ? second : 0);
        return;
      case 'receiveAudio':
      case 'receiveVideo':
        if (this.#streams.has(streamId)) {
          if (command.name === 'receiveAudio') this.#options.onReceiveAudio?.(streamId, first !== false);
          else this.#options.onReceiveVideo?.(streamId, first !== false);
        }
        return;
      case 'deleteStream': {
        const id = typeof first === 'number' ? first : streamId;
        const stream = this.#streams.get(id);
        if (stream !== undefined) {
          this.#stop(stream);
          this.#streams.delete(id);
        }
        return;
      }
      case 'closeStream': {
        const stream = this.#streams.get(streamId);
        if (stream !== undefined) this.#stop(stream);
        return;
      }
      case 'getStreamLength':
        this.#reply(command, null, [0]);
        return;
      default:
        // Unknown calls (_checkbw, FCSubscribe...) get an empty _result so clients waiting on them go on.
        if (!UNANSWERED.has(command.name)) this.#reply(command, null, []);
    }
  }

  #reply(command: Command, commandObject: Amf0Value, args: Amf0Value[]): void {
    if (command.transactionId === 0) return;
    this.#write(replyMessage('_result', command.transactionId, commandObject, args, 0, this.#amf3));
  }

  #connect(command: Command, message: RtmpMessage): void {
    if (this.#state !== 'connecting') throw new RtmpError('protocol-violation', 'second connect on one connection');
    const commandObject = command.commandObject;
    if (commandObject === null || typeof commandObject !== 'object' || Array.isArray(commandObject) || commandObject instanceof Date) {
      throw new RtmpError('bad-command', 'connect without a command object');
    }
    const properties = commandObject as Record<string, unknown>;
    this.#amf3 = message.typeId === MessageType.CommandAmf3;
    this.#connectTransaction = command.transactionId;
    this.#options.onConnect({ ...connectTarget(properties), commandObject: properties, args: command.args });
    if (this.#state !== 'connecting') return;
    this.#state = 'connected';
    this.#channel.announceWindow(this.#windowAckSize);
    this.#write(setPeerBandwidthMessage(this.#windowAckSize, PeerBandwidthLimit.Dynamic));
    this.#channel.setOutChunkSize(this.#chunkSize);
    this.#write(replyMessage('_result', command.transactionId, { ...SERVER_PROPERTIES }, [{
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
      objectEncoding: typeof properties.objectEncoding === 'number' ? properties.objectEncoding : 0,
    }], 0, this.#amf3));
    this.#write(commandMessage({ name: 'onBWDone', transactionId: 0, commandObject: null, args: [] }, { amf3: this.#amf3 }));
  }

  #createStream(): NetStream {
    if (this.#streams.size >= this.#maxStreams) {
      throw new RtmpError('too-many-streams', `client holds ${this.#streams.size} message streams; the limit is ${this.#maxStreams}`);
    }
    while (this.#streams.has(this.#nextStreamId)) this.#nextStreamId += 1;
    const stream: NetStream = { id: this.#nextStreamId++, role: 'idle', name: '', reset: true };
    this.#streams.set(stream.id, stream);
    return stream;
  }

  /** The stream a publish/play arrived on. Clients that skip createStream get one implicitly (same limit). */
  #streamOn(streamId: number, commandName: string): NetStream {
    if (streamId === 0) throw new RtmpError('protocol-violation', `${commandName} on message stream 0 (the NetConnection)`);
    const existing = this.#streams.get(streamId);
    if (existing !== undefined) return existing;
    this.#nextStreamId = streamId;
    return this.#createStream();
  }

  #publish(stream: NetStream, nameArg: Amf0Value, typeArg: Amf0Value): void {
    const { name, query } = splitQuery(typeof nameArg === 'string' ? nameArg : '');
    if (name === '') {
      this.sendStatus(stream.id, 'error', 'NetStream.Publish.BadName', 'publish needs a stream name');
      return;
    }
    if (stream.role !== 'idle') {
      this.sendStatus(stream.id, 'error', 'NetStream.Publish.BadName', `stream ${stream.id} is busy (${stream.role})`);
      return;
    }
    stream.role = 'publish-pending';
    stream.name = name;
    this.#options.onPublish({ streamId: stream.id, name, query, type: typeof typeArg === 'string' && typeArg !== '' ? typeArg : 'live' });
  }

  #play(stream: NetStream, nameArg: Amf0Value, startArg: Amf0Value, durationArg: Amf0Value, resetArg: Amf0Value): void {
    const { name, query } = splitQuery(typeof nameArg === 'string' ? nameArg : '');
    if (name === '') {
      this.sendStatus(stream.id, 'error', 'NetStream.Play.StreamNotFound', 'play needs a stream name');
      return;
    }
    if (stream.role === 'publishing' || stream.role === 'publish-pending') {
      this.sendStatus(stream.id, 'error', 'NetStream.Play.Failed', `stream ${stream.id} is publishing`);
      return;
    }
    // A second play on a stream replaces the first, as in Flash's NetStream.play().
    this.#stop(stream);
    const reset = typeof resetArg === 'boolean' ? resetArg : typeof resetArg === 'number' ? resetArg !== 0 : true;
    stream.role = 'play-pending';
    stream.name = name;
    stream.reset = reset;
    this.#options.onPlay({
      streamId: stream.id,
      name,
      query,
      start: typeof startArg === 'number' ? startArg : -2,
      duration: typeof durationArg === 'number' ? durationArg : -1,
      reset,
    });
  }

  #pause(streamId: number, paused: boolean, position: number): void {
    if (!this.#streams.has(streamId)) return;
    this.#options.onPause?.(streamId, paused, position);
    this.sendStatus(streamId, 'status', paused ? 'NetStream.Pause.Notify' : 'NetStream.Unpause.Notify', paused ? 'Paused.' : 'Unpaused.');
  }

  #fcUnpublish(nameArg: string): void {
    const { name } = splitQuery(nameArg);
    for (const stream of this.#streams.values()) {
      if ((stream.role === 'publishing' || stream.role === 'publish-pending') && stream.name === name) this.#stop(stream);
    }
    this.#write(commandMessage({ name: 'onFCUnpublish', transactionId: 0, commandObject: null, args: [
      { code: 'NetStream.Unpublish.Success', description: nameArg },
    ] }, { amf3: this.#amf3 }));
  }

  /** Ends whatever the stream does, telling the server through the matching callback. */
  #stop(stream: NetStream): void {
    const role = stream.role;
    stream.role = 'idle';
    if (role === 'publishing' || role === 'publish-pending') {
      if (role === 'publishing') this.sendStatus(stream.id, 'status', 'NetStream.Unpublish.Success', `${stream.name} is now unpublished.`);
      this.#options.onUnpublish(stream.id);
    } else if (role === 'playing' || role === 'play-pending') {
      this.#options.onStopPlay(stream.id);
    }
  }
}
