// An independent reference for the Flash handshake digests, written from the published description
// (rtmp-servers.md §4.1) with node:crypto only, so the tests do not check the implementation against itself.

import { createHmac, randomBytes } from 'node:crypto';

const crud = Buffer.from('F0EEC24A8068BEE82E00D0D1029E7E576EEC5D2D29806FAB93B8E636CFEB31AE', 'hex');
export const FP_KEY = Buffer.from('Genuine Adobe Flash Player 001');
export const FMS_KEY = Buffer.from('Genuine Adobe Flash Media Server 001');
export const FP_FULL = Buffer.concat([FP_KEY, crud]);
export const FMS_FULL = Buffer.concat([FMS_KEY, crud]);

export function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Digest offset: block start + 4 + (sum of the block's first 4 bytes) % 728. Schema 0 block at 772, schema 1 at 8. */
export function referenceDigestOffset(packet: Buffer, schema: 0 | 1): number {
  const base = schema === 0 ? 772 : 8;
  return base + 4 + ((packet[base] + packet[base + 1] + packet[base + 2] + packet[base + 3]) % 728);
}

export function digestOver(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, Buffer.concat([packet.subarray(0, offset), packet.subarray(offset + 32)]));
}

/** A C1 as Flash would send it: version non-zero, digest at the schema's offset. */
export function makeComplexC1(schema: 0 | 1, version = 0x80000702): { c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(version, 4);
  const offset = referenceDigestOffset(c1, schema);
  const digest = digestOver(c1, offset, FP_KEY);
  digest.copy(c1, offset);
  return { c1, digest };
}

/** C2/S2 signature: HMAC(HMAC(fullKey, peerDigest), first 1504 bytes) in the last 32 bytes. */
export function sign(packet: Buffer, peerDigest: Buffer, fullKey: Buffer): Buffer {
  const signed = Buffer.from(packet);
  hmac(hmac(fullKey, peerDigest), signed.subarray(0, 1504)).copy(signed, 1504);
  return signed;
}

export function signatureValid(packet: Buffer, peerDigest: Buffer, fullKey: Buffer): boolean {
  return hmac(hmac(fullKey, peerDigest), packet.subarray(0, 1504)).equals(packet.subarray(1504));
}
