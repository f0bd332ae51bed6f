// fast-check generators for whole AMF0/AMF3 value trees, every type of the value model included.
import fc from 'fast-check';
import {
  Amf3Array,
  Amf3Dictionary,
  Amf3Object,
  Amf3Vector,
  Amf3Xml,
  AmfAvmPlus,
  AmfEcmaArray,
  AmfTypedObject,
  AmfXmlDocument,
  type Amf0Value,
  type Amf3Value,
} from '../src/index.ts';

const text = fc.string({ unit: 'binary', maxLength: 12 });
/** Property names, including the ones that are dangerous on plain objects. */
const key = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'toString', 'a', 'b'));
/** AMF3 member lists end at the empty name, so AMF3 names are never empty. */
const memberName = key.filter((name) => name !== '');
const date = fc.date();
const record = <T>(value: fc.Arbitrary<T>, name = key) =>
  fc.dictionary(name, value, { maxKeys: 4, noNullPrototype: true, depthIdentifier: 'amf' });

export const amf3Value: fc.Arbitrary<Amf3Value> = fc.letrec<{ value: Amf3Value }>((tie) => {
  const value = tie('value');
  const items = fc.array(value, { maxLength: 4, depthIdentifier: 'amf' });
  const object = fc
    .tuple(fc.oneof(fc.constant(''), text), record(value, memberName), fc.boolean())
    .map(([className, properties, dynamic]) => {
      const names = Object.keys(properties);
      // a non-dynamic object can only carry sealed members
      const sealed = dynamic ? names.slice(0, names.length >> 1) : names;
      return new Amf3Object(className, properties, { sealed, dynamic });
    });
  return {
    value: fc.oneof(
      { depthSize: 'medium', maxDepth: 5, depthIdentifier: 'amf' },
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -0x10000000, max: 0x0fffffff }),
      fc.double(),
      text,
      date,
      text.map((xml) => new AmfXmlDocument(xml)),
      text.map((xml) => new Amf3Xml(xml)),
      fc.uint8Array({ maxLength: 8 }),
      fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { maxLength: 4 }).map((xs) => new Amf3Vector('int', xs)),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 4 }).map((xs) => new Amf3Vector('uint', xs, { fixed: true })),
      fc.array(fc.double(), { maxLength: 4 }).map((xs) => new Amf3Vector('double', xs)),
      items,
      fc
        .tuple(items, record(value, memberName).filter((assoc) => Object.keys(assoc).length > 0))
        .map(([dense, associative]) => new Amf3Array(dense, associative)),
      object,
      fc.tuple(items, text).map(([xs, typeName]) => new Amf3Vector('object', xs, { typeName })),
      fc
        .tuple(fc.array(fc.tuple(value, value), { maxLength: 3 }), fc.boolean())
        .map(([entries, weakKeys]) => new Amf3Dictionary(new Map(entries), weakKeys)),
    ),
  };
}).value;

export const amf0Value: fc.Arbitrary<Amf0Value> = fc.letrec<{ value: Amf0Value }>((tie) => {
  const value = tie('value');
  return {
    value: fc.oneof(
      { depthSize: 'medium', maxDepth: 5, depthIdentifier: 'amf' },
      fc.double(),
      fc.boolean(),
      text,
      fc.constant(null),
      fc.constant(undefined),
      date,
      record(value),
      fc.array(value, { maxLength: 4, depthIdentifier: 'amf' }),
      record(value).map((properties) => new AmfEcmaArray(properties)),
      fc.tuple(text, record(value)).map(([className, properties]) => new AmfTypedObject(className, properties)),
      text.map((xml) => new AmfXmlDocument(xml)),
      amf3Value.map((inner) => new AmfAvmPlus(inner)),
    ),
  };
}).value;

/** Whole messages: a few AMF0 values back to back. */
export const amf0Message = fc.array(amf0Value, { minLength: 1, maxLength: 4 });
