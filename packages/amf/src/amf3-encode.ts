import { AmfEncodeError } from './errors.ts';
import { AMF3_INT_MAX, AMF3_INT_MIN, Amf3Marker, U29_PAYLOAD_MAX } from './markers.ts';
import { getOwnProperty } from './properties.ts';
import { utf8Length } from './utf8.ts';
import type { AmfWriter } from './writer.ts';
import {
  Amf3Array,
  Amf3Dictionary,
  Amf3Object,
  Amf3Vector,
  Amf3Xml,
  AmfXmlDocument,
  type Amf3Value,
} from './values.ts';

/** AMF3 encoder for one message: mirrors the decoder's string, object and traits tables. */
export class Amf3Encoder {
  readonly #writer: AmfWriter;
  readonly #strings = new Map<string, number>();
  readonly #objects = new Map<object, number>();
  readonly #traits = new Map<string, number>();

  constructor(writer: AmfWriter) {
    this.#writer = writer;
  }

  writeValue(value: Amf3Value): void {
    const writer = this.#writer;
    switch (typeof value) {
      case 'undefined':
        writer.u8(Amf3Marker.undefined);
        return;
      case 'boolean':
        writer.u8(value ? Amf3Marker.true : Amf3Marker.false);
        return;
      case 'number':
        this.#writeNumber(value);
        return;
      case 'string':
        writer.u8(Amf3Marker.string);
        this.#writeString(value);
        return;
      case 'object':
        if (value === null) writer.u8(Amf3Marker.null);
        else this.#writeComplex(value);
        return;
      default:
        throw new AmfEncodeError('unsupported-value', `a ${typeof value} has no AMF3 encoding`);
    }
  }

  #writeNumber(value: number): void {
    // -0 is an integer to JS but not to the 29-bit wire form; only a double keeps its sign.
    if (Number.isInteger(value) && value >= AMF3_INT_MIN && value <= AMF3_INT_MAX && !Object.is(value, -0)) {
      this.#writer.u8(Amf3Marker.integer);
      this.#writer.u29(value & 0x1fffffff);
    } else {
      this.#writer.u8(Amf3Marker.double);
      this.#writer.f64(value);
    }
  }

  /** Writes a U29 carrying `payload` above `flagBits` low flag bits, refusing payloads the field cannot hold. */
  #header(payload: number, flagBits: number, flags: number, what: string): void {
    if (payload > U29_PAYLOAD_MAX >> (flagBits - 1)) {
      throw new AmfEncodeError('out-of-range', `${what} of ${payload} exceeds the AMF3 limit`);
    }
    this.#writer.u29(payload * (1 << flagBits) + flags);
  }

  #writeString(text: string): void {
    if (text === '') {
      this.#writer.u29(1);
      return;
    }
    const index = this.#strings.get(text);
    if (index !== undefined) {
      this.#header(index, 1, 0, 'string reference');
      return;
    }
    this.#writeUtf8(text);
    this.#strings.set(text, this.#strings.size);
  }

  /** U29 byte length (flag 1) then the UTF-8 bytes: the inline form of strings, XML and XMLDocument. */
  #writeUtf8(text: string): void {
    const byteLength = utf8Length(text);
    if (byteLength > U29_PAYLOAD_MAX) {
      throw new AmfEncodeError('string-too-long', `a ${byteLength}-byte string exceeds AMF3's ${U29_PAYLOAD_MAX}-byte limit`);
    }
    this.#writer.u29(byteLength * 2 + 1);
    this.#writer.utf8(text, byteLength);
  }

  #writeComplex(value: object): void {
    const marker = complexMarker(value);
    const writer = this.#writer;
    writer.u8(marker);
    const index = this.#objects.get(value);
    if (index !== undefined) {
      this.#header(index, 1, 0, 'object reference');
      return;
    }
    this.#objects.set(value, this.#objects.size);
    if (Array.isArray(value)) {
      this.#writeArray(value, undefined);
    } else if (value instanceof Amf3Array) {
      this.#writeArray(value.dense, value.associative);
    } else if (value instanceof Amf3Object) {
      this.#writeObject(value);
    } else if (value instanceof Date) {
      writer.u29(1);
      writer.f64(value.getTime());
    } else if (value instanceof AmfXmlDocument || value instanceof Amf3Xml) {
      this.#writeUtf8(value.xml);
    } else if (value instanceof Uint8Array) {
      this.#header(value.byteLength, 1, 1, 'ByteArray length');
      writer.bytes(value);
    } else if (value instanceof Amf3Vector) {
      this.#writeVector(value);
    } else {
      this.#writeDictionary(value as Amf3Dictionary);
    }
  }

  #writeArray(dense: readonly Amf3Value[], associative: Record<string, Amf3Value> | undefined): void {
    const writer = this.#writer;
    this.#header(dense.length, 1, 1, 'array length');
    writer.enter();
    if (associative !== undefined) this.#writeMembers(associative, undefined, 'associative array key');
    else writer.u29(1);
    for (let i = 0; i < dense.length; i++) this.writeValue(dense[i]);
    writer.leave();
  }

  /** Name/value pairs closed by the empty string, which is why an empty name cannot be written. */
  #writeMembers(properties: Record<string, Amf3Value>, skip: ReadonlySet<string> | undefined, what: string): void {
    for (const key of Object.keys(properties)) {
      if (skip?.has(key)) continue;
      if (key === '') throw new AmfEncodeError('unsupported-value', `an empty ${what} would end the member list`);
      this.#writeString(key);
      this.writeValue(properties[key]);
    }
    this.#writer.u29(1);
  }

  #writeObject(object: Amf3Object): void {
    const { className, sealed, dynamic, properties } = object;
    const key = JSON.stringify([className, dynamic, sealed]);
    const traitsIndex = this.#traits.get(key);
    if (traitsIndex !== undefined) {
      this.#header(traitsIndex, 2, 0b01, 'traits reference');
    } else {
      // Inline traits: flags 011, then the dynamic bit, then the sealed member count.
      this.#header(sealed.length, 4, (dynamic ? 0b1000 : 0) | 0b011, 'sealed member count');
      this.#writeString(className);
      for (const name of sealed) this.#writeString(name);
      this.#traits.set(key, this.#traits.size);
    }
    const writer = this.#writer;
    writer.enter();
    for (const name of sealed) this.writeValue(getOwnProperty(properties, name));
    if (dynamic) {
      this.#writeMembers(properties, sealed.length > 0 ? new Set(sealed) : undefined, 'dynamic member name');
    } else {
      const extra = Object.keys(properties).find((name) => !sealed.includes(name));
      if (extra !== undefined) {
        throw new AmfEncodeError('unsupported-value', `property "${extra}" of sealed class "${className}" is not a sealed member`);
      }
    }
    writer.leave();
  }

  #writeVector(vector: Amf3Vector): void {
    const writer = this.#writer;
    const { kind, items } = vector;
    this.#header(items.length, 1, 1, 'Vector length');
    writer.u8(vector.fixed ? 1 : 0);
    if (kind === 'object') {
      this.#writeString(vector.typeName);
      writer.enter();
      for (const item of items) this.writeValue(item);
      writer.leave();
      return;
    }
    for (const item of items) {
      if (typeof item !== 'number' || !fitsNumericVector(kind, item)) {
        throw new AmfEncodeError('out-of-range', `${String(item)} does not fit a Vector.<${kind}>`);
      }
      if (kind === 'int') writer.i32(item);
      else if (kind === 'uint') writer.u32(item);
      else writer.f64(item);
    }
  }

  #writeDictionary(dictionary: Amf3Dictionary): void {
    const writer = this.#writer;
    this.#header(dictionary.entries.size, 1, 1, 'Dictionary size');
    writer.u8(dictionary.weakKeys ? 1 : 0);
    writer.enter();
    for (const [key, value] of dictionary.entries) {
      this.writeValue(key);
      this.writeValue(value);
    }
    writer.leave();
  }
}

function fitsNumericVector(kind: 'int' | 'uint' | 'double', item: number): boolean {
  if (kind === 'double') return true;
  if (!Number.isInteger(item)) return false;
  return kind === 'int' ? item >= -0x80000000 && item <= 0x7fffffff : item >= 0 && item <= 0xffffffff;
}

function complexMarker(value: object): number {
  if (Array.isArray(value) || value instanceof Amf3Array) return Amf3Marker.array;
  if (value instanceof Amf3Object) return Amf3Marker.object;
  if (value instanceof Date) return Amf3Marker.date;
  if (value instanceof AmfXmlDocument) return Amf3Marker.xmlDocument;
  if (value instanceof Amf3Xml) return Amf3Marker.xml;
  if (value instanceof Uint8Array) return Amf3Marker.byteArray;
  if (value instanceof Amf3Dictionary) return Amf3Marker.dictionary;
  if (value instanceof Amf3Vector) {
    switch (value.kind) {
      case 'int':
        return Amf3Marker.vectorInt;
      case 'uint':
        return Amf3Marker.vectorUint;
      case 'double':
        return Amf3Marker.vectorDouble;
      case 'object':
        return Amf3Marker.vectorObject;
    }
  }
  const name = (value.constructor as { name?: string } | undefined)?.name ?? 'null-prototype object';
  throw new AmfEncodeError('unsupported-value', `${name} is not an AMF3 value (plain objects must be wrapped in Amf3Object)`);
}
