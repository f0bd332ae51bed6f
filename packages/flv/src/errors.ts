// Typed errors for everything that reads bytes from the wire. Callers branch on `code`,
// never on message text; messages say what was wrong and where.

export type FlvErrorCode =
  /** The input ends before a field it announces. */
  | 'truncated'
  /** A zero-length audio/video payload (legacy "silence" message): nothing to parse. */
  | 'empty-payload'
  /** A codec id / FourCC / packet type this package does not know. */
  | 'unsupported-codec'
  | 'unsupported-packet-type'
  /** A field holds a value the spec reserves. */
  | 'reserved-value'
  /** The file does not start with "FLV". */
  | 'bad-signature'
  | 'unsupported-version'
  | 'bad-header-size'
  | 'bad-tag-type'
  | 'bad-previous-tag-size'
  /** A tag larger than the configured (or the format's 24-bit) limit. */
  | 'tag-too-large'
  /** A script data message that is not valid AMF0 or not shaped like onMetaData. */
  | 'bad-script-data'
  /** A value handed to an encoder that the format cannot carry. */
  | 'invalid-argument';

export class FlvError extends Error {
  readonly code: FlvErrorCode;
  constructor(code: FlvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlvError';
    this.code = code;
  }
}

export type CodecConfigErrorCode =
  | 'truncated'
  | 'unsupported-version'
  /** A syntax element out of the range its spec allows (exp-Golomb overflow, bad magic, zero dimensions…). */
  | 'malformed'
  /** Valid per its spec but not representable by the consumer (e.g. explicit AAC sample rate in ADTS). */
  | 'unsupported';

export class CodecConfigError extends Error {
  readonly code: CodecConfigErrorCode;
  constructor(code: CodecConfigErrorCode, message: string) {
    super(message);
    this.name = 'CodecConfigError';
    this.code = code;
  }
}
