// HLS URLs: the playlist at /{app}/{stream}.m3u8 (parsed by ../http/paths.ts) and its segments at
// /{app}/{stream}/{epoch}-{sequence}.ts. The epoch names one playlist's lifetime, so a stream that
// is dropped and published again never reuses a segment URL a cache may still hold.
import { parseMediaPath, type MediaPath } from '../http/paths.ts';

export interface HlsSegmentPath {
  app: string;
  name: string;
  extension: 'ts';
  epoch: string;
  sequence: number;
  query: string;
}

/** What HlsOutput serves: a playlist (a MediaPath with extension 'm3u8') or a segment. */
export type HlsPath = MediaPath | HlsSegmentPath;

const SEGMENT_PATH = /^\/(.+)\/([^/]+)\/([0-9a-z]+)-(\d{1,15})\.ts$/;

/** The HLS playlist or segment a request URL names, or null when it names neither. */
export function matchHlsPath(url: string): HlsPath | null {
  const media = parseMediaPath(url);
  if (media !== null) return media.extension === 'm3u8' ? media : null;
  const queryAt = url.indexOf('?');
  const match = SEGMENT_PATH.exec(queryAt === -1 ? url : url.slice(0, queryAt));
  if (match === null) return null;
  try {
    return {
      app: decodeURIComponent(match[1]),
      name: decodeURIComponent(match[2]),
      extension: 'ts',
      epoch: match[3],
      sequence: Number(match[4]),
      query: queryAt === -1 ? '' : url.slice(queryAt + 1),
    };
  } catch {
    return null;
  }
}

/** A segment's URI as the playlist lists it: relative to the playlist, which lives in the app's directory. */
export function segmentUri(name: string, epoch: string, sequence: number): string {
  return `${encodeURIComponent(name)}/${epoch}-${sequence}.ts`;
}
