// A live HLS media playlist (RFC 8216) over a sliding window of in-memory segments. The text is
// rendered once per change and shared by every request; segments leaving the window are kept a
// little longer for players that fetched an older playlist, then dropped. fMP4 segments name their
// init section (EXT-X-MAP), which lives exactly as long as a segment that needs it.
import type { ClosedSegment, InitSection } from './segmenter.ts';

export interface StoredSegment extends ClosedSegment {
  sequence: number;
}

export class MediaPlaylist {
  readonly #windowSegments: number;
  readonly #keepSegments: number;
  readonly #segmentUri: (sequence: number) => string;
  readonly #initUri: (id: number) => string;
  /** Oldest first: the kept segments, then the window. */
  readonly #segments: StoredSegment[] = [];
  #nextSequence = 0;
  /** Discontinuity tags that have scrolled out of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  #discontinuitySequence = 0;
  /** Never decreases: RFC 8216 6.2.1 forbids changing EXT-X-TARGETDURATION while the playlist lives. */
  #targetDurationS = 0;
  #ended = false;
  #bytes = 0;
  #text: Buffer | null = null;

  constructor(windowSegments: number, keepSegments: number, segmentUri: (sequence: number) => string, initUri: (id: number) => string) {
    this.#windowSegments = windowSegments;
    this.#keepSegments = keepSegments;
    this.#segmentUri = segmentUri;
    this.#initUri = initUri;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Segments held in memory (window and kept). */
  get segmentCount(): number {
    return this.#segments.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get mediaSequence(): number {
    return this.#window()[0]?.sequence ?? this.#nextSequence;
  }

  get discontinuitySequence(): number {
    return this.#discontinuitySequence;
  }

  get targetDurationS(): number {
    return this.#targetDurationS;
  }

  /** Adds a segment at the live edge; an ended playlist takes none (its owner starts a new one). */
  append(segment: ClosedSegment): StoredSegment {
    const stored: StoredSegment = { ...segment, sequence: this.#nextSequence++ };
    const leaving = this.#window()[0];
    this.#segments.push(stored);
    this.#bytes += stored.data.length;
    if (this.#segments.length > this.#windowSegments && leaving?.discontinuity) this.#discontinuitySequence++;
    while (this.#segments.length > this.#windowSegments + this.#keepSegments) this.#bytes -= this.#segments.shift()!.data.length;
    this.#targetDurationS = Math.max(this.#targetDurationS, Math.ceil(stored.durationMs / 1000));
    this.#text = null;
    return stored;
  }

  /** No more segments will come: players stop polling at EXT-X-ENDLIST. */
  end(): void {
    this.#ended = true;
    this.#text = null;
  }

  /** A segment in the window or still kept. */
  segment(sequence: number): StoredSegment | undefined {
    const first = this.#segments[0];
    return first === undefined ? undefined : this.#segments[sequence - first.sequence];
  }

  /** An init section some window or kept segment needs. */
  init(id: number): InitSection | undefined {
    return this.#segments.find((segment) => segment.init?.id === id)?.init ?? undefined;
  }

  /** The playlist text, or null while there is no segment to list. */
  render(): Buffer | null {
    if (this.#segments.length === 0) return null;
    this.#text ??= Buffer.from(this.#renderText());
    return this.#text;
  }

  #window(): StoredSegment[] {
    return this.#segments.slice(-this.#windowSegments);
  }

  #renderText(): string {
    const window = this.#window();
    // EXT-X-MAP outside I-frame playlists needs version 6; 7 is what fMP4 (CMAF) HLS declares.
    const version = window[0].init === null ? 3 : 7;
    const lines = ['#EXTM3U', `#EXT-X-VERSION:${version}`, `#EXT-X-TARGETDURATION:${Math.max(1, this.#targetDurationS)}`, `#EXT-X-MEDIA-SEQUENCE:${window[0].sequence}`];
    if (this.#discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${this.#discontinuitySequence}`);
    let mapped: InitSection | null = null;
    for (const segment of window) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      // A map holds for every segment after it until the next one (RFC 8216 4.3.2.5).
      if (segment.init !== null && segment.init.id !== mapped?.id) lines.push(`#EXT-X-MAP:URI="${this.#initUri(segment.init.id)}"`);
      mapped = segment.init;
      lines.push(`#EXTINF:${(segment.durationMs / 1000).toFixed(3)},`, this.#segmentUri(segment.sequence));
    }
    if (this.#ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }
}
