import { Amf3Decoder } from './amf3-decode.ts';
import { Amf0Marker } from './markers.ts';
import type { AmfDecodeOptions } from './options.ts';
import { setProperty } from './properties.ts';
import type { AmfReader } from './reader.ts';
import { AmfAvmPlus, AmfEcmaArray, AmfTypedObject, AmfXmlDocument, type Amf0Value } from './values.ts';

/**
 * AMF0 decoder for one message. Complex values (object, typed object, ECMA array, strict array) enter the
 * reference table before their members are read, so a reference back to a value still being decoded —
 * a cycle — resolves to that same value and is never followed.
 */
export class Amf0Decoder {
  readonly #reader: AmfReader;
  readonly #options: AmfDecodeOptions;
  readonly #references: Amf0Value[] = [];
  /** AVM+ values in one message share AMF3 reference tables (AMF3 spec 4.1), so one decoder serves them all. */
  #amf3: Amf3Decoder | undefined;

  constructor(reader: AmfReader, options: AmfDecodeOptions) {
    this.#reader = reader;
    this.#options = options;
  }

  readValue(): Amf0Value {
    const reader = this.#reader;
    reader.countValue();
    const marker = reader.u8('AMF0 type marker');
    switch (marker) {
      case Amf0Marker.number:
        return reader.f64('AMF0 number');
      case Amf0Marker.boolean:
        return reader.u8('AMF0 boolean') !== 0;
      case Amf0Marker.string:
        return reader.utf8(reader.u16('AMF0 string length'), 'AMF0 string');
      case Amf0Marker.object: {
        const properties: Record<string, Amf0Value> = {};
        return this.#readComplex(properties, properties, 'AMF0 object');
      }
      case Amf0Marker.null:
        return null;
      case Amf0Marker.undefined:
        return undefined;
      case Amf0Marker.reference:
        return this.#readReference();
      case Amf0Marker.ecmaArray: {
        // The count is only a hint: ffmpeg and others write counts that disagree with the entries, and
        // the 00 00 09 end marker is what delimits the array. Nothing is allocated from it.
        reader.u32('AMF0 ECMA array count');
        const properties: Record<string, Amf0Value> = {};
        return this.#readComplex(new AmfEcmaArray(properties), properties, 'AMF0 ECMA array');
      }
      case Amf0Marker.strictArray:
        return this.#readStrictArray();
      case Amf0Marker.date: {
        const date = new Date(reader.f64('AMF0 date'));
        reader.skip(2, 'AMF0 date time zone'); // reserved; the spec says not to use it
        return date;
      }
      case Amf0Marker.longString:
        return reader.utf8(reader.u32('AMF0 long string length'), 'AMF0 long string');
      case Amf0Marker.xmlDocument:
        return new AmfXmlDocument(reader.utf8(reader.u32('AMF0 XML document length'), 'AMF0 XML document'));
      case Amf0Marker.typedObject: {
        const className = reader.utf8(reader.u16('AMF0 class name length'), 'AMF0 class name');
        const properties: Record<string, Amf0Value> = {};
        return this.#readComplex(new AmfTypedObject(className, properties), properties, 'AMF0 typed object');
      }
      case Amf0Marker.avmPlus:
        return new AmfAvmPlus((this.#amf3 ??= new Amf3Decoder(reader, this.#options)).readValue());
      case Amf0Marker.objectEnd:
        reader.pos--;
        return reader.fail('unexpected-object-end', 'AMF0 object-end marker outside an object');
      case Amf0Marker.movieClip:
      case Amf0Marker.recordSet:
      case Amf0Marker.unsupported:
        reader.pos--;
        return reader.fail('unsupported-type', `AMF0 type 0x${marker.toString(16).padStart(2, '0')} (reserved/unsupported) cannot be decoded`);
      default:
        reader.pos--;
        return reader.fail('unknown-marker', `unknown AMF0 type marker 0x${marker.toString(16).padStart(2, '0')}`);
    }
  }

  #readReference(): Amf0Value {
    const index = this.#reader.u16('AMF0 reference');
    if (index >= this.#references.length) {
      this.#reader.fail('bad-reference', `AMF0 reference ${index} but only ${this.#references.length} complex values precede it`);
    }
    return this.#references[index];
  }

  #readStrictArray(): Amf0Value[] {
    const reader = this.#reader;
    const count = reader.u32('AMF0 strict array count');
    reader.need(count, 'AMF0 strict array'); // each value takes at least its marker byte
    reader.enter();
    const values: Amf0Value[] = [];
    this.#references.push(values);
    for (let i = 0; i < count; i++) values.push(this.readValue());
    reader.leave();
    return values;
  }

  /** `what` names the container in error messages. Registers `value`, then fills `properties` with key/value pairs up to the object-end marker. */
  #readComplex<T extends Amf0Value>(value: T, properties: Record<string, Amf0Value>, what: string): T {
    const reader = this.#reader;
    reader.enter();
    this.#references.push(value);
    for (;;) {
      // ffmpeg and old Flash encoders may end a message without the final 00 00 09. Accepting the end of
      // the bytes as the end of the outermost object loses nothing (no bytes follow it); for nested
      // objects it would hide a real truncation, so they still need their marker.
      if (reader.remaining === 0 && reader.atOutermost) break;
      const key = reader.utf8(reader.u16(what), what);
      if (key === '') {
        reader.need(1, what);
        if (reader.bytes[reader.pos] === Amf0Marker.objectEnd) {
          reader.pos++;
          break;
        }
      }
      setProperty(properties, key, this.readValue());
    }
    reader.leave();
    return value;
  }
}
