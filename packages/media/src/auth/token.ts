// Signed stream tokens: `expires=<unix seconds>&sign=<hex HMAC-SHA256>` in the query string of a
// publish or play URL (format and canonical string in docs/auth.md). The signature covers the
// action, so a viewer's play token can never be replayed to publish the same stream.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthConfigError } from './errors.ts';

export type StreamAction = 'publish' | 'play';

export type TokenRefusal = 'missing' | 'expired' | 'bad-signature' | 'malformed';

export type TokenCheck = { ok: true } | { ok: false; reason: TokenRefusal };

/** A shorter secret could be brute-forced offline from a single token seen in a URL. */
export const MIN_SECRET_LENGTH = 16;

/** 12 digits reach the year 33658; no sign, exponent or fraction, so one number has one spelling. */
const EXPIRES_TEXT = /^[0-9]{1,12}$/;
const MAX_EXPIRES = 999_999_999_999;
/** Lowercase only: a signature has exactly one accepted spelling. */
const SIGN_TEXT = /^[0-9a-f]{64}$/;

export interface SignTokenRequest {
  secret: string;
  app: string;
  stream: string;
  action: StreamAction;
  /** Unix time in seconds (integer) after which the token is refused. */
  expiresAt: number;
}

export interface VerifyTokenRequest {
  /** The current secret, or during a rotation every secret still accepted. */
  secret: string | readonly string[];
  app: string;
  stream: string;
  action: StreamAction;
  /** The URL's query string (with or without its '?'), or its parsed parameters. */
  query: string | URLSearchParams;
  /** Unix time in seconds; defaults to the system clock. */
  now?: number;
}

/** Returns the query string to append to the URL (without '?'). */
export function signStreamToken(request: SignTokenRequest): string {
  checkSecrets([request.secret]);
  const { expiresAt } = request;
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_EXPIRES) {
    throw new AuthConfigError('bad-token-request', `expiresAt must be a whole number of Unix seconds in 0..${MAX_EXPIRES}, got ${expiresAt}`);
  }
  const expires = String(expiresAt);
  return `expires=${expires}&sign=${signature(request.secret, request.action, request.app, request.stream, expires)}`;
}

export function verifyStreamToken(request: VerifyTokenRequest): TokenCheck {
  const secrets = typeof request.secret === 'string' ? [request.secret] : request.secret;
  checkSecrets(secrets);
  const params = typeof request.query === 'string' ? new URLSearchParams(request.query) : request.query;
  const expiresValues = params.getAll('expires');
  const signValues = params.getAll('sign');
  if (expiresValues.length === 0 && signValues.length === 0) return { ok: false, reason: 'missing' };
  // A repeated parameter is refused rather than resolved: a webhook or proxy reading the
  // other copy must never see a different token from the one verified here.
  if (expiresValues.length !== 1 || signValues.length !== 1) return { ok: false, reason: 'malformed' };
  const [expires] = expiresValues;
  const [sign] = signValues;
  if (!EXPIRES_TEXT.test(expires) || !SIGN_TEXT.test(sign)) return { ok: false, reason: 'malformed' };

  // The signature is checked before the expiry so that 'expired' only ever describes a
  // genuine token, which is what an operator reading the logs needs to know.
  const presented = Buffer.from(sign, 'latin1');
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signature(secret, request.action, request.app, request.stream, expires), 'latin1');
    if (timingSafeEqual(presented, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'bad-signature' };
  const now = request.now ?? Date.now() / 1000;
  if (now >= Number(expires)) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/** The text that is signed; names are percent-encoded so that no name can imitate a separator. */
export function tokenStringToSign(action: StreamAction, app: string, stream: string, expires: string): string {
  return `${action}:${encodeName(app)}/${encodeName(stream)}:${expires}`;
}

/**
 * A comma-separated secret list as operators write it in one setting or environment variable
 * ("new,old" during a rotation); the first entry is the one new tokens are signed with.
 */
export function parseSecretList(text: string): string[] {
  return text.split(',').map((secret) => secret.trim()).filter((secret) => secret !== '');
}

export function checkSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) throw new AuthConfigError('no-secret', 'stream tokens need at least one secret');
  for (const [index, secret] of secrets.entries()) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new AuthConfigError('weak-secret', `token secret #${index + 1} has ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required (e.g. openssl rand -hex 32)`);
    }
  }
}

function signature(secret: string, action: StreamAction, app: string, stream: string, expires: string): string {
  return createHmac('sha256', secret).update(tokenStringToSign(action, app, stream, expires), 'utf8').digest('hex');
}

/** RFC 3986 percent-encoding of the UTF-8 bytes: everything but A-Z a-z 0-9 - . _ ~ is %XX. */
function encodeName(name: string): string {
  return encodeURIComponent(name.toWellFormed()).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
