// The one question the RTMP and HTTP edges ask before a publish or play starts: may this client
// do this? A signed token is checked first (local and cheap, so a flood of bad URLs never
// reaches the operator's backend), then the on_publish / on_play hook.
import { checkSecrets, verifyStreamToken, type TokenRefusal } from './token.ts';
import type { AccessRequest, EndNotice, Webhooks } from './webhook.ts';

export interface TokenPolicy {
  /** Accepted secrets; during a rotation the new one first, then the old ones. */
  secrets: readonly string[];
  requireForPublish: boolean;
  requireForPlay: boolean;
}

export interface AuthorizerOptions {
  token?: TokenPolicy;
  webhooks?: Webhooks;
  /** Unix time in seconds; defaults to the system clock. */
  now?: () => number;
}

/**
 * `httpStatus` is what an HTTP edge answers: 401 when no token was presented, 403 when the
 * token or the hook (4xx) said no, 503 when the hook could not be asked or is broken (3xx, 5xx).
 */
export type AccessDecision = { ok: true } | { ok: false; reason: string; httpStatus: 401 | 403 | 503 };

export interface Authorizer {
  authorize(request: AccessRequest): Promise<AccessDecision>;
  /** on_unpublish / on_stop, when configured. */
  notify(notice: EndNotice): void;
  /** Waits for notifications still being delivered (for shutdown). */
  drain(): Promise<void>;
}

const tokenProblem: Record<TokenRefusal, string> = {
  missing: 'token missing',
  expired: 'token expired',
  'bad-signature': 'token signature invalid',
  malformed: 'token malformed',
};

export function createAuthorizer(options: AuthorizerOptions = {}): Authorizer {
  const { token, webhooks, now } = options;
  if (token !== undefined) checkSecrets(token.secrets);

  return {
    async authorize(request) {
      const tokenRequired = token !== undefined && (request.action === 'publish' ? token.requireForPublish : token.requireForPlay);
      if (tokenRequired) {
        const check = verifyStreamToken({ secret: token.secrets, app: request.app, stream: request.stream, action: request.action, query: request.query, now: now?.() });
        if (!check.ok) {
          return { ok: false, reason: `${request.action} ${tokenProblem[check.reason]}`, httpStatus: check.reason === 'missing' ? 401 : 403 };
        }
      }
      if (webhooks === undefined) return { ok: true };
      const decision = await webhooks.authorize(request);
      if (decision.ok) return decision;
      const hookSaidNo = decision.status !== undefined && decision.status >= 400 && decision.status < 500;
      return { ok: false, reason: decision.reason, httpStatus: hookSaidNo ? 403 : 503 };
    },
    notify(notice) {
      webhooks?.notify(notice);
    },
    async drain() {
      await webhooks?.drain();
    },
  };
}
