import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AmfAvmPlus,
  AmfEcmaArray,
  AmfTypedObject,
  AmfXmlDocument,
  Amf3Object,
  decodeAmf0,
  decodeAmf0Value,
  encodeAmf0,
  type Amf0Object,
  type Amf0Value,
} from '../src/index.ts';
import { assertBytes, assertDecodeError, assertEncodeError, bytes, double, u16String, utf8 } from './helpers.ts';

const OBJECT_END = '00 00 09';

/** Asserts `values` encode to exactly `wire` and that `wire` decodes back to `values`. */
function assertVector(values: Amf0Value[], wire: Uint8Array): void {
  assertBytes(encodeAmf0(values), wire);
  assert.deepStrictEqual(decodeAmf0(wire), values);
}

describe('AMF0 markers, byte-exact (AMF0 spec section 2)', () => {
  it('0x00 number is always an 8-byte double', () => {
    assertVector([1], bytes('00 3f f0 00 00 00 00 00 00'));
    assertVector([-2.5], bytes('00', double(-2.5)));
    assertVector([2 ** 53 + 2], bytes('00', double(2 ** 53 + 2)));
    const [negativeZero, nan] = decodeAmf0(bytes('00', double(-0), '00', double(NaN)));
    assert.ok(Object.is(negativeZero, -0));
    assert.ok(Number.isNaN(nan));
  });

  it('0x01 boolean: any non-zero byte is true', () => {
    assertVector([true, false], bytes('01 01 01 00'));
    assert.deepStrictEqual(decodeAmf0(bytes('01 7f')), [true]);
  });

  it('0x02 string with u16 byte length (UTF-8, not UTF-16 units)', () => {
    assertVector(['hello'], bytes('02 00 05', utf8('hello')));
    assertVector([''], bytes('02 00 00'));
    assertVector(['é€😀'], bytes('02 00 09 c3 a9 e2 82 ac f0 9f 98 80'));
    assertVector(['\ufeffbom'], bytes('02 00 06 ef bb bf 62 6f 6d'));
  });

  it('0x0C long string only when the UTF-8 form exceeds 65535 bytes', () => {
    const fits = '€'.repeat(21845); // 65535 bytes
    assertVector([fits], bytes('02 ff ff', utf8(fits)));
    const long = fits + 'a'; // 65536 bytes
    assertVector([long], bytes('0c 00 01 00 00', utf8(long)));
    assert.deepStrictEqual(decodeAmf0(bytes('0c 00 00 00 02 68 69')), ['hi']);
  });

  it('0x03 object: key/value pairs closed by 00 00 09', () => {
    assertVector(
      [{ a: 1, b: 'x' }],
      bytes('03', u16String('a'), '00', double(1), u16String('b'), '02 00 01 78', OBJECT_END),
    );
    assertVector([{}], bytes('03', OBJECT_END));
  });

  it('0x05 null and 0x06 undefined', () => {
    assertVector([null, undefined], bytes('05 06'));
  });

  it('0x07 reference resolves to the earlier instance (table: objects, ECMA and strict arrays)', () => {
    // strict array (index 0) holding an object (index 1) and then a reference to index 1
    const [array] = decodeAmf0(bytes('0a 00 00 00 02 03', OBJECT_END, '07 00 01')) as [Amf0Value[]];
    assert.equal(array.length, 2);
    assert.equal(array[1], array[0]);
    assert.deepStrictEqual(array[0], {});
  });

  it('0x07 reference to an object still being decoded gives a cycle, not a loop', () => {
    const wire = bytes('03', u16String('self'), '07 00 00', OBJECT_END);
    const [object] = decodeAmf0(wire) as [Amf0Object];
    assert.equal(object.self, object);
    assertBytes(encodeAmf0([object]), wire);
  });

  it('repeated (non-cyclic) instances are written in full, as librtmp cannot read 0x07', () => {
    const shared = { k: 1 };
    const wire = encodeAmf0([[shared, shared]]);
    const entry = bytes('03', u16String('k'), '00', double(1), OBJECT_END);
    assertBytes(wire, bytes('0a 00 00 00 02', entry, entry));
    // Nested repeat inside a cycle: index numbering must match the decoder's table.
    const root: Amf0Object = { a: shared, b: shared };
    root.c = root;
    const [decoded] = decodeAmf0(encodeAmf0([root])) as [Amf0Object];
    assert.equal(decoded.c, decoded);
    assert.deepStrictEqual(decoded.a, { k: 1 });
  });

  it('0x08 ECMA array: the count is a hint, the end marker delimits', () => {
    const entries = bytes(u16String('width'), '00', double(1280), u16String('height'), '00', double(720), OBJECT_END);
    const expected = new AmfEcmaArray({ width: 1280, height: 720 });
    assertVector([expected], bytes('08 00 00 00 02', entries));
    assert.deepStrictEqual(decodeAmf0(bytes('08 00 00 00 00', entries)), [expected]);
    assert.deepStrictEqual(decodeAmf0(bytes('08 ff ff ff ff', entries)), [expected]);
  });

  it('0x0A strict array, including sparse holes written as undefined', () => {
    assertVector([[1, 'a', null]], bytes('0a 00 00 00 03 00', double(1), '02 00 01 61 05'));
    // eslint-disable-next-line no-sparse-arrays
    assertBytes(encodeAmf0([[, true]]), bytes('0a 00 00 00 02 06 01 01'));
  });

  it('0x0B date: ms since epoch, time zone written 0 and ignored on read', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    assertVector([date], bytes('0b', double(date.getTime()), '00 00'));
    assert.deepStrictEqual(decodeAmf0(bytes('0b', double(date.getTime()), 'ff 88')), [date]);
  });

  it('0x0F XML document with a u32 length', () => {
    assertVector([new AmfXmlDocument('<a b="1"/>')], bytes('0f 00 00 00 0a', utf8('<a b="1"/>')));
  });

  it('0x10 typed object: class name then properties', () => {
    assertVector(
      [new AmfTypedObject('com.example.Point', { x: 1 })],
      bytes('10', u16String('com.example.Point'), u16String('x'), '00', double(1), OBJECT_END),
    );
  });

  it('0x11 AVM+ switch: the next value is AMF3', () => {
    assertVector([new AmfAvmPlus('hi'), 'after'], bytes('11 06 05 68 69 02 00 05', utf8('after')));
    assertVector(
      [new AmfAvmPlus(new Amf3Object('', { a: 1 }))],
      bytes('11 0a 0b 01 03 61 04 01 01'),
    );
  });

  it('AVM+ values of one message share AMF3 string tables', () => {
    // second value: string reference 0 (U29 0x00) into the table the first value filled
    const wire = bytes('11 06 05 68 69 11 06 00');
    assert.deepStrictEqual(decodeAmf0(wire), [new AmfAvmPlus('hi'), new AmfAvmPlus('hi')]);
    assertBytes(encodeAmf0([new AmfAvmPlus('hi'), new AmfAvmPlus('hi')]), wire);
  });

  it('0x04 movieclip, 0x0D unsupported, 0x0E recordset are typed errors', () => {
    for (const marker of ['04', '0d', '0e']) assertDecodeError(() => decodeAmf0(bytes(marker)), 'unsupported-type');
  });

  it('0x09 outside an object and markers above 0x11 are rejected', () => {
    assertDecodeError(() => decodeAmf0(bytes('09')), 'unexpected-object-end');
    assertDecodeError(() => decodeAmf0(bytes('03', u16String('a'), '09')), 'unexpected-object-end');
    const error = assertDecodeError(() => decodeAmf0(bytes('05 12')), 'unknown-marker');
    assert.equal(error.offset, 1);
    assertDecodeError(() => decodeAmf0(bytes('ff')), 'unknown-marker');
  });
});

describe('RTMP messages from real encoders', () => {
  it('ffmpeg publish connect: "connect", 1, {app, type, flashVer, tcUrl}', () => {
    const wire = bytes(
      '02 00 07', utf8('connect'),
      '00 3f f0 00 00 00 00 00 00',
      '03',
      u16String('app'), '02', u16String('live'),
      u16String('type'), '02', u16String('nonprivate'),
      u16String('flashVer'), '02', u16String('FMLE/3.0 (compatible; Lavf61.7.100)'),
      u16String('tcUrl'), '02', u16String('rtmp://127.0.0.1:1935/live'),
      OBJECT_END,
    );
    assertVector(
      [
        'connect',
        1,
        {
          app: 'live',
          type: 'nonprivate',
          flashVer: 'FMLE/3.0 (compatible; Lavf61.7.100)',
          tcUrl: 'rtmp://127.0.0.1:1935/live',
        },
      ],
      wire,
    );
  });

  it('ffmpeg @setDataFrame onMetaData ECMA array', () => {
    const wire = bytes(
      '02', u16String('@setDataFrame'),
      '02', u16String('onMetaData'),
      '08 00 00 00 05',
      u16String('duration'), '00', double(0),
      u16String('width'), '00', double(1920),
      u16String('framerate'), '00', double(29.97),
      u16String('stereo'), '01 01',
      u16String('encoder'), '02', u16String('Lavf61.7.100'),
      OBJECT_END,
    );
    assertVector(
      [
        '@setDataFrame',
        'onMetaData',
        new AmfEcmaArray({ duration: 0, width: 1920, framerate: 29.97, stereo: true, encoder: 'Lavf61.7.100' }),
      ],
      wire,
    );
  });

  it('OBS E-RTMP connect carries fourCcList as a strict array', () => {
    const wire = bytes(
      '03', u16String('fourCcList'), '0a 00 00 00 02', '02', u16String('av01'), '02', u16String('hvc1'), OBJECT_END,
    );
    assert.deepStrictEqual(decodeAmf0(wire), [{ fourCcList: ['av01', 'hvc1'] }]);
  });

  it('accepts a missing end marker on the outermost object or ECMA array at the end of the message', () => {
    assert.deepStrictEqual(decodeAmf0(bytes('03', u16String('a'), '05')), [{ a: null }]);
    assert.deepStrictEqual(
      decodeAmf0(bytes('02 00 01 78 08 00 00 00 01', u16String('w'), '00', double(2))),
      ['x', new AmfEcmaArray({ w: 2 })],
    );
    // ...but not on a nested one: that is a truncation
    assertDecodeError(() => decodeAmf0(bytes('03', u16String('a'), '03', u16String('b'), '05')), 'truncated');
    // ...and not a lone "00 00" without its 0x09
    assertDecodeError(() => decodeAmf0(bytes('03 00 00')), 'truncated');
  });

  it('an empty key followed by a value (not 0x09) is a property named ""', () => {
    assertVector([{ '': 1 }], bytes('03 00 00 00', double(1), OBJECT_END));
  });
});

describe('AMF0 decoder safety', () => {
  it('"__proto__" keys become own properties and never touch prototypes', () => {
    const wire = bytes('03', u16String('__proto__'), '03', u16String('admin'), '01 01', OBJECT_END, OBJECT_END);
    const [object] = decodeAmf0(wire) as [Amf0Object];
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
    assert.deepStrictEqual(Object.keys(object), ['__proto__']);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(object, '__proto__')?.value, { admin: true });
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.equal((object as Record<string, unknown>).admin, undefined);
    assertBytes(encodeAmf0([object]), wire);
  });

  it('counts and lengths larger than the remaining bytes fail before allocating', () => {
    assertDecodeError(() => decodeAmf0(bytes('0a ff ff ff ff 05 05 05')), 'truncated');
    assertDecodeError(() => decodeAmf0(bytes('0c ff ff ff ff 61')), 'truncated');
    assertDecodeError(() => decodeAmf0(bytes('0f ff ff ff ff 61')), 'truncated');
    assertDecodeError(() => decodeAmf0(bytes('02 ff ff 61')), 'truncated');
    // an ECMA count of 2^32-1 with 3 bytes left is just a wrong hint
    assertDecodeError(() => decodeAmf0(bytes('0a 00 00 00 01 08 ff ff ff ff 00 00 05')), 'truncated');
  });

  it('bounds nesting: 100k nested objects is too-deep, not a stack overflow', () => {
    const depth = 100_000;
    const wire = new Uint8Array(depth * 4);
    for (let i = 0; i < depth; i++) wire.set([0x03, 0x00, 0x01, 0x61], i * 4);
    const error = assertDecodeError(() => decodeAmf0(wire), 'too-deep');
    // detected inside the 65th object, long before the end of the input
    assert.ok(error.offset >= 64 * 4 && error.offset < 65 * 4, `offset ${error.offset}`);
    // strict arrays too
    assertDecodeError(() => decodeAmf0(bytes('0a 00 00 00 01'.repeat(70), '05')), 'too-deep');
  });

  it('maxDepth and maxValues are honoured', () => {
    const twoDeep = bytes('03', u16String('a'), '03', OBJECT_END, OBJECT_END);
    assert.deepStrictEqual(decodeAmf0(twoDeep, { maxDepth: 2 }), [{ a: {} }]);
    assertDecodeError(() => decodeAmf0(twoDeep, { maxDepth: 1 }), 'too-deep');
    assert.equal(decodeAmf0(bytes('05 05 05'), { maxValues: 3 }).length, 3);
    assertDecodeError(() => decodeAmf0(bytes('05 05 05'), { maxValues: 2 }), 'too-many-values');
    assert.throws(() => decodeAmf0(twoDeep, { maxDepth: 0 }), RangeError);
  });

  it('references outside the table are bad-reference', () => {
    assertDecodeError(() => decodeAmf0(bytes('07 00 00')), 'bad-reference');
    assertDecodeError(() => decodeAmf0(bytes('03', OBJECT_END, '07 00 01')), 'bad-reference');
  });

  it('decodeAmf0Value reads one value and reports where the next begins', () => {
    const wire = bytes('05 02 00 02 68 69 00', double(3));
    assert.deepStrictEqual(decodeAmf0Value(wire, 1), { value: 'hi', offset: 6 });
    assert.deepStrictEqual(decodeAmf0Value(wire, 6), { value: 3, offset: 15 });
    assertDecodeError(() => decodeAmf0Value(wire, 15), 'truncated');
    assert.throws(() => decodeAmf0Value(wire, 16), RangeError);
  });

  it('decodes from a view into a larger buffer', () => {
    const backing = bytes('ff ff 02 00 02 68 69 ff');
    assert.deepStrictEqual(decodeAmf0(backing.subarray(2, 7)), ['hi']);
  });
});

describe('AMF0 encoder', () => {
  it('refuses values outside the model', () => {
    assertEncodeError(() => encodeAmf0([(() => 1) as unknown as Amf0Value]), 'unsupported-value');
    assertEncodeError(() => encodeAmf0([10n as unknown as Amf0Value]), 'unsupported-value');
    assertEncodeError(() => encodeAmf0([new Map() as unknown as Amf0Value]), 'unsupported-value');
    assertEncodeError(() => encodeAmf0([new Uint8Array(1) as unknown as Amf0Value]), 'unsupported-value');
  });

  it('refuses keys and class names over 65535 bytes', () => {
    assertEncodeError(() => encodeAmf0([{ ['k'.repeat(65536)]: 1 }]), 'string-too-long');
    assertEncodeError(() => encodeAmf0([new AmfTypedObject('c'.repeat(65536), {})]), 'string-too-long');
  });

  it('bounds nesting like the decoder does', () => {
    let deep: Amf0Value = null;
    for (let i = 0; i < 65; i++) deep = { d: deep };
    assertEncodeError(() => encodeAmf0([deep]), 'too-deep');
    assert.doesNotThrow(() => encodeAmf0([deep], { maxDepth: 65 }));
  });

  it('a cycle back to a value past reference index 65535 cannot be written', () => {
    const fillers: Amf0Value[] = Array.from({ length: 65535 }, () => ({}));
    const cyclic: Amf0Object = {};
    cyclic.self = cyclic;
    // the outer array is index 0 and the fillers 1..65535, so `cyclic` would be 65536
    assertEncodeError(() => encodeAmf0([[...fillers, cyclic]]), 'too-many-references');
    const reachable: Amf0Object = {};
    reachable.self = reachable;
    const [decoded] = decodeAmf0(encodeAmf0([[...fillers.slice(1), reachable]])) as [Amf0Value[]];
    const last = decoded[65534] as Amf0Object;
    assert.equal(last.self, last);
  });

  it('accepts null-prototype objects as anonymous objects', () => {
    const object = Object.assign(Object.create(null) as Amf0Object, { a: true });
    assertBytes(encodeAmf0([object]), bytes('03', u16String('a'), '01 01', OBJECT_END));
  });

  it('returns a fresh exact-size buffer each call', () => {
    const first = encodeAmf0(['a']);
    const second = encodeAmf0(['b']);
    assert.equal(first.buffer.byteLength, 4);
    assert.notEqual(first.buffer, second.buffer);
    assertBytes(first, bytes('02 00 01 61'));
  });
});
