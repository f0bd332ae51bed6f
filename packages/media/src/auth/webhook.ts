// HTTP callbacks around a client's time on a stream, named and shaped like SRS's: on_publish and
// on_play decide whether the client may start; on_unpublish and on_stop only inform.
//
// The deciding hooks fail closed: when the hook cannot be asked (unreachable, slow, 5xx) the
// client is refused, because an operator who configured a gate wants it to hold while their
// backend is down, not to let everyone in.
import { hostname } from 'node:os';
import { silentLog, type MediaLog } from '../log.ts';
import type { PlayerProtocol } from '../hub/subscriber.ts';
import { AuthConfigError } from './errors.ts';
import type { StreamAction } from './token.ts';

export const DEFAULT_HOOK_TIMEOUT_MS = 3000;
const MAX_HOOK_TIMEOUT_MS = 60_000;

/** One client on one stream, as the hooks are told about it. */
export interface StreamClient {
  app: string;
  stream: string;
  /** The query string of the client's URL, without '?'. */
  query: string;
  clientId: string;
  /** The client's remote address. */
  ip: string;
  protocol: PlayerProtocol;
}

export interface AccessRequest extends StreamClient {
  action: StreamAction;
}

export interface EndNotice extends StreamClient {
  action: 'unpublish' | 'stop';
}

export type HookAction = 'on_publish' | 'on_play' | 'on_unpublish' | 'on_stop';

/** The JSON body POSTed to every hook. */
export interface HookBody extends StreamClient {
  action: HookAction;
  serverId: string;
  /** When the event happened, ISO 8601 UTC. */
  time: string;
}

export interface WebhookUrls {
  onPublish?: string;
  onPlay?: string;
  onUnpublish?: string;
  onStop?: string;
}

export interface WebhookOptions {
  urls: WebhookUrls;
  /** How long a hook may take to answer, in ms; default 3000. */
  timeoutMs?: number;
  /** Names this server in every hook body; defaults to the host name. */
  serverId?: string;
  fetch?: typeof fetch;
  log?: MediaLog;
}

/** `status` is the hook's HTTP status when it answered; absent when it could not be asked. */
export type HookDecision = { ok: true } | { ok: false; reason: string; status?: number };

export interface Webhooks {
  /** Asks on_publish / on_play; resolves ok without a request when that hook is not configured. */
  authorize(request: AccessRequest): Promise<HookDecision>;
  /** Tells on_unpublish / on_stop, without waiting; failures are logged. */
  notify(notice: EndNotice): void;
  /** Resolves once every notification sent so far has been answered or has failed (for shutdown). */
  drain(): Promise<void>;
}

const hookOf = { publish: 'on_publish', play: 'on_play', unpublish: 'on_unpublish', stop: 'on_stop' } as const;

/** An answer from the hook, or why there was none. */
type HookOutcome = { answered: true; status: number } | { answered: false; failure: 'timed out' | 'unreachable'; detail: string };

export function createWebhooks(options: WebhookOptions): Webhooks {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_HOOK_TIMEOUT_MS) {
    throw new AuthConfigError('bad-timeout', `hook timeout must be a whole number of ms in 1..${MAX_HOOK_TIMEOUT_MS}, got ${timeoutMs}`);
  }
  const urls: Record<keyof typeof hookOf, URL | undefined> = {
    publish: hookUrl('onPublish', options.urls.onPublish),
    play: hookUrl('onPlay', options.urls.onPlay),
    unpublish: hookUrl('onUnpublish', options.urls.onUnpublish),
    stop: hookUrl('onStop', options.urls.onStop),
  };
  const serverId = options.serverId ?? hostname();
  const fetchHook = options.fetch ?? globalThis.fetch;
  const log = options.log ?? silentLog;
  const inFlight = new Set<Promise<void>>();

  async function call(url: URL, event: AccessRequest | EndNotice): Promise<HookOutcome> {
    const body: HookBody = {
      action: hookOf[event.action],
      app: event.app,
      stream: event.stream,
      query: event.query,
      clientId: event.clientId,
      ip: event.ip,
      protocol: event.protocol,
      serverId,
      time: new Date().toISOString(),
    };
    try {
      const response = await fetchHook(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        // A redirect is an answer other than yes; following it would let the hook's host
        // send our request (and the client's token) somewhere the operator never configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Only the status decides; the body is released so the connection can be reused.
      await response.body?.cancel();
      return { answered: true, status: response.status };
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        return { answered: false, failure: 'timed out', detail: `no answer within ${timeoutMs} ms` };
      }
      return { answered: false, failure: 'unreachable', detail: describeFetchError(error) };
    }
  }

  return {
    async authorize(request) {
      const url = urls[request.action];
      if (url === undefined) return { ok: true };
      const hook = hookOf[request.action];
      const outcome = await call(url, request);
      if (!outcome.answered) {
        log.warn('webhook', `${hook} hook ${outcome.failure}; refusing`, { url: shownUrl(url), app: request.app, stream: request.stream, clientId: request.clientId, detail: outcome.detail });
        return { ok: false, reason: `${hook} hook ${outcome.failure}` };
      }
      if (outcome.status >= 200 && outcome.status < 300) return { ok: true };
      // A 4xx is the hook saying no; anything else (5xx, or a 3xx from a moved endpoint) is a
      // broken hook the operator needs to hear about.
      if (outcome.status < 400 || outcome.status >= 500) {
        log.warn('webhook', `${hook} hook failed; refusing`, { url: shownUrl(url), status: outcome.status, app: request.app, stream: request.stream, clientId: request.clientId });
      }
      return { ok: false, reason: `${hook} hook answered ${outcome.status}`, status: outcome.status };
    },

    notify(notice) {
      const url = urls[notice.action];
      if (url === undefined) return;
      const hook = hookOf[notice.action];
      const sent = call(url, notice).then((outcome) => {
        if (outcome.answered && outcome.status >= 200 && outcome.status < 300) return;
        const detail = outcome.answered ? `answered ${outcome.status}` : `${outcome.failure}: ${outcome.detail}`;
        log.warn('webhook', `${hook} notification not delivered`, { url: shownUrl(url), app: notice.app, stream: notice.stream, clientId: notice.clientId, detail });
      });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    },

    async drain() {
      await Promise.all(inFlight);
    },
  };
}

function hookUrl(name: keyof WebhookUrls, value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  const url = URL.parse(value);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AuthConfigError('bad-hook-url', `${name} hook must be an absolute http(s) URL, got "${value}"`);
  }
  // fetch refuses such URLs on every call; better to say so once, at startup.
  if (url.username !== '' || url.password !== '') {
    throw new AuthConfigError('bad-hook-url', `${name} hook URL must not carry user:password@ (fetch refuses it); put a key in its query instead`);
  }
  return url;
}

/** A hook URL's query may carry a key; logs get the endpoint only. */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** fetch reports every network failure as "fetch failed"; the useful part is in its cause. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
