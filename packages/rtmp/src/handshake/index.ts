export { ServerHandshake, SERVER_HANDSHAKE_VERSION } from './server.ts';
export type { ServerHandshakeOptions } from './server.ts';
export { ClientHandshake, CLIENT_HANDSHAKE_VERSION } from './client.ts';
export type { ClientHandshakeOptions } from './client.ts';
export { HANDSHAKE_SIZE, findDigest, digestPosition } from './digest.ts';
export type { DigestSchema } from './digest.ts';
export { RTMP_VERSION } from './types.ts';
export type { HandshakeInfo, HandshakeMode, HandshakeProgress, ResponseKind } from './types.ts';
