// Where the app and stream names come from, with query strings kept apart for authentication:
// connect's `app` ("live", "live?token=abc", "live/") or, without one, the path of `tcUrl`
// ("rtmp://host:1935/live?token=abc"); publish/play names ("demo?token=abc").

import { RtmpError } from '../errors.ts';

export interface NameAndQuery {
  name: string;
  /** Text after the first '?', without it; '' when there is none. */
  query: string;
}

export function splitQuery(value: string): NameAndQuery {
  const at = value.indexOf('?');
  return at < 0 ? { name: value, query: '' } : { name: value.slice(0, at), query: value.slice(at + 1) };
}

export interface ConnectTarget {
  app: string;
  tcUrl?: string;
  query: string;
}

export function connectTarget(commandObject: Record<string, unknown>): ConnectTarget {
  const tcUrl = typeof commandObject.tcUrl === 'string' ? commandObject.tcUrl : undefined;
  const fromUrl = tcUrl === undefined ? undefined : splitQuery(tcUrlPath(tcUrl));
  let target: NameAndQuery;
  if (typeof commandObject.app === 'string') target = splitQuery(commandObject.app);
  else if (fromUrl !== undefined) target = fromUrl;
  else throw new RtmpError('bad-command', 'connect has neither an app nor a tcUrl');
  return {
    app: trimSlashes(target.name),
    ...(tcUrl === undefined ? {} : { tcUrl }),
    query: target.query !== '' ? target.query : fromUrl?.query ?? '',
  };
}

/** "rtmp://host:port/live/x?q" -> "live/x?q" (everything after the authority). */
function tcUrlPath(tcUrl: string): string {
  const scheme = tcUrl.indexOf('://');
  const rest = scheme < 0 ? tcUrl : tcUrl.slice(scheme + 3);
  const slash = rest.search(/[/?]/);
  return slash < 0 ? '' : rest.slice(slash);
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}
