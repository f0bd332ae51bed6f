import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Amf3Array,
  Amf3Dictionary,
  Amf3Object,
  Amf3Vector,
  Amf3Xml,
  AmfXmlDocument,
  decodeAmf3,
  encodeAmf3,
  type Amf3ExternalizableReader,
  type Amf3Value,
} from '../src/index.ts';
import { assertBytes, assertDecodeError, assertEncodeError, bytes, double, utf8, vrString } from './helpers.ts';

/** Asserts `value` encodes to exactly `wire` and that `wire` decodes back to it. */
function assertVector(value: Amf3Value, wire: Uint8Array): void {
  assertBytes(encodeAmf3(value), wire);
  assert.deepStrictEqual(decodeAmf3(wire), [value]);
}

describe('AMF3 markers, byte-exact (AMF3 spec section 3)', () => {
  it('0x00-0x03 undefined, null, false, true', () => {
    assertVector(undefined, bytes('00'));
    assertVector(null, bytes('01'));
    assertVector(false, bytes('02'));
    assertVector(true, bytes('03'));
  });

  it('0x04 integer: U29 at every length boundary, sign-extended', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [127, '7f'],
      [128, '81 00'],
      [16383, 'ff 7f'],
      [16384, '81 80 00'],
      [2097151, 'ff ff 7f'],
      [2097152, '80 c0 80 00'],
      [0x0fffffff, 'bf ff ff ff'],
      [-1, 'ff ff ff ff'],
      [-0x10000000, 'c0 80 80 00'],
    ];
    for (const [value, u29] of cases) assertVector(value, bytes('04', u29));
  });

  it('0x05 double for non-integers, -0 and integers outside 29 bits', () => {
    for (const value of [1.5, 0x10000000, -0x10000001, 2 ** 53, Infinity]) {
      assertVector(value, bytes('05', double(value)));
    }
    assertBytes(encodeAmf3(-0), bytes('05 80 00 00 00 00 00 00 00'));
    assert.ok(Object.is(decodeAmf3(bytes('05 80 00 00 00 00 00 00 00'))[0], -0));
  });

  it('0x06 string: inline with U29 length, empty never referenced, repeats by reference', () => {
    assertVector('hello', bytes('06 0b', utf8('hello')));
    assertVector('', bytes('06 01'));
    assertVector(['ab', 'ab', '', ''], bytes('09 09 01 06 05 61 62 06 00 06 01 06 01'));
    assertVector('é', bytes('06 05 c3 a9'));
  });

  it('string lengths use multi-byte U29 headers', () => {
    const text = 'x'.repeat(200); // 200 << 1 | 1 = 401 = 0x191 -> 83 11
    assertVector(text, bytes('06 83 11', utf8(text)));
  });

  it('0x07 XMLDocument and 0x0B XML, referenced through the object table', () => {
    assertVector(new AmfXmlDocument('<a/>'), bytes('07 09', utf8('<a/>')));
    assertVector(new Amf3Xml('<b/>'), bytes('0b 09', utf8('<b/>')));
    const xml = new Amf3Xml('<c/>');
    assertVector([xml, xml], bytes('09 05 01 0b 09', utf8('<c/>'), '0b 02'));
  });

  it('0x08 date (no time zone), second occurrence by reference', () => {
    const date = new Date(Date.UTC(2013, 0, 1));
    assertVector(date, bytes('08 01', double(date.getTime())));
    const [[first, second]] = decodeAmf3(bytes('09 05 01 08 01', double(0), '08 02')) as [Date[]];
    assert.equal(first, second);
    assertBytes(encodeAmf3([date, date]), bytes('09 05 01 08 01', double(date.getTime()), '08 02'));
  });

  it('0x09 array: dense only decodes as a plain array, with associative part as Amf3Array', () => {
    assertVector([1, 2], bytes('09 05 01 04 01 04 02'));
    assertVector([], bytes('09 01 01'));
    assertVector(new Amf3Array([true], { k: 'v' }), bytes('09 03', vrString('k'), '06', vrString('v'), '01 03'));
    assertVector(new Amf3Array([], { a: 1, b: 2 }), bytes('09 01', vrString('a'), '04 01', vrString('b'), '04 02 01'));
  });

  it('arrays that contain themselves resolve to the same instance', () => {
    const [dense] = decodeAmf3(bytes('09 03 01 09 00')) as [Amf3Value[]];
    assert.equal(dense[0], dense);
    const [mixed] = decodeAmf3(bytes('09 01', vrString('me'), '09 00 01')) as [Amf3Array];
    assert.equal(mixed.associative.me, mixed);
    const cycle: Amf3Value[] = [];
    cycle.push(cycle);
    assertBytes(encodeAmf3(cycle), bytes('09 03 01 09 00'));
  });

  it('0x0A anonymous dynamic object', () => {
    assertVector(new Amf3Object('', { a: 1, b: 'x' }), bytes('0a 0b 01', vrString('a'), '04 01', vrString('b'), '06', vrString('x'), '01'));
  });

  it('0x0A sealed typed object, second instance by traits reference, third by object reference', () => {
    const point = (x: number, y: number) => new Amf3Object('Pt', { x, y }, { sealed: ['x', 'y'], dynamic: false });
    const first = point(1, 2);
    const wire = bytes(
      '09 07 01',
      '0a 23', vrString('Pt'), vrString('x'), vrString('y'), '04 01 04 02', // traits: 2 sealed, not dynamic
      '0a 01 04 03 04 04', // traits reference 0
      '0a 02', // object reference 1 (index 0 is the array)
    );
    assertVector([first, point(3, 4), first], wire);
  });

  it('0x0A sealed and dynamic members together', () => {
    const value = new Amf3Object('Msg', { id: 7, extra: true }, { sealed: ['id'], dynamic: true });
    assertVector(value, bytes('0a 1b', vrString('Msg'), vrString('id'), '04 07', vrString('extra'), '03 01'));
  });

  it('objects that contain themselves resolve to the same instance', () => {
    const [object] = decodeAmf3(bytes('0a 0b 01', vrString('self'), '0a 00 01')) as [Amf3Object];
    assert.equal(object.properties.self, object);
  });

  it('0x0A externalizable objects need a registered reader', () => {
    const wire = bytes('0a 07', vrString('flex.messaging.io.ArrayCollection'), '09 05 01 04 01 04 02');
    assertDecodeError(() => decodeAmf3(wire), 'unsupported-type');
    const readCollection: Amf3ExternalizableReader = (input) => input.readValue();
    const externalizable = new Map([['flex.messaging.io.ArrayCollection', readCollection]]);
    assert.deepStrictEqual(decodeAmf3(wire, { externalizable }), [[1, 2]]);
    // traits by reference, raw IDataInput reads, and a reference to the finished externalizable object
    const twice = bytes(
      '09 07 01',
      '0a 07', vrString('Raw'), '7f 00 00 00 05', double(0.5), '61 62',
      '0a 01 01 00 00 00 02', double(1), '63 64', // traits reference 0
      '0a 02',
    );
    const readRaw: Amf3ExternalizableReader = (input, className) => ({
      className,
      flags: input.readUint8(),
      count: input.readUint32(),
      ratio: input.readDouble(),
      tail: input.readBytes(2),
    }) as unknown as Amf3Value;
    const [[a, b, c]] = decodeAmf3(twice, { externalizable: new Map([['Raw', readRaw]]) }) as [unknown[]];
    assert.deepStrictEqual(a, { className: 'Raw', flags: 0x7f, count: 5, ratio: 0.5, tail: utf8('ab') });
    assert.deepStrictEqual(b, { className: 'Raw', flags: 1, count: 2, ratio: 1, tail: utf8('cd') });
    assert.equal(c, a);
  });

  it('an externalizable reader that reads past the end gets a truncated error', () => {
    const wire = bytes('0a 07', vrString('Raw'), '00 00');
    const readRaw: Amf3ExternalizableReader = (input) => input.readDouble();
    assertDecodeError(() => decodeAmf3(wire, { externalizable: new Map([['Raw', readRaw]]) }), 'truncated');
  });

  it('0x0C ByteArray, decoded as a copy', () => {
    const wire = bytes('0c 07 01 02 03');
    assertVector(Uint8Array.of(1, 2, 3), wire);
    const [decoded] = decodeAmf3(wire) as [Uint8Array];
    assert.notEqual(decoded.buffer, wire.buffer);
  });

  it('0x0D-0x0F numeric vectors with the fixed flag', () => {
    assertVector(new Amf3Vector('int', [-1, 1]), bytes('0d 05 00 ff ff ff ff 00 00 00 01'));
    assertVector(new Amf3Vector('uint', [0xffffffff], { fixed: true }), bytes('0e 03 01 ff ff ff ff'));
    assertVector(new Amf3Vector('double', [0.5]), bytes('0f 03 00', double(0.5)));
  });

  it('0x10 object vector with its element type name', () => {
    assertVector(new Amf3Vector('object', ['a', null]), bytes('10 05 00 03 2a 06 03 61 01'));
    assertVector(
      new Amf3Vector('object', [new Amf3Object('Pt', {}, { dynamic: false })], { typeName: 'Pt' }),
      bytes('10 03 00', vrString('Pt'), '0a 03 00'), // class name "Pt" by string reference 0
    );
  });

  it('0x11 dictionary with non-string keys', () => {
    const key = new Amf3Object('', {});
    const value = new Amf3Dictionary(new Map<Amf3Value, Amf3Value>([['k', 1], [key, true]]), true);
    assertVector(value, bytes('11 05 01 06', vrString('k'), '04 01 0a 0b 01 01 03'));
  });

  it('unknown markers and bad references are typed errors', () => {
    assertDecodeError(() => decodeAmf3(bytes('12')), 'unknown-marker');
    assertDecodeError(() => decodeAmf3(bytes('06 00')), 'bad-reference');
    assertDecodeError(() => decodeAmf3(bytes('09 00')), 'bad-reference');
    assertDecodeError(() => decodeAmf3(bytes('0a 01')), 'bad-reference');
    assertDecodeError(() => decodeAmf3(bytes('0a 07', vrString('Raw'), '0a 02')), 'unsupported-type');
    const selfReferencing: Amf3ExternalizableReader = (input) => input.readValue();
    assertDecodeError(
      () => decodeAmf3(bytes('0a 07', vrString('Raw'), '0a 00'), { externalizable: new Map([['Raw', selfReferencing]]) }),
      'bad-reference',
    );
  });

  it('decodeAmf3 shares reference tables across the values of one message', () => {
    assert.deepStrictEqual(decodeAmf3(bytes('06 05 68 69 06 00')), ['hi', 'hi']);
  });
});

describe('AMF3 decoder safety', () => {
  it('lengths and counts beyond the remaining bytes fail before allocating', () => {
    const max = 'bf ff ff ff'; // U29 2^28-1 -> with flag bit: count 2^27-1 and similar
    for (const marker of ['06', '07', '09', '0b', '0c', '0d', '0e', '0f', '11']) {
      assertDecodeError(() => decodeAmf3(bytes(marker, max, '00 00 00')), 'truncated');
    }
    assertDecodeError(() => decodeAmf3(bytes('10', max, '00 03 2a')), 'truncated');
    assertDecodeError(() => decodeAmf3(bytes('0a', 'bf ff ff f3', '01')), 'truncated'); // 2^24 sealed names
  });

  it('bounds nesting of arrays, objects, vectors and dictionaries', () => {
    assertDecodeError(() => decodeAmf3(bytes('09 03 01'.repeat(100_000), '01')), 'too-deep');
    assertDecodeError(() => decodeAmf3(bytes('0a 0b 01 03 61'.repeat(100), '01')), 'too-deep');
    assertDecodeError(() => decodeAmf3(bytes('10 03 00 03 2a'.repeat(100), '01')), 'too-deep');
    assertDecodeError(() => decodeAmf3(bytes('11 03 00 01'.repeat(100), '01')), 'too-deep');
  });

  it('"__proto__" members do not pollute prototypes', () => {
    const [object] = decodeAmf3(bytes('0a 0b 01', vrString('__proto__'), '03 01')) as [Amf3Object];
    assert.equal(Object.getPrototypeOf(object.properties), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(object.properties, '__proto__')?.value, true);
  });
});

describe('AMF3 encoder', () => {
  it('refuses values outside the model', () => {
    assertEncodeError(() => encodeAmf3({ plain: 1 } as unknown as Amf3Value), 'unsupported-value');
    assertEncodeError(() => encodeAmf3(Symbol('s') as unknown as Amf3Value), 'unsupported-value');
    assertEncodeError(() => encodeAmf3(new Amf3Object('', { '': 1 })), 'unsupported-value');
    assertEncodeError(() => encodeAmf3(new Amf3Object('C', { a: 1 }, { dynamic: false })), 'unsupported-value');
  });

  it('refuses numeric vector items the wire type cannot hold', () => {
    assertEncodeError(() => encodeAmf3(new Amf3Vector('int', [2 ** 31])), 'out-of-range');
    assertEncodeError(() => encodeAmf3(new Amf3Vector('uint', [-1])), 'out-of-range');
    assertEncodeError(() => encodeAmf3(new Amf3Vector('int', [1.5])), 'out-of-range');
    assertEncodeError(() => encodeAmf3(new Amf3Vector('double', ['x'])), 'out-of-range');
  });

  it('refuses counts beyond the 28 bits of a U29 header', () => {
    const huge: Amf3Value[] = [];
    huge.length = 2 ** 28; // sparse: refused from its length alone
    assertEncodeError(() => encodeAmf3(huge), 'out-of-range');
  });

  it('writes absent sealed members as undefined', () => {
    assertBytes(
      encodeAmf3(new Amf3Object('P', {}, { sealed: ['toString'], dynamic: false })),
      bytes('0a 13', vrString('P'), vrString('toString'), '00'),
    );
  });

  it('bounds nesting like the decoder does', () => {
    let deep: Amf3Value = null;
    for (let i = 0; i < 65; i++) deep = [deep];
    assertEncodeError(() => encodeAmf3(deep), 'too-deep');
  });
});
