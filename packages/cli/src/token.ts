// `livelink token`: signs a publish or play token for one stream, for operators and the scripts
// that hand URLs to encoders and players. The format is described in docs/auth.md.
import { parseArgs } from 'node:util';
import { AuthConfigError, parseSecretList, signStreamToken, type StreamAction } from '@livelink/media';

export interface TokenIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Unix time in seconds. */
  now(): number;
}

const processIo: TokenIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => Date.now() / 1000,
};

export const tokenHelp = `Usage: livelink token --stream NAME --action publish|play [options]

Prints the query string that lets a client publish or play APP/STREAM until it expires
(docs/auth.md). With --url-base, also prints the whole URL.

Options:
  --secret S          signing secret; default LIVELINK_AUTH_SECRET (the first entry of a
                      comma-separated list). A flag is visible in the process list: prefer the variable.
  --app NAME          application (default: live)
  --stream NAME       stream name (required)
  --action ACTION     publish or play (required): a token grants one action only
  --expires-in SEC    seconds the token stays valid (default: 3600)
  --url-base URL      rtmp://host:1935 gives rtmp://host:1935/APP/STREAM?...;
                      http(s):// or ws(s):// bases give .../APP/STREAM.flv?...
  -h, --help          show this help
`;

class UsageError extends Error {}

export async function runToken(argv: string[], io: TokenIo = processIo): Promise<number> {
  try {
    const values = readOptions(argv);
    if (values.help === true) {
      io.stdout(tokenHelp);
      return 0;
    }
    const request = tokenRequest(values, io);
    const query = signStreamToken(request);
    const base = values['url-base'];
    io.stdout(base === undefined ? `${query}\n` : `${query}\n${streamUrl(base, request.app, request.stream)}?${query}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof AuthConfigError)) throw error;
    io.stderr(`livelink token: ${error.message}\n`);
    return 2;
  }
}

function readOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        secret: { type: 'string' },
        app: { type: 'string', default: 'live' },
        stream: { type: 'string' },
        action: { type: 'string' },
        'expires-in': { type: 'string', default: '3600' },
        'url-base': { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function tokenRequest(values: ReturnType<typeof readOptions>, io: TokenIo) {
  const secret = values.secret ?? parseSecretList(io.env.LIVELINK_AUTH_SECRET ?? '')[0];
  if (secret === undefined) throw new UsageError('no secret: pass --secret or set LIVELINK_AUTH_SECRET');
  if (values.stream === undefined || values.stream === '') throw new UsageError('--stream is required');
  if (values.app === '') throw new UsageError('--app must not be empty');
  if (values.action !== 'publish' && values.action !== 'play') {
    throw new UsageError(`--action must be publish or play${values.action === undefined ? '' : `, got "${values.action}"`}`);
  }
  const expiresIn = values['expires-in'];
  if (!/^[1-9][0-9]*$/.test(expiresIn)) throw new UsageError(`--expires-in must be a positive whole number of seconds, got "${expiresIn}"`);
  const action: StreamAction = values.action;
  return { secret, app: values.app, stream: values.stream, action, expiresAt: Math.floor(io.now()) + Number(expiresIn) };
}

/** RTMP names the stream directly; HTTP and WebSocket bases serve it as .flv. */
const streamSuffix = new Map([['rtmp:', ''], ['rtmps:', ''], ['http:', '.flv'], ['https:', '.flv'], ['ws:', '.flv'], ['wss:', '.flv']]);

function streamUrl(base: string, app: string, stream: string): string {
  const protocol = URL.parse(base)?.protocol;
  const suffix = protocol === undefined ? undefined : streamSuffix.get(protocol);
  if (suffix === undefined) throw new UsageError(`--url-base must be an rtmp(s)://, http(s):// or ws(s):// URL, got "${base}"`);
  const path = [...app.split('/'), stream].map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${path}${suffix}`;
}
