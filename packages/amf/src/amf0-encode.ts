import { Amf3Encoder } from './amf3-encode.ts';
import { AmfEncodeError } from './errors.ts';
import { Amf0Marker } from './markers.ts';
import { isPlainObject } from './properties.ts';
import { utf8Length } from './utf8.ts';
import type { AmfWriter } from './writer.ts';
import { AmfAvmPlus, AmfEcmaArray, AmfTypedObject, AmfXmlDocument, type Amf0Value } from './values.ts';

const U16_MAX = 0xffff;

/** AMF0 encoder for one message. */
export class Amf0Encoder {
  readonly #writer: AmfWriter;
  /**
   * Complex values currently being written, by the reference index the decoder will give them. Only a
   * cycle is written as a reference: librtmp (OBS) and ports of it fail on the 0x07 marker, so a value
   * merely repeated is written again in full, which every decoder reads.
   */
  readonly #inProgress = new Map<object, number>();
  #complexCount = 0;
  #amf3: Amf3Encoder | undefined;

  constructor(writer: AmfWriter) {
    this.#writer = writer;
  }

  writeValue(value: Amf0Value): void {
    const writer = this.#writer;
    switch (typeof value) {
      case 'number':
        writer.u8(Amf0Marker.number); // AMF0 has one number type: always a double
        writer.f64(value);
        return;
      case 'boolean':
        writer.u8(Amf0Marker.boolean);
        writer.u8(value ? 1 : 0);
        return;
      case 'string':
        this.#writeString(value);
        return;
      case 'undefined':
        writer.u8(Amf0Marker.undefined);
        return;
      case 'object':
        if (value === null) writer.u8(Amf0Marker.null);
        else this.#writeObjectValue(value);
        return;
      default:
        throw new AmfEncodeError('unsupported-value', `a ${typeof value} has no AMF0 encoding`);
    }
  }

  #writeString(text: string): void {
    const writer = this.#writer;
    const byteLength = utf8Length(text);
    if (byteLength <= U16_MAX) {
      writer.u8(Amf0Marker.string);
      writer.u16(byteLength);
    } else {
      writer.u8(Amf0Marker.longString);
      writer.u32(byteLength);
    }
    writer.utf8(text, byteLength);
  }

  /** UTF-8 with a 16-bit length: object keys and class names, which have no long form. */
  #writeShortUtf8(text: string, what: string): void {
    const byteLength = utf8Length(text);
    if (byteLength > U16_MAX) {
      throw new AmfEncodeError('string-too-long', `${what} of ${byteLength} bytes exceeds AMF0's 65535-byte limit`);
    }
    this.#writer.u16(byteLength);
    this.#writer.utf8(text, byteLength);
  }

  #writeObjectValue(value: object): void {
    const writer = this.#writer;
    if (value instanceof Date) {
      writer.u8(Amf0Marker.date);
      writer.f64(value.getTime());
      writer.u16(0); // time zone: reserved, written as 0 per the spec
    } else if (value instanceof AmfXmlDocument) {
      const byteLength = utf8Length(value.xml);
      writer.u8(Amf0Marker.xmlDocument);
      writer.u32(byteLength);
      writer.utf8(value.xml, byteLength);
    } else if (value instanceof AmfAvmPlus) {
      writer.u8(Amf0Marker.avmPlus);
      (this.#amf3 ??= new Amf3Encoder(writer)).writeValue(value.value);
    } else if (Array.isArray(value) || value instanceof AmfEcmaArray || value instanceof AmfTypedObject || isPlainObject(value)) {
      this.#writeComplex(value);
    } else {
      const name = (value.constructor as { name?: string } | undefined)?.name ?? 'object';
      throw new AmfEncodeError('unsupported-value', `${name} is not an AMF0 value`);
    }
  }

  #writeComplex(value: Amf0Value[] | AmfEcmaArray | AmfTypedObject | Record<string, unknown>): void {
    const writer = this.#writer;
    const cycleIndex = this.#inProgress.get(value);
    if (cycleIndex !== undefined) {
      if (cycleIndex > U16_MAX) {
        throw new AmfEncodeError('too-many-references', `cyclic value is complex value ${cycleIndex}; AMF0 references stop at 65535`);
      }
      writer.u8(Amf0Marker.reference);
      writer.u16(cycleIndex);
      return;
    }
    this.#inProgress.set(value, this.#complexCount++);
    writer.enter();
    if (Array.isArray(value)) {
      writer.u8(Amf0Marker.strictArray);
      writer.u32(value.length);
      for (let i = 0; i < value.length; i++) this.writeValue(value[i]);
    } else if (value instanceof AmfEcmaArray) {
      const keys = Object.keys(value.properties);
      writer.u8(Amf0Marker.ecmaArray);
      writer.u32(keys.length);
      this.#writeProperties(value.properties, keys);
    } else if (value instanceof AmfTypedObject) {
      writer.u8(Amf0Marker.typedObject);
      this.#writeShortUtf8(value.className, 'class name');
      this.#writeProperties(value.properties, Object.keys(value.properties));
    } else {
      writer.u8(Amf0Marker.object);
      this.#writeProperties(value as Record<string, Amf0Value>, Object.keys(value));
    }
    writer.leave();
    this.#inProgress.delete(value);
  }

  #writeProperties(properties: Record<string, Amf0Value>, keys: readonly string[]): void {
    for (const key of keys) {
      this.#writeShortUtf8(key, 'object key');
      this.writeValue(properties[key]);
    }
    this.#writer.u16(0);
    this.#writer.u8(Amf0Marker.objectEnd);
  }
}
