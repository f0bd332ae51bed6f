// One error type for the whole package. Decoding problems that only affect part of a file are
// not thrown: the decoder reports them as issues carrying the same codes and goes on.

export type XlogErrorCode =
  /** An option passed to createLogger or the CLI is out of range or malformed. */
  | 'bad-option'
  /** A key is not in the documented encoding (hex of the right length, a valid curve point). */
  | 'bad-key'
  /** The file holds encrypted blocks and no private key was given. */
  | 'key-required'
  /** The private key given is not the one the blocks were encrypted for. */
  | 'wrong-key'
  /** An encrypted block's authentication tag does not verify: tampered or corrupted. */
  | 'auth-failed'
  /** A block's payload does not match its checksum (bit rot, overwritten bytes). */
  | 'corrupt-block'
  /** A block header promises more bytes than the file holds. */
  | 'truncated-block'
  /** Bytes between blocks that belong to no block. */
  | 'garbage'
  /** Blocks of one session are missing between two that were found. */
  | 'missing-blocks'
  /** A block's payload does not decompress, or decompresses to another length than announced. */
  | 'decompress-failed'
  /** A length field exceeds the decoder's limits. */
  | 'too-large'
  /** A record inside an intact block is malformed. */
  | 'bad-record'
  /** A block uses a feature this decoder does not implement (a newer version, a legacy Mars magic). */
  | 'unsupported'
  /** The crash buffer file is held by another live process. */
  | 'buffer-in-use'
  /** The logger was used after close(). */
  | 'closed';

export class XlogError extends Error {
  readonly code: XlogErrorCode;
  constructor(code: XlogErrorCode, message: string) {
    super(message);
    this.name = 'XlogError';
    this.code = code;
  }
}
