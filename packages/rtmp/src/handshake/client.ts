// Client side of the handshake: C0+C1 out, S0+S1 in -> C2 out, then S2 in. C2 goes out as soon as S1 is complete
// (the spec's order) rather than after S2, so a server that waits for C2 before sending S2 still works.

import { randomBytes } from 'node:crypto';
import { RtmpError } from '../errors.ts';
import { PacketAccumulator } from './accumulator.ts';
import {
  HANDSHAKE_SIZE, PLAYER_FULL_KEY, PLAYER_KEY, SERVER_FULL_KEY, SERVER_KEY,
  findDigest, imprintDigest, signResponse, verifyResponse,
} from './digest.ts';
import type { DigestSchema } from './digest.ts';
import { RTMP_VERSION } from './types.ts';
import type { HandshakeInfo, HandshakeProgress, RandomSource, ResponseKind } from './types.ts';

/** Version written in a complex C1: the one ffmpeg sends (9.0.124.2 would also do; anything non-zero works). */
export const CLIENT_HANDSHAKE_VERSION = 0x80000702;

export interface ClientHandshakeOptions {
  /** Send a digest in C1 and verify the server's S1 digest (default true, like ffmpeg and Flash). */
  complex?: boolean;
  /** Digest layout for C1 (default 1, ffmpeg's choice for plain RTMP). */
  schema?: DigestSchema;
  randomBytes?: RandomSource;
}

const NO_BYTES = Buffer.alloc(0);

export class ClientHandshake {
  readonly #random: RandomSource;
  readonly #complex: boolean;
  readonly #schema: DigestSchema;
  readonly #accumulator = new PacketAccumulator();
  #stage: 'start' | 's0s1' | 's2' | 'done' = 'start';
  #c1: Buffer | null = null;
  #c1Digest: Buffer | null = null;
  #info: HandshakeInfo;

  constructor(options: ClientHandshakeOptions = {}) {
    this.#random = options.randomBytes ?? randomBytes;
    this.#complex = options.complex ?? true;
    this.#schema = options.schema ?? 1;
    this.#info = { mode: this.#complex ? 'complex' : 'simple', schema: null, responseKind: null };
  }

  get done(): boolean {
    return this.#stage === 'done';
  }

  get info(): Readonly<HandshakeInfo> {
    return this.#info;
  }

  /** C0+C1, to be written first. */
  start(): Buffer {
    if (this.#stage !== 'start') throw new Error('ClientHandshake.start() called twice');
    const c1 = this.#random(HANDSHAKE_SIZE);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(this.#complex ? CLIENT_HANDSHAKE_VERSION : 0, 4);
    if (this.#complex) this.#c1Digest = imprintDigest(c1, this.#schema, PLAYER_KEY);
    this.#c1 = c1;
    this.#stage = 's0s1';
    return Buffer.concat([Buffer.from([RTMP_VERSION]), c1]);
  }

  /** Feeds bytes from the server; throws RtmpError('handshake-failed') on a bad S0 or an S1 digest that fails. */
  receive(bytes: Buffer): HandshakeProgress {
    if (this.#stage === 'start') throw new Error('ClientHandshake.receive() before start()');
    let output: Buffer | null = null;
    let offset = 0;
    if (this.#stage === 's0s1') {
      const { packet, consumed } = this.#accumulator.take(bytes, 1 + HANDSHAKE_SIZE);
      offset = consumed;
      if (packet === null) return { output: null, done: false, rest: NO_BYTES };
      output = this.#answerS0S1(packet);
      this.#stage = 's2';
    }
    if (this.#stage === 's2') {
      const { packet, consumed } = this.#accumulator.take(bytes.subarray(offset), HANDSHAKE_SIZE);
      offset += consumed;
      if (packet === null) return { output, done: false, rest: NO_BYTES };
      this.#info = { ...this.#info, responseKind: this.#classifyS2(packet) };
      this.#c1 = null;
      this.#stage = 'done';
    }
    return { output, done: true, rest: bytes.subarray(offset) };
  }

  #answerS0S1(packet: Buffer): Buffer {
    if (packet[0] !== RTMP_VERSION) {
      throw new RtmpError('handshake-failed', `S0 announces RTMP version ${packet[0]}, expected ${RTMP_VERSION}`);
    }
    const s1 = packet.subarray(1);
    // A server that answers a complex C1 with version 0 did the simple handshake: echo, as ffmpeg does.
    if (!this.#complex || s1.readUInt32BE(4) === 0) {
      this.#info = { mode: 'simple', schema: null, responseKind: null };
      return Buffer.from(s1);
    }
    const found = findDigest(s1, SERVER_KEY);
    if (found === null) {
      throw new RtmpError('handshake-failed', `S1 claims version 0x${s1.readUInt32BE(4).toString(16)} but carries no valid digest`);
    }
    this.#info = { mode: 'complex', schema: found.schema, responseKind: null };
    const c2 = this.#random(HANDSHAKE_SIZE);
    signResponse(c2, found.digest, PLAYER_FULL_KEY);
    return c2;
  }

  #classifyS2(s2: Buffer): ResponseKind {
    if (this.#c1Digest !== null && this.#info.mode === 'complex' && verifyResponse(s2, this.#c1Digest, SERVER_FULL_KEY)) {
      return 'digest';
    }
    if (this.#c1 !== null && s2.subarray(8).equals(this.#c1.subarray(8))) return 'echo';
    return 'other';
  }
}
