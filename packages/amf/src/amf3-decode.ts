import type { Amf3ExternalInput, Amf3ExternalizableReader, AmfDecodeOptions } from './options.ts';
import { Amf3Marker } from './markers.ts';
import { setProperty } from './properties.ts';
import type { AmfReader } from './reader.ts';
import {
  Amf3Array,
  Amf3Dictionary,
  Amf3Object,
  Amf3Vector,
  Amf3Xml,
  AmfXmlDocument,
  type Amf3Value,
  type Amf3VectorKind,
} from './values.ts';

interface Traits {
  readonly className: string;
  readonly sealed: readonly string[];
  readonly dynamic: boolean;
  readonly externalizable: boolean;
}

/** Constant labels for error messages: building them per value would allocate on the hot path. */
const VECTOR_NAMES = {
  int: 'AMF3 Vector.<int>',
  uint: 'AMF3 Vector.<uint>',
  double: 'AMF3 Vector.<Number>',
  object: 'AMF3 Vector.<Object>',
} as const;

/** Object-table slot of an externalizable object whose body is still being read: it has no value yet. */
const PENDING = Symbol('pending externalizable');

/**
 * AMF3 decoder for one message: owns the three implicit reference tables (strings, objects, traits),
 * which span every value read through it.
 */
export class Amf3Decoder {
  readonly #reader: AmfReader;
  readonly #externalizable: ReadonlyMap<string, Amf3ExternalizableReader> | undefined;
  readonly #strings: string[] = [];
  readonly #objects: Array<Amf3Value | typeof PENDING> = [];
  readonly #traits: Traits[] = [];
  #externalInput: Amf3ExternalInput | undefined;

  constructor(reader: AmfReader, options: AmfDecodeOptions) {
    this.#reader = reader;
    this.#externalizable = options.externalizable;
  }

  readValue(): Amf3Value {
    const reader = this.#reader;
    reader.countValue();
    const marker = reader.u8('AMF3 type marker');
    switch (marker) {
      case Amf3Marker.undefined:
        return undefined;
      case Amf3Marker.null:
        return null;
      case Amf3Marker.false:
        return false;
      case Amf3Marker.true:
        return true;
      case Amf3Marker.integer: {
        const bits = reader.u29('AMF3 integer');
        return bits & 0x10000000 ? bits - 0x20000000 : bits; // sign-extend the 29-bit value
      }
      case Amf3Marker.double:
        return reader.f64('AMF3 double');
      case Amf3Marker.string:
        return this.#readString('AMF3 string');
      case Amf3Marker.xmlDocument:
        return this.#readXml(AmfXmlDocument, 'AMF3 XMLDocument');
      case Amf3Marker.date:
        return this.#readDate();
      case Amf3Marker.array:
        return this.#readArray();
      case Amf3Marker.object:
        return this.#readObject();
      case Amf3Marker.xml:
        return this.#readXml(Amf3Xml, 'AMF3 XML');
      case Amf3Marker.byteArray:
        return this.#readByteArray();
      case Amf3Marker.vectorInt:
        return this.#readVector('int');
      case Amf3Marker.vectorUint:
        return this.#readVector('uint');
      case Amf3Marker.vectorDouble:
        return this.#readVector('double');
      case Amf3Marker.vectorObject:
        return this.#readVector('object');
      case Amf3Marker.dictionary:
        return this.#readDictionary();
      default:
        reader.pos--;
        return reader.fail('unknown-marker', `unknown AMF3 type marker 0x${marker.toString(16).padStart(2, '0')}`);
    }
  }

  /** UTF-8-vr: low bit 0 = index into the string table, 1 = inline byte length. '' is never a reference. */
  #readString(what: string): string {
    const header = this.#reader.u29(what);
    if ((header & 1) === 0) {
      const index = header >> 1;
      if (index >= this.#strings.length) {
        this.#reader.fail('bad-reference', `${what} references string ${index} of ${this.#strings.length}`);
      }
      return this.#strings[index];
    }
    const byteLength = header >> 1;
    if (byteLength === 0) return '';
    const text = this.#reader.utf8(byteLength, what);
    this.#strings.push(text);
    return text;
  }

  #objectReference(index: number, what: string): Amf3Value {
    if (index >= this.#objects.length) {
      this.#reader.fail('bad-reference', `${what} references object ${index} of ${this.#objects.length}`);
    }
    const value = this.#objects[index];
    if (value === PENDING) {
      this.#reader.fail('bad-reference', `${what} references externalizable object ${index} before it is complete`);
    }
    return value;
  }

  #readXml(Kind: typeof AmfXmlDocument | typeof Amf3Xml, what: string): Amf3Value {
    const header = this.#reader.u29(what);
    if ((header & 1) === 0) return this.#objectReference(header >> 1, what);
    const xml = new Kind(this.#reader.utf8(header >> 1, what));
    this.#objects.push(xml);
    return xml;
  }

  #readDate(): Amf3Value {
    const header = this.#reader.u29('AMF3 date header');
    if ((header & 1) === 0) return this.#objectReference(header >> 1, 'AMF3 date');
    const date = new Date(this.#reader.f64('AMF3 date'));
    this.#objects.push(date);
    return date;
  }

  #readByteArray(): Amf3Value {
    const header = this.#reader.u29('AMF3 ByteArray header');
    if ((header & 1) === 0) return this.#objectReference(header >> 1, 'AMF3 ByteArray');
    const bytes = this.#reader.copyBytes(header >> 1, 'AMF3 ByteArray');
    this.#objects.push(bytes);
    return bytes;
  }

  #readArray(): Amf3Value {
    const reader = this.#reader;
    const header = reader.u29('AMF3 array header');
    if ((header & 1) === 0) return this.#objectReference(header >> 1, 'AMF3 array');
    const denseCount = header >> 1;
    // Each dense value takes at least a byte, as does the associative part's terminator.
    reader.need(denseCount + 1, 'AMF3 array');
    reader.enter();
    // The table slot must exist before any member is read (members may refer back to the array).
    // It starts as an Amf3Array; if the associative part turns out empty, nothing can have referenced
    // the array yet (only associative values were read), so the slot is swapped for a plain array.
    const slot = this.#objects.length;
    const associative: Record<string, Amf3Value> = {};
    const mixed = new Amf3Array([], associative);
    this.#objects.push(mixed);
    let associativeCount = 0;
    for (let key = this.#readString('AMF3 array key'); key !== ''; key = this.#readString('AMF3 array key')) {
      setProperty(associative, key, this.readValue());
      associativeCount++;
    }
    let dense = mixed.dense;
    let result: Amf3Value = mixed;
    if (associativeCount === 0) {
      dense = [];
      result = dense;
      this.#objects[slot] = dense;
    }
    for (let i = 0; i < denseCount; i++) dense.push(this.readValue());
    reader.leave();
    return result;
  }

  #readObject(): Amf3Value {
    const reader = this.#reader;
    const header = reader.u29('AMF3 object header');
    if ((header & 1) === 0) return this.#objectReference(header >> 1, 'AMF3 object');
    const traits = this.#readTraits(header);
    if (traits.externalizable) return this.#readExternalizable(traits.className);
    reader.need(traits.sealed.length, 'AMF3 sealed members');
    reader.enter();
    const properties: Record<string, Amf3Value> = {};
    const object = new Amf3Object(traits.className, properties, { sealed: traits.sealed, dynamic: traits.dynamic });
    this.#objects.push(object);
    for (const name of traits.sealed) setProperty(properties, name, this.readValue());
    if (traits.dynamic) {
      for (let key = this.#readString('AMF3 dynamic member'); key !== ''; key = this.#readString('AMF3 dynamic member')) {
        setProperty(properties, key, this.readValue());
      }
    }
    reader.leave();
    return object;
  }

  /** U29O-traits-ref (xx01), U29O-traits-ext (x111) or inline U29O-traits (d011: d = dynamic, rest = sealed count). */
  #readTraits(header: number): Traits {
    if ((header & 2) === 0) {
      const index = header >> 2;
      if (index >= this.#traits.length) {
        this.#reader.fail('bad-reference', `AMF3 object references traits ${index} of ${this.#traits.length}`);
      }
      return this.#traits[index];
    }
    const externalizable = (header & 4) !== 0;
    const dynamic = !externalizable && (header & 8) !== 0;
    const sealedCount = externalizable ? 0 : header >> 4;
    const className = this.#readString('AMF3 class name');
    this.#reader.need(sealedCount, 'AMF3 sealed member names');
    const sealed: string[] = [];
    for (let i = 0; i < sealedCount; i++) sealed.push(this.#readString('AMF3 sealed member name'));
    const traits: Traits = { className, sealed, dynamic, externalizable };
    this.#traits.push(traits);
    return traits;
  }

  #readExternalizable(className: string): Amf3Value {
    const read = this.#externalizable?.get(className);
    if (read === undefined) {
      this.#reader.fail('unsupported-type', `AMF3 externalizable class "${className}" has no registered reader`);
    }
    const slot = this.#objects.length;
    this.#objects.push(PENDING);
    this.#reader.enter();
    const value = read((this.#externalInput ??= this.#createExternalInput()), className);
    this.#reader.leave();
    this.#objects[slot] = value;
    return value;
  }

  #createExternalInput(): Amf3ExternalInput {
    const reader = this.#reader;
    const what = 'AMF3 externalizable body';
    return {
      readValue: () => this.readValue(),
      readUint8: () => reader.u8(what),
      readUint32: () => reader.u32(what),
      readDouble: () => reader.f64(what),
      readBytes: (length) => {
        if (!Number.isInteger(length) || length < 0) throw new RangeError(`readBytes length ${length} is not a byte count`);
        return reader.copyBytes(length, what);
      },
    };
  }

  #readVector(kind: Amf3VectorKind): Amf3Value {
    const reader = this.#reader;
    const what = VECTOR_NAMES[kind];
    const header = reader.u29(what);
    if ((header & 1) === 0) return this.#objectReference(header >> 1, what);
    const count = header >> 1;
    const fixed = reader.u8(what) !== 0;
    const items: Amf3Value[] = [];
    if (kind === 'object') {
      const typeName = this.#readString(what);
      reader.need(count, what);
      reader.enter();
      const vector = new Amf3Vector(kind, items, { fixed, typeName });
      this.#objects.push(vector);
      for (let i = 0; i < count; i++) items.push(this.readValue());
      reader.leave();
      return vector;
    }
    reader.need(count * (kind === 'double' ? 8 : 4), what);
    for (let i = 0; i < count; i++) {
      items.push(kind === 'int' ? reader.i32(what) : kind === 'uint' ? reader.u32(what) : reader.f64(what));
    }
    const vector = new Amf3Vector(kind, items, { fixed });
    this.#objects.push(vector);
    return vector;
  }

  #readDictionary(): Amf3Value {
    const reader = this.#reader;
    const header = reader.u29('AMF3 Dictionary header');
    if ((header & 1) === 0) return this.#objectReference(header >> 1, 'AMF3 Dictionary');
    const count = header >> 1;
    const weakKeys = reader.u8('AMF3 Dictionary weak-keys flag') !== 0;
    reader.need(count * 2, 'AMF3 Dictionary');
    reader.enter();
    const dictionary = new Amf3Dictionary(new Map(), weakKeys);
    this.#objects.push(dictionary);
    for (let i = 0; i < count; i++) {
      const key = this.readValue();
      dictionary.entries.set(key, this.readValue());
    }
    reader.leave();
    return dictionary;
  }
}
