import type { Amf3Value } from './values.ts';

export const DEFAULT_MAX_DEPTH = 64;
/** Depth is recursion: beyond this a JS engine's stack, not our check, would end the decode. */
export const MAX_ALLOWED_DEPTH = 1024;

export interface AmfDecodeOptions {
  /** Deepest container nesting accepted (a top-level object is depth 1). Default 64, at most 1024. */
  maxDepth?: number;
  /** Most values decoded in one call, nested ones included. Default: unlimited (input size bounds it). */
  maxValues?: number;
  /** Readers for AMF3 externalizable classes, by class alias; any other externalizable class is refused. */
  externalizable?: ReadonlyMap<string, Amf3ExternalizableReader>;
}

export interface AmfEncodeOptions {
  /** Deepest container nesting written; the default matches the decoder's so what we write we can read. */
  maxDepth?: number;
}

/**
 * Reads the custom body of an externalizable object. The wire carries no length, so the reader must consume
 * exactly what the class's writeExternal wrote (e.g. flex.messaging.io.ArrayCollection: `input.readValue()`).
 */
export type Amf3ExternalizableReader = (input: Amf3ExternalInput, className: string) => Amf3Value;

/** The IDataInput subset an externalizable body needs; every read is bounds-checked like the rest of AMF. */
export interface Amf3ExternalInput {
  /** The next AMF3 value, sharing the message's reference tables. */
  readValue(): Amf3Value;
  readUint8(): number;
  readUint32(): number;
  readDouble(): number;
  readBytes(length: number): Uint8Array;
}

export function resolveMaxDepth(maxDepth: number | undefined): number {
  if (maxDepth === undefined) return DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_ALLOWED_DEPTH) {
    throw new RangeError(`maxDepth must be an integer from 1 to ${MAX_ALLOWED_DEPTH}, got ${maxDepth}`);
  }
  return maxDepth;
}
