import type { DigestSchema } from './digest.ts';

/** RTMP over plain TCP. 6, 8 and 9 announce RTMPE (encrypted), which livelink does not speak. */
export const RTMP_VERSION = 3;

/** What one call to a handshake's `receive` produced. */
export interface HandshakeProgress {
  /** Bytes to write to the peer now (S0+S1+S2 on the server, C2 on the client), if any. */
  output: Buffer | null;
  /** True once the handshake is over; from then on bytes belong to the chunk stream. */
  done: boolean;
  /** Bytes received after the end of the handshake (the start of the chunk stream); empty unless `done`. */
  rest: Buffer;
}

export type HandshakeMode = 'simple' | 'complex';

/** How the peer's C2/S2 related to what we sent. Recorded, never enforced: real clients disagree (see README). */
export type ResponseKind = 'digest' | 'echo' | 'other';

export interface HandshakeInfo {
  mode: HandshakeMode;
  /** Digest layout used (complex mode only). */
  schema: DigestSchema | null;
  /** The peer's C2 (server side) or S2 (client side). */
  responseKind: ResponseKind | null;
}

export type RandomSource = (size: number) => Buffer;
