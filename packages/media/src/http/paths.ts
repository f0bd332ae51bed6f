// Media URLs: /{app}/{stream}.flv and /{app}/{stream}.m3u8 (the app may have several segments).

export interface MediaPath {
  app: string;
  name: string;
  extension: 'flv' | 'm3u8';
  query: string;
}

const MEDIA_PATH = /^\/(.+)\/([^/]+)\.(flv|m3u8)$/;

export function parseMediaPath(url: string): MediaPath | null {
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const match = MEDIA_PATH.exec(pathname);
  if (match === null) return null;
  let app: string;
  let name: string;
  try {
    app = decodeURIComponent(match[1]);
    name = decodeURIComponent(match[2]);
  } catch {
    return null;
  }
  return { app, name, extension: match[3] as 'flv' | 'm3u8', query: queryAt === -1 ? '' : url.slice(queryAt + 1) };
}
