// HLS URLs: the playlist at /{app}/{stream}.m3u8 (parsed by ../http/paths.ts), its segments at
// /{app}/{stream}/{epoch}-{sequence}.ts (MPEG-TS) or .m4s (fMP4), Low-Latency HLS partial
// segments at /{app}/{stream}/{epoch}-{sequence}.{part}.m4s, and fMP4 init sections at
// /{app}/{stream}/{epoch}-init-{id}.mp4. The epoch names one playlist's lifetime, so a stream that
// is dropped and published again never reuses a URL a cache may still hold.
import { parseMediaPath, type MediaPath } from '../http/paths.ts';
import type { SegmentExtension } from './segment-writer.ts';
import type { PartPosition } from './blocking-reload.ts';

export interface HlsSegmentPath {
  app: string;
  name: string;
  extension: SegmentExtension;
  epoch: string;
  sequence: number;
  query: string;
}

/** An fMP4 initialization section (EXT-X-MAP): `id` numbers the sets of tracks within the epoch. */
export interface HlsInitPath {
  app: string;
  name: string;
  extension: 'mp4';
  epoch: string;
  id: number;
  query: string;
}

/** A partial segment (LL-HLS, CMAF fragments only): part `part` of segment `sequence`. */
export interface HlsPartPath {
  app: string;
  name: string;
  extension: 'm4s';
  epoch: string;
  sequence: number;
  part: number;
  query: string;
}

/** What HlsOutput serves: a playlist (a MediaPath with extension 'm3u8'), a segment, a part or an init section. */
export type HlsPath = MediaPath | HlsSegmentPath | HlsPartPath | HlsInitPath;

const SEGMENT_PATH = /^\/(.+)\/([^/]+)\/([0-9a-z]+)-(init-)?(\d{1,15})(?:\.(\d{1,6}))?\.(ts|m4s|mp4)$/;

/** The HLS playlist, segment or init section a request URL names, or null when it names none. */
export function matchHlsPath(url: string): HlsPath | null {
  const media = parseMediaPath(url);
  if (media !== null) return media.extension === 'm3u8' ? media : null;
  const queryAt = url.indexOf('?');
  const match = SEGMENT_PATH.exec(queryAt === -1 ? url : url.slice(0, queryAt));
  if (match === null) return null;
  const [, app, name, epoch, init, number, part, extension] = match;
  // Init sections and only they are named init-{id}.mp4; only fMP4 segments have parts.
  if ((init !== undefined) !== (extension === 'mp4')) return null;
  if (part !== undefined && extension !== 'm4s') return null;
  const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
  try {
    const names = { app: decodeURIComponent(app), name: decodeURIComponent(name) };
    if (extension === 'mp4') return { ...names, extension, epoch, id: Number(number), query };
    if (part !== undefined) return { ...names, extension: 'm4s', epoch, sequence: Number(number), part: Number(part), query };
    return { ...names, extension: extension as SegmentExtension, epoch, sequence: Number(number), query };
  } catch {
    return null;
  }
}

/** A segment's URI as the playlist lists it: relative to the playlist, which lives in the app's directory. */
export function segmentUri(name: string, epoch: string, sequence: number, extension: SegmentExtension = 'ts'): string {
  return `${encodeURIComponent(name)}/${epoch}-${sequence}.${extension}`;
}

export function partUri(name: string, epoch: string, position: PartPosition): string {
  return `${encodeURIComponent(name)}/${epoch}-${position.msn}.${position.part}.m4s`;
}

export function initUri(name: string, epoch: string, id: number): string {
  return `${encodeURIComponent(name)}/${epoch}-init-${id}.mp4`;
}

/** Query parameters named `_HLS_…` are delivery directives of the HLS spec (RFC 8216bis §6.2.5), not credentials. */
const DELIVERY_DIRECTIVE_PREFIX = '_HLS_';

/**
 * A playlist request's query without its delivery directives: what authorisation depends on. Every
 * blocking reload carries a new `_HLS_msn`/`_HLS_part`; keyed on the whole query, each (two a second
 * per LL-HLS viewer) missed the decision cache and called the play hook again.
 */
export function queryWithoutDeliveryDirectives(query: string): string {
  if (!query.includes(DELIVERY_DIRECTIVE_PREFIX)) return query;
  return query
    .split('&')
    .filter((parameter) => !parameter.startsWith(DELIVERY_DIRECTIVE_PREFIX))
    .join('&');
}
