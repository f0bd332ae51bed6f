// The JavaScript value model for AMF0 and AMF3. Plain JS values cover the common cases (numbers, strings,
// arrays, plain objects); classes mark the AMF types that have no natural JS counterpart, so encoding is
// unambiguous and decoding is lossless.

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Amf0Object
  | Amf0Value[]
  | AmfEcmaArray
  | AmfTypedObject
  | AmfXmlDocument
  | AmfAvmPlus;

/** An anonymous AMF0 object (0x03). On encode only plain objects (prototype Object.prototype or null) qualify. */
export interface Amf0Object {
  [key: string]: Amf0Value;
}

/** AMF0 ECMA (associative) array, 0x08: what encoders use for onMetaData. */
export class AmfEcmaArray {
  readonly properties: Record<string, Amf0Value>;
  constructor(properties: Record<string, Amf0Value>) {
    this.properties = properties;
  }
}

/** AMF0 typed object, 0x10: an object with a registered ActionScript class alias. */
export class AmfTypedObject {
  readonly className: string;
  readonly properties: Record<string, Amf0Value>;
  constructor(className: string, properties: Record<string, Amf0Value>) {
    this.className = className;
    this.properties = properties;
  }
}

/** XML document as a string: AMF0 0x0F and AMF3 XMLDocument 0x07 (legacy flash.xml.XMLDocument). */
export class AmfXmlDocument {
  readonly xml: string;
  constructor(xml: string) {
    this.xml = xml;
  }
}

/** AMF0 avmplus-object-marker, 0x11: the wrapped value travels in AMF3 inside an AMF0 stream. */
export class AmfAvmPlus {
  readonly value: Amf3Value;
  constructor(value: Amf3Value) {
    this.value = value;
  }
}

export type Amf3Value =
  | undefined
  | null
  | boolean
  | number
  | string
  | Date
  /** An AMF3 array with no associative part. */
  | Amf3Value[]
  | Amf3Array
  | Amf3Object
  | AmfXmlDocument
  | Amf3Xml
  /** ByteArray, 0x0C. Decoded byte arrays are copies, never views into the input. */
  | Uint8Array
  | Amf3Vector
  | Amf3Dictionary;

/** AMF3 array with an associative (string-keyed) part. Arrays without one decode as plain JS arrays. */
export class Amf3Array {
  readonly dense: Amf3Value[];
  readonly associative: Record<string, Amf3Value>;
  constructor(dense: Amf3Value[], associative: Record<string, Amf3Value>) {
    this.dense = dense;
    this.associative = associative;
  }
}

export interface Amf3ObjectTraits {
  /** Names of the sealed members, in wire order. Each is written from `properties` (undefined when absent). */
  sealed?: readonly string[];
  /** Dynamic objects also carry every property not named in `sealed`. Default true. */
  dynamic?: boolean;
}

/** AMF3 object, 0x0A. `className` is '' for anonymous objects. `properties` holds sealed and dynamic members alike. */
export class Amf3Object {
  readonly className: string;
  readonly properties: Record<string, Amf3Value>;
  readonly sealed: readonly string[];
  readonly dynamic: boolean;
  constructor(className: string, properties: Record<string, Amf3Value>, traits: Amf3ObjectTraits = {}) {
    this.className = className;
    this.properties = properties;
    this.sealed = traits.sealed ?? [];
    this.dynamic = traits.dynamic ?? true;
  }
}

/** AMF3 E4X XML, 0x0B. */
export class Amf3Xml {
  readonly xml: string;
  constructor(xml: string) {
    this.xml = xml;
  }
}

/** Vector base types; 'object' covers Vector.<*>, Vector.<Object> and Vector.<SomeClass>. */
export type Amf3VectorKind = 'int' | 'uint' | 'double' | 'object';

/** AMF3 Vector, 0x0D-0x10. For int/uint/double vectors `items` are numbers. */
export class Amf3Vector {
  readonly kind: Amf3VectorKind;
  readonly items: Amf3Value[];
  /** Fixed-length vector flag. */
  readonly fixed: boolean;
  /** Element class name of an object vector ('*' is the any type); '' for numeric vectors. */
  readonly typeName: string;
  constructor(kind: Amf3VectorKind, items: Amf3Value[], options: { fixed?: boolean; typeName?: string } = {}) {
    this.kind = kind;
    this.items = items;
    this.fixed = options.fixed ?? false;
    this.typeName = kind === 'object' ? (options.typeName ?? '*') : '';
  }
}

/** AMF3 Dictionary, 0x11. Keys match by identity, as in ActionScript, which is what a Map does. */
export class Amf3Dictionary {
  readonly entries: Map<Amf3Value, Amf3Value>;
  readonly weakKeys: boolean;
  constructor(entries: Map<Amf3Value, Amf3Value>, weakKeys = false) {
    this.entries = entries;
    this.weakKeys = weakKeys;
  }
}
