// ISO BMFF box writing (ISO/IEC 14496-12 4.2): a box is a 32-bit size, a FourCC and its payload; a
// full box adds a version byte and 24 flag bits. Boxes here are built bottom-up from their parts:
// init segments and moof boxes are a few hundred bytes, so the copies cost nothing that matters.
import { FlvError } from '../../errors.ts';

export type BoxPart = Uint8Array | readonly BoxPart[];

function partLength(part: BoxPart): number {
  if (part instanceof Uint8Array) return part.length;
  let length = 0;
  for (const child of part) length += partLength(child);
  return length;
}

function writePart(target: Uint8Array, offset: number, part: BoxPart): number {
  if (part instanceof Uint8Array) {
    target.set(part, offset);
    return offset + part.length;
  }
  for (const child of part) offset = writePart(target, offset, child);
  return offset;
}

/** The parts as one array. */
export function flatten(part: BoxPart): Uint8Array {
  if (part instanceof Uint8Array) return part;
  const out = new Uint8Array(partLength(part));
  writePart(out, 0, part);
  return out;
}

export function box(type: string, ...parts: BoxPart[]): Uint8Array {
  const size = 8 + partLength(parts);
  if (size > 0xffffffff) throw new FlvError('invalid-argument', `a '${type}' box of ${size} bytes needs a 64-bit size`);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  writeAscii(out, 4, type);
  writePart(out, 8, parts);
  return out;
}

export function fullBox(type: string, version: number, flags: number, ...parts: BoxPart[]): Uint8Array {
  return box(type, u32((version << 24) | flags), ...parts);
}

export function u8(value: number): Uint8Array {
  return Uint8Array.of(value);
}

export function u16(value: number): Uint8Array {
  return Uint8Array.of(value >>> 8, value);
}

export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

export function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function zeros(length: number): Uint8Array {
  return new Uint8Array(length);
}

export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  writeAscii(out, 0, text);
  return out;
}

function writeAscii(target: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i) & 0xff;
}

/** The identity transformation matrix of mvhd/tkhd (16.16 and 2.30 fixed point). */
export const UNITY_MATRIX = Uint8Array.of(
  0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0,
);
