// Blocking playlist reload (RFC 8216bis 6.2.5.2): a Low-Latency HLS client asks for the playlist
// "once it holds segment M" (_HLS_msn=M) or "part P of segment M" (_HLS_msn=M&_HLS_part=P), and
// the server holds the request until then. Pure arithmetic over positions: the output owns the
// waiting and the clock.

/** A partial segment's place: part `part` (from 0) of the segment with media sequence number `msn`. */
export interface PartPosition {
  msn: number;
  part: number;
}

export interface BlockingRequest {
  msn: number;
  /** null: the whole segment `msn` is asked for. */
  part: number | null;
}

/** What the playlist holds now. */
export interface PlaylistEdge {
  /** Media sequence number of the last complete segment; -1 before the first. */
  lastSegment: number;
  /** The last partial segment listed (of the segment being built, or the last complete one); null before the first. */
  lastPart: PartPosition | null;
}

export type BlockingVerdict = 'ready' | 'wait' | 'too-far';

export class BlockingRequestError extends Error {
  readonly code = 'bad-blocking-request';
  constructor(message: string) {
    super(message);
    this.name = 'BlockingRequestError';
  }
}

/** Media sequence numbers are decimal integers (RFC 8216bis 4.4.3.2); 15 digits keep them safe integers. */
const DECIMAL = /^\d{1,15}$/;

/**
 * The blocking request a playlist URL's query carries, or null when it carries none (other
 * parameters, such as tokens, are not ours to judge). Throws BlockingRequestError for a request
 * the spec says to refuse: _HLS_part without _HLS_msn, a value that is not a decimal integer, or a
 * parameter given twice.
 */
export function parseBlockingRequest(query: string): BlockingRequest | null {
  const params = new URLSearchParams(query);
  const msn = single(params, '_HLS_msn');
  const part = single(params, '_HLS_part');
  if (msn === null) {
    if (part !== null) throw new BlockingRequestError('_HLS_part without _HLS_msn');
    return null;
  }
  return { msn: decimal('_HLS_msn', msn), part: part === null ? null : decimal('_HLS_part', part) };
}

function single(params: URLSearchParams, name: string): string | null {
  const values = params.getAll(name);
  if (values.length > 1) throw new BlockingRequestError(`${name} is given ${values.length} times`);
  return values[0] ?? null;
}

function decimal(name: string, value: string): number {
  if (!DECIMAL.test(value)) throw new BlockingRequestError(`${name} must be a decimal integer, got ${JSON.stringify(value.slice(0, 20))}`);
  return Number(value);
}

/** Negative when `a` comes before `b` in the stream. */
export function comparePositions(a: PartPosition, b: PartPosition): number {
  return a.msn !== b.msn ? a.msn - b.msn : a.part - b.part;
}

/**
 * How many parts past the last one a client may ask for (RFC 8216bis 6.2.5.2): three seconds'
 * worth for parts under a second, else three.
 */
export function advancePartLimit(partTargetMs: number): number {
  return partTargetMs < 1000 ? Math.floor(3000 / partTargetMs) : 3;
}

/**
 * 'ready' when the playlist already holds what is asked for or something later; 'too-far' when
 * the request is beyond what the spec lets a client wait for (answered 400), else 'wait'.
 */
export function judgeBlockingRequest(request: BlockingRequest, edge: PlaylistEdge, partLimit: number): BlockingVerdict {
  if (request.part === null) {
    if (request.msn <= edge.lastSegment) return 'ready';
    return request.msn > edge.lastSegment + 2 ? 'too-far' : 'wait';
  }
  const asked = { msn: request.msn, part: request.part };
  // A part index past the end of a complete segment is satisfied only by a part of a later segment.
  if (edge.lastPart !== null && comparePositions(asked, edge.lastPart) <= 0) return 'ready';
  if (request.msn > edge.lastSegment + 2) return 'too-far';
  const last = edge.lastPart ?? { msn: edge.lastSegment + 1, part: -1 };
  const partsAhead = request.msn === last.msn ? request.part - last.part : request.part + 1;
  return partsAhead > partLimit ? 'too-far' : 'wait';
}
