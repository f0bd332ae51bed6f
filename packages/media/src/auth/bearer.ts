// The admin API's credential: `Authorization: Bearer <token>` compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer +(\S+) *$/i;

/** True only when the header carries exactly the configured token; an empty configured token never matches. */
export function checkBearer(authorization: string | undefined, configuredToken: string): boolean {
  if (configuredToken === '' || authorization === undefined) return false;
  const presented = BEARER.exec(authorization)?.[1];
  if (presented === undefined) return false;
  // Comparing digests keeps the comparison the same length whatever was sent, so the time
  // taken says nothing about the configured token's length or prefix.
  return timingSafeEqual(sha256(presented), sha256(configuredToken));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
