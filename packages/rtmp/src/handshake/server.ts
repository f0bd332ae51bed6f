// Server side of the handshake: C0+C1 in, S0+S1+S2 out in one write (as every deployed server does), then C2 in.
// A C1 with a non-zero version and a digest that verifies under either schema gets the complex answer; anything
// else gets the simple one (the fallback SRS and nginx-rtmp use), so old encoders that fill the version field
// without a digest still connect. C2 is classified but never rejected: ffmpeg and librtmp echo S1, GStreamer's
// rtmp2 sends its own bytes, Flash signs it.

import { randomBytes } from 'node:crypto';
import { RtmpError } from '../errors.ts';
import { PacketAccumulator } from './accumulator.ts';
import {
  HANDSHAKE_SIZE, PLAYER_FULL_KEY, PLAYER_KEY, SERVER_FULL_KEY, SERVER_KEY,
  findDigest, imprintDigest, signResponse, verifyResponse,
} from './digest.ts';
import { RTMP_VERSION } from './types.ts';
import type { HandshakeInfo, HandshakeProgress, RandomSource, ResponseKind } from './types.ts';

/**
 * Version written in a complex S1. The first byte must be >= 3: ffmpeg only checks S1's digest (and so only
 * signs C2) when it is, and a server with a valid digest loses nothing by being checked. 4.5.0.1 reads like FMS.
 */
export const SERVER_HANDSHAKE_VERSION = 0x04050001;

export interface ServerHandshakeOptions {
  /** Source of the random filler; injectable so tests can build byte-exact vectors. */
  randomBytes?: RandomSource;
}

const NO_BYTES = Buffer.alloc(0);

export class ServerHandshake {
  readonly #random: RandomSource;
  readonly #accumulator = new PacketAccumulator();
  #stage: 'c0c1' | 'c2' | 'done' = 'c0c1';
  #s1: Buffer | null = null;
  #s1Digest: Buffer | null = null;
  #info: HandshakeInfo = { mode: 'simple', schema: null, responseKind: null };

  constructor(options: ServerHandshakeOptions = {}) {
    this.#random = options.randomBytes ?? randomBytes;
  }

  get done(): boolean {
    return this.#stage === 'done';
  }

  /** Mode chosen from C1, the digest schema, and what kind of C2 came back. */
  get info(): Readonly<HandshakeInfo> {
    return this.#info;
  }

  /** Feeds bytes from the client; throws RtmpError('handshake-failed') on a C0 that is not plain RTMP. */
  receive(bytes: Buffer): HandshakeProgress {
    let output: Buffer | null = null;
    let offset = 0;
    if (this.#stage === 'c0c1') {
      const { packet, consumed } = this.#accumulator.take(bytes, 1 + HANDSHAKE_SIZE);
      offset = consumed;
      if (packet === null) return { output: null, done: false, rest: NO_BYTES };
      output = this.#answerC0C1(packet);
      this.#stage = 'c2';
    }
    if (this.#stage === 'c2') {
      const { packet, consumed } = this.#accumulator.take(bytes.subarray(offset), HANDSHAKE_SIZE);
      offset += consumed;
      if (packet === null) return { output, done: false, rest: NO_BYTES };
      this.#info = { ...this.#info, responseKind: this.#classifyC2(packet) };
      this.#s1 = null;
      this.#stage = 'done';
    }
    return { output, done: true, rest: bytes.subarray(offset) };
  }

  #answerC0C1(packet: Buffer): Buffer {
    const version = packet[0];
    if (version !== RTMP_VERSION) {
      const hint = version === 6 || version === 8 || version === 9 ? ' (RTMPE is not supported)' : '';
      throw new RtmpError('handshake-failed', `C0 announces RTMP version ${version}, expected ${RTMP_VERSION}${hint}`);
    }
    const c1 = packet.subarray(1);
    const found = c1.readUInt32BE(4) === 0 ? null : findDigest(c1, PLAYER_KEY);
    const s1 = this.#random(HANDSHAKE_SIZE);
    s1.writeUInt32BE(0, 0);
    let s2: Buffer;
    if (found === null) {
      // Simple: version 0 (so ffmpeg will not look for a digest), S2 echoes C1 as the spec asks.
      s1.writeUInt32BE(0, 4);
      s2 = Buffer.from(c1);
      this.#info = { mode: 'simple', schema: null, responseKind: null };
    } else {
      s1.writeUInt32BE(SERVER_HANDSHAKE_VERSION, 4);
      this.#s1Digest = imprintDigest(s1, found.schema, SERVER_KEY);
      s2 = this.#random(HANDSHAKE_SIZE);
      signResponse(s2, found.digest, SERVER_FULL_KEY);
      this.#info = { mode: 'complex', schema: found.schema, responseKind: null };
    }
    this.#s1 = s1;
    return Buffer.concat([Buffer.from([RTMP_VERSION]), s1, s2]);
  }

  #classifyC2(c2: Buffer): ResponseKind {
    if (this.#s1Digest !== null && verifyResponse(c2, this.#s1Digest, PLAYER_FULL_KEY)) return 'digest';
    // Time fields (bytes 0-7) are allowed to differ in an echo.
    if (this.#s1 !== null && c2.subarray(8).equals(this.#s1.subarray(8))) return 'echo';
    return 'other';
  }
}
