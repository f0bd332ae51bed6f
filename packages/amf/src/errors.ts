// Typed failures. Decode errors describe hostile or broken wire bytes (the caller drops the message or
// the connection); encode errors describe values the caller built that AMF cannot carry.

export type AmfDecodeErrorCode =
  /** The bytes end inside a value (or a length/count promises more bytes than remain). */
  | 'truncated'
  /** A type marker that no AMF version defines. */
  | 'unknown-marker'
  /** AMF0 object-end (0x09) where a value was expected. */
  | 'unexpected-object-end'
  /** Containers nested deeper than `maxDepth`. */
  | 'too-deep'
  /** More values than `maxValues`. */
  | 'too-many-values'
  /** A reference index pointing outside its table, or at an entry not yet readable. */
  | 'bad-reference'
  /** A defined but unsupported type: AMF0 MovieClip/RecordSet/Unsupported, an unregistered AMF3 externalizable class. */
  | 'unsupported-type';

export class AmfDecodeError extends Error {
  readonly code: AmfDecodeErrorCode;
  /** Byte offset in the input where the problem was detected. */
  readonly offset: number;
  constructor(code: AmfDecodeErrorCode, offset: number, message: string) {
    super(`${message} (at byte ${offset})`);
    this.name = 'AmfDecodeError';
    this.code = code;
    this.offset = offset;
  }
}

export type AmfEncodeErrorCode =
  /** A value with no AMF mapping (function, symbol, bigint, class instance outside the value model). */
  | 'unsupported-value'
  /** A string longer than its length field allows (AMF0 key/class name > 65535 bytes, AMF3 > 2^28-1 bytes). */
  | 'string-too-long'
  /** Containers nested deeper than `maxDepth`. */
  | 'too-deep'
  /** A cyclic AMF0 object whose reference index does not fit the 16-bit reference type. */
  | 'too-many-references'
  /** A Vector<int>/<uint>/<double> item, or a count, outside what the wire type holds. */
  | 'out-of-range';

export class AmfEncodeError extends Error {
  readonly code: AmfEncodeErrorCode;
  constructor(code: AmfEncodeErrorCode, message: string) {
    super(message);
    this.name = 'AmfEncodeError';
    this.code = code;
  }
}
