// NAL unit plumbing shared by H.264 and H.265: RBSP extraction and walking the length-prefixed
// ("AVCC"/"HVCC") layout FLV and MP4 use.

import { CodecConfigError } from '../errors.ts';

/**
 * Removes emulation-prevention bytes (the 0x03 in 00 00 03) so exp-Golomb fields read correctly.
 * Returns the input itself when there are none, which is the common case for parameter sets.
 */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  let escapes = 0;
  for (let i = 2; i < nal.length; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      escapes += 1;
      i += 1; // the byte after an escape cannot start another one (00 00 03 03 keeps the second 03)
    }
  }
  if (escapes === 0) return nal;
  const out = new Uint8Array(nal.length - escapes);
  let zeros = 0;
  let o = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out;
}

/**
 * Splits length-prefixed NAL units (each preceded by a `lengthSize`-byte big-endian size) into
 * views of `data`. Throws when a size runs past the end, so callers never emit a partial unit.
 */
export function splitLengthPrefixed(data: Uint8Array, lengthSize: number): Uint8Array[] {
  const units: Uint8Array[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + lengthSize > data.length) {
      throw new CodecConfigError('truncated', `NAL length field at byte ${offset} needs ${lengthSize} bytes, ${data.length - offset} left`);
    }
    let size = 0;
    for (let i = 0; i < lengthSize; i++) size = size * 256 + data[offset + i];
    offset += lengthSize;
    if (offset + size > data.length) {
      throw new CodecConfigError('truncated', `NAL unit of ${size} bytes at byte ${offset} runs past the end (${data.length} bytes)`);
    }
    units.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return units;
}
