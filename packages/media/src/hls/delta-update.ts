// Playlist Delta Updates (RFC 8216bis 6.2.5.1): a Low-Latency HLS client that already holds a
// recent playlist asks with _HLS_skip for one in which the segments further than the Skip Boundary
// from the end of the last complete segment are replaced by a single EXT-X-SKIP tag, and merges it
// with its copy. With a long window that is most of the playlist, fetched on every blocking reload
// (several times a second). Pure arithmetic and parsing: MediaPlaylist renders, HlsOutput serves.

/** The _HLS_skip values (RFC 8216bis 6.3.7): YES skips segments, v2 also EXT-X-DATERANGE tags. */
export type SkipDirective = 'YES' | 'v2';

/**
 * CAN-SKIP-UNTIL in target durations. RFC 8216bis 4.4.3.8 requires at least six; we advertise
 * exactly six because the smallest boundary skips the most (a delta update lists only the last
 * six target durations) and costs clients nothing: they may ask for a delta only while their copy
 * is younger than half the boundary (6.3.7), three target durations, which a client doing
 * blocking reloads part by part always is; one that fell further behind reloads in full.
 */
export const SKIP_BOUNDARY_TARGET_DURATIONS = 6;

export class SkipRequestError extends Error {
  readonly code = 'bad-skip-request';
  constructor(message: string) {
    super(message);
    this.name = 'SkipRequestError';
  }
}

/**
 * Whether a live window of `windowSegments` can ever hold a segment a delta update would skip. No
 * segment is longer than the target duration, so the oldest one ends at most windowSegments - 1
 * target durations before the last one does, and is skipped only beyond the boundary (six).
 * Shorter windows do not advertise CAN-SKIP-UNTIL: every "delta" would be the whole playlist.
 */
export function windowCanSkip(windowSegments: number): boolean {
  return windowSegments - 1 > SKIP_BOUNDARY_TARGET_DURATIONS;
}

/**
 * The _HLS_skip directive a playlist URL's query carries, or null when it carries none. Throws
 * SkipRequestError for a value the spec does not define (it is case-sensitive) or one given twice.
 */
export function parseSkipDirective(query: string): SkipDirective | null {
  const values = new URLSearchParams(query).getAll('_HLS_skip');
  if (values.length === 0) return null;
  if (values.length > 1) throw new SkipRequestError(`_HLS_skip is given ${values.length} times`);
  const [value] = values;
  if (value !== 'YES' && value !== 'v2') throw new SkipRequestError(`_HLS_skip must be YES or v2, got ${JSON.stringify(value.slice(0, 20))}`);
  return value;
}

/**
 * How many segments, oldest first, a delta update replaces: those ending further than
 * `skipBoundaryMs` before the end of the last one (RFC 8216bis 6.2.5.1). A segment ending exactly
 * at the boundary stays.
 */
export function countSkippedSegments(durationsMs: readonly number[], skipBoundaryMs: number): number {
  let afterMs = durationsMs.reduce((total, ms) => total + ms, 0);
  let skipped = 0;
  for (const durationMs of durationsMs) {
    afterMs -= durationMs;
    if (afterMs <= skipBoundaryMs) break;
    skipped++;
  }
  return skipped;
}
