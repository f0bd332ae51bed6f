// @livelink/amf — AMF0 and AMF3 codec. Pure functions over Uint8Array: runs in Node and browsers.

import { Amf0Decoder } from './amf0-decode.ts';
import { Amf0Encoder } from './amf0-encode.ts';
import { Amf3Decoder } from './amf3-decode.ts';
import { Amf3Encoder } from './amf3-encode.ts';
import { resolveMaxDepth, type AmfDecodeOptions, type AmfEncodeOptions } from './options.ts';
import { AmfReader } from './reader.ts';
import type { Amf0Value, Amf3Value } from './values.ts';
import { encodeWith } from './writer.ts';

export { AmfDecodeError, AmfEncodeError, type AmfDecodeErrorCode, type AmfEncodeErrorCode } from './errors.ts';
export {
  DEFAULT_MAX_DEPTH,
  MAX_ALLOWED_DEPTH,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type Amf3ExternalInput,
  type Amf3ExternalizableReader,
} from './options.ts';
export { Amf0Marker, Amf3Marker } from './markers.ts';
export {
  Amf3Array,
  Amf3Dictionary,
  Amf3Object,
  Amf3Vector,
  Amf3Xml,
  AmfAvmPlus,
  AmfEcmaArray,
  AmfTypedObject,
  AmfXmlDocument,
  type Amf0Object,
  type Amf0Value,
  type Amf3ObjectTraits,
  type Amf3Value,
  type Amf3VectorKind,
} from './values.ts';

/** Encodes `values` back to back, as in an RTMP command (name, transaction id, command object, args…). */
export function encodeAmf0(values: readonly Amf0Value[], options: AmfEncodeOptions = {}): Uint8Array {
  return encodeWith(resolveMaxDepth(options.maxDepth), (writer) => {
    const encoder = new Amf0Encoder(writer);
    for (const value of values) encoder.writeValue(value);
  });
}

/** Decodes every value in `bytes` (one message: AMF0 and AVM+ reference tables span all of them). */
export function decodeAmf0(bytes: Uint8Array, options: AmfDecodeOptions = {}): Amf0Value[] {
  const reader = new AmfReader(bytes, 0, options);
  const decoder = new Amf0Decoder(reader, options);
  const values: Amf0Value[] = [];
  while (reader.remaining > 0) values.push(decoder.readValue());
  return values;
}

/** Decodes the one value at `offset`; `offset` in the result is where the next value starts. */
export function decodeAmf0Value(
  bytes: Uint8Array,
  offset: number,
  options: AmfDecodeOptions = {},
): { value: Amf0Value; offset: number } {
  const reader = new AmfReader(bytes, offset, options);
  const value = new Amf0Decoder(reader, options).readValue();
  return { value, offset: reader.pos };
}

/** Encodes one AMF3 value with fresh reference tables. */
export function encodeAmf3(value: Amf3Value, options: AmfEncodeOptions = {}): Uint8Array {
  return encodeWith(resolveMaxDepth(options.maxDepth), (writer) => new Amf3Encoder(writer).writeValue(value));
}

/**
 * Decodes every AMF3 value in `bytes` as one message: the string, object and traits tables span all of
 * them, as AMF3 spec 4.1 prescribes. Separately encoded values need separate calls.
 */
export function decodeAmf3(bytes: Uint8Array, options: AmfDecodeOptions = {}): Amf3Value[] {
  const reader = new AmfReader(bytes, 0, options);
  const decoder = new Amf3Decoder(reader, options);
  const values: Amf3Value[] = [];
  while (reader.remaining > 0) values.push(decoder.readValue());
  return values;
}
