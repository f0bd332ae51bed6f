// Misconfiguration of authentication is refused at startup, never discovered per request.

export type AuthConfigErrorCode = 'no-secret' | 'weak-secret' | 'bad-hook-url' | 'bad-timeout' | 'bad-token-request';

export class AuthConfigError extends Error {
  readonly code: AuthConfigErrorCode;
  constructor(code: AuthConfigErrorCode, message: string) {
    super(message);
    this.name = 'AuthConfigError';
    this.code = code;
  }
}
