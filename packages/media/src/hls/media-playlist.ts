// A live HLS media playlist (RFC 8216) over a sliding window of in-memory segments. The text is
// rendered once per change and shared by every request; segments leaving the window are kept a
// little longer for players that fetched an older playlist, then dropped. fMP4 segments name their
// init section (EXT-X-MAP), which lives exactly as long as a segment that needs it.
//
// Low-Latency HLS (RFC 8216bis): the parts of the segment being built are listed after the last
// complete segment, with a preload hint for the next one; a complete segment keeps its parts
// listed while it ends within three target durations of the live edge, and in memory one segment
// longer (for players holding the previous playlist). A complete segment's parts are views into
// its bytes, so they cost no memory of their own. A window long enough to reach past the skip
// boundary also offers Playlist Delta Updates (_HLS_skip, see delta-update.ts).
//
// A low-latency playlist is served from the first part on, before any segment is complete: RFC
// 8216bis 3.2 ties a Partial Segment to its Parent Segment "by appearing before it in the Media
// Playlist, and after the previous Media Segment", so parts listed with no segment line after
// them are those of the segment in progress, and 4.4.3.2 makes EXT-X-MEDIA-SEQUENCE the number of
// the first segment that appears, the one they belong to. Such a playlist has no EXTINF; its
// EXT-X-TARGETDURATION is the configured one, which segments may only raise (6.2.1 forbids
// changing it, so it must not drop when a shorter first segment comes).
import type { ClosedPart, ClosedSegment, InitSection } from './segmenter.ts';
import type { PartPosition, PlaylistEdge } from './blocking-reload.ts';
import { SKIP_BOUNDARY_TARGET_DURATIONS, countSkippedSegments, windowCanSkip, type SkipDirective } from './delta-update.ts';

export interface StoredPart extends ClosedPart {
  position: PartPosition;
}

export interface StoredSegment extends ClosedSegment {
  sequence: number;
  /** Its partial segments while they are kept (LL-HLS); empty without parts or once dropped. */
  parts: StoredPart[];
}

export interface LowLatencyOptions {
  partTargetMs: number;
  /** The segmenter's target: EXT-X-TARGETDURATION while no segment is complete, and its floor after. */
  targetDurationMs: number;
  partUri: (position: PartPosition) => string;
}

/** RFC 8216bis 4.4.3.8: PART-HOLD-BACK is at least twice the part target and SHOULD be three times. */
const PART_HOLD_BACK_PARTS = 3;
/** RFC 8216bis 6.2.2: parts are removed from the playlist once over three target durations from its end. */
const PARTS_LISTED_TARGET_DURATIONS = 3;

export class MediaPlaylist {
  readonly #windowSegments: number;
  readonly #keepSegments: number;
  readonly #segmentUri: (sequence: number) => string;
  readonly #initUri: (id: number) => string;
  readonly #lowLatency: LowLatencyOptions | null;
  /** Parts of the segment being built, which will get #nextSequence. */
  #openParts: StoredPart[] = [];
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
  /** Delta updates rendered since the last change, by directive (v2 adds RECENTLY-REMOVED-DATERANGES). */
  readonly #deltaTexts = new Map<SkipDirective, Buffer>();

  constructor(windowSegments: number, keepSegments: number, segmentUri: (sequence: number) => string, initUri: (id: number) => string, lowLatency: LowLatencyOptions | null = null) {
    this.#windowSegments = windowSegments;
    this.#keepSegments = keepSegments;
    this.#segmentUri = segmentUri;
    this.#initUri = initUri;
    this.#lowLatency = lowLatency;
    if (lowLatency !== null) this.#targetDurationS = Math.ceil(lowLatency.targetDurationMs / 1000);
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

  /** Whether the playlist advertises CAN-SKIP-UNTIL (low latency with a window that reaches past the skip boundary). */
  get offersDeltaUpdates(): boolean {
    return this.#lowLatency !== null && windowCanSkip(this.#windowSegments);
  }

  /** What a blocking reload is judged against. */
  get edge(): PlaylistEdge {
    const lastSegment = this.#segments.at(-1);
    return { lastSegment: lastSegment?.sequence ?? -1, lastPart: (this.#openParts.at(-1) ?? lastSegment?.parts.at(-1))?.position ?? null };
  }

  /** The part the preload hint names: the next one of the segment being built. */
  get nextPart(): PartPosition {
    return { msn: this.#nextSequence, part: this.#openParts.length };
  }

  /** Adds a part of the segment being built, listed at once. */
  appendPart(part: ClosedPart): StoredPart {
    const stored: StoredPart = { ...part, position: this.nextPart };
    this.#openParts.push(stored);
    this.#changed();
    return stored;
  }

  /** Adds a segment at the live edge, taking the parts appended since the last one as its own. */
  append(segment: ClosedSegment): StoredSegment {
    const stored: StoredSegment = { ...segment, sequence: this.#nextSequence++, parts: viewsInto(segment.data, this.#openParts) };
    this.#openParts = [];
    const leaving = this.#window()[0];
    this.#segments.push(stored);
    this.#bytes += stored.data.length;
    if (this.#segments.length > this.#windowSegments && leaving?.discontinuity) this.#discontinuitySequence++;
    while (this.#segments.length > this.#windowSegments + this.#keepSegments) this.#bytes -= this.#segments.shift()!.data.length;
    this.#targetDurationS = Math.max(this.#targetDurationS, Math.ceil(stored.durationMs / 1000));
    const keptFrom = this.#segments.length - this.#window().length + this.#partsListedFrom() - 1;
    for (let i = 0; i < keptFrom; i++) this.#segments[i].parts = [];
    this.#changed();
    return stored;
  }

  /** No more segments will come: players stop polling at EXT-X-ENDLIST. */
  end(): void {
    this.#ended = true;
    this.#changed();
  }

  /** A segment in the window or still kept. */
  segment(sequence: number): StoredSegment | undefined {
    const first = this.#segments[0];
    return first === undefined ? undefined : this.#segments[sequence - first.sequence];
  }

  /** A part still kept: of the segment being built, or of a recent segment. */
  part(position: PartPosition): StoredPart | undefined {
    const parts = position.msn === this.#nextSequence ? this.#openParts : this.segment(position.msn)?.parts;
    return parts?.[position.part];
  }

  /** An init section some window or kept segment needs, or the segment being built (its EXT-X-MAP is listed before its parts). */
  init(id: number): InitSection | undefined {
    const holder = this.#segments.find((segment) => segment.init?.id === id) ?? this.#openParts.find((part) => part.init?.id === id);
    return holder?.init ?? undefined;
  }

  /** The playlist text, or null while there is nothing to list: no segment, nor (low latency) a part. */
  render(): Buffer | null {
    if (this.#segments.length === 0 && (this.#lowLatency === null || this.#openParts.length === 0)) return null;
    this.#text ??= Buffer.from(this.#renderText(null));
    return this.#text;
  }

  /**
   * The Playlist Delta Update a request with _HLS_skip gets, or null when it gets the whole
   * playlist: delta updates are not offered or the playlist has ended (RFC 8216bis 6.2.5.1: the
   * server MUST then ignore _HLS_skip), or no segment is beyond the skip boundary yet (an EXT-X-SKIP
   * of no segment would replace nothing, and the whole playlist is what such a delta would list).
   */
  renderDelta(directive: SkipDirective): Buffer | null {
    if (!this.offersDeltaUpdates || this.#ended || this.#segments.length === 0) return null;
    const skipped = countSkippedSegments(this.#window().map((segment) => segment.durationMs), this.#skipBoundaryS() * 1000);
    if (skipped === 0) return null;
    let text = this.#deltaTexts.get(directive);
    if (text === undefined) {
      text = Buffer.from(this.#renderText({ segments: skipped, directive }));
      this.#deltaTexts.set(directive, text);
    }
    return text;
  }

  #changed(): void {
    this.#text = null;
    this.#deltaTexts.clear();
  }

  #renderedTargetDurationS(): number {
    return Math.max(1, this.#targetDurationS);
  }

  /** CAN-SKIP-UNTIL: six times EXT-X-TARGETDURATION, which may grow (never shrink) while the playlist lives. */
  #skipBoundaryS(): number {
    return SKIP_BOUNDARY_TARGET_DURATIONS * this.#renderedTargetDurationS();
  }

  #window(): StoredSegment[] {
    return this.#segments.slice(-this.#windowSegments);
  }

  /** Index in the window of the oldest segment whose parts are listed: those ending within three target durations of the edge. */
  #partsListedFrom(): number {
    const window = this.#window();
    const horizonMs = PARTS_LISTED_TARGET_DURATIONS * this.#renderedTargetDurationS() * 1000;
    let fromEndMs = this.#openParts.reduce((total, part) => total + part.durationMs, 0);
    let from = window.length;
    while (from > 0 && fromEndMs < horizonMs) fromEndMs += window[--from].durationMs;
    return from;
  }

  /**
   * The whole playlist (`skip` null), or a delta update whose EXT-X-SKIP replaces the first
   * `skip.segments` segments of the window with every tag that applies only to them: their
   * EXT-X-DISCONTINUITY tags too, which the client counts from its copy, so
   * EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE stay those of the whole playlist. The
   * EXT-X-MAP in force is repeated before the first segment listed, which it applies to as well.
   */
  #renderText(skip: { segments: number; directive: SkipDirective } | null): string {
    const window = this.#window();
    // EXT-X-MAP outside I-frame playlists needs version 6; 7 is what fMP4 (CMAF) HLS declares;
    // EXT-X-SKIP needs 9 (RFC 8216bis 8; 10 only if it replaced EXT-X-DATERANGE tags, we have none).
    const first = window[0] ?? this.#openParts[0];
    const version = skip !== null ? 9 : first.init === null ? 3 : 7;
    const lines = ['#EXTM3U', `#EXT-X-VERSION:${version}`, `#EXT-X-TARGETDURATION:${this.#renderedTargetDurationS()}`];
    const lowLatency = this.#lowLatency;
    if (lowLatency !== null) {
      const canSkip = this.offersDeltaUpdates ? `,CAN-SKIP-UNTIL=${seconds(this.#skipBoundaryS() * 1000)}` : '';
      lines.push(
        `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(PART_HOLD_BACK_PARTS * lowLatency.partTargetMs)}${canSkip}`,
        `#EXT-X-PART-INF:PART-TARGET=${seconds(lowLatency.partTargetMs)}`,
      );
    }
    lines.push(`#EXT-X-MEDIA-SEQUENCE:${this.mediaSequence}`);
    if (this.#discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${this.#discontinuitySequence}`);
    if (skip !== null) {
      // v2 asks to skip date ranges too; with none in the playlist, none were removed (the list is REQUIRED, and MAY be empty).
      lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skip.segments}${skip.directive === 'v2' ? ',RECENTLY-REMOVED-DATERANGES=""' : ''}`);
    }
    let mapped: InitSection | null = null;
    // Tags that belong to a segment go before its first part, or before it when no part is listed.
    const begin = (segment: { discontinuity: boolean; init: InitSection | null; programDateMs: number }) => {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      // On every segment: players map positions to wall-clock time (and LL-HLS players expect it).
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateMs).toISOString()}`);
      // A map holds for every segment after it until the next one (RFC 8216 4.3.2.5).
      if (segment.init !== null && segment.init.id !== mapped?.id) lines.push(`#EXT-X-MAP:URI="${this.#initUri(segment.init.id)}"`);
      mapped = segment.init;
    };
    const listParts = (parts: readonly StoredPart[]) => {
      for (const part of parts) {
        const independent = part.independent ? ',INDEPENDENT=YES' : '';
        lines.push(`#EXT-X-PART:DURATION=${seconds(part.durationMs)},URI="${lowLatency!.partUri(part.position)}"${independent}`);
      }
    };
    const partsFrom = lowLatency === null ? window.length : this.#partsListedFrom();
    for (let i = skip?.segments ?? 0; i < window.length; i++) {
      const segment = window[i];
      begin(segment);
      if (i >= partsFrom) listParts(segment.parts);
      lines.push(`#EXTINF:${seconds(segment.durationMs)},`, this.#segmentUri(segment.sequence));
    }
    if (lowLatency !== null) {
      if (this.#openParts.length > 0) begin(this.#openParts[0]);
      listParts(this.#openParts);
      if (!this.#ended) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${lowLatency.partUri(this.nextPart)}"`);
    }
    if (this.#ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The parts re-pointed at the segment made of them, so the fragments they were cut as can go. */
function viewsInto(segment: Buffer, parts: readonly StoredPart[]): StoredPart[] {
  const total = parts.reduce((sum, part) => sum + part.data.length, 0);
  if (total !== segment.length) return [...parts];
  let offset = 0;
  return parts.map((part) => {
    const data = segment.subarray(offset, offset + part.data.length);
    offset += part.data.length;
    return { ...part, data };
  });
}
