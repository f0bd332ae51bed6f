// Big-endian field readers shared by the tag and codec parsers. Callers check bounds first;
// these never allocate.

export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function readU24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Signed 24-bit (FLV CompositionTime). */
export function readS24(b: Uint8Array, o: number): number {
  return (readU24(b, o) << 8) >> 8;
}

/** A FourCC as its four ASCII characters (e.g. "hvc1"). */
export function readFourCc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

/** The number E-RTMP puts in onMetaData's videocodecid/audiocodecid for a FourCC ("Opus" -> 0x4F707573). */
export function fourCcToNumber(fourCc: string): number {
  let n = 0;
  for (let i = 0; i < 4; i++) n = n * 256 + (fourCc.charCodeAt(i) & 0xff);
  return n;
}

export function numberToFourCc(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
