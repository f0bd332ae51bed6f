// `livelink serve` settings: each one from a flag, else the environment, else the config
// file, else its default. One table drives parsing, validation and --help, so the three
// sources cannot disagree about names.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ServeSettings {
  host: string;
  rtmpPort: number;
  httpPort: number;
  linkPort: number;
  dataDir: string;
  /** Milliseconds writes to players are held to be merged; 0 = flush every event-loop turn (low latency). */
  mergeWindowMs: number;
  /** Bytes of GOP cache per stream; 0 disables it. */
  gopCacheBytes: number;
  /** Record every publish to FLV under dataDir/recordings. */
  record: boolean;
  /** Comma-separated token secrets (the first signs); empty: no tokens. */
  authSecret: string;
  authPublish: boolean;
  authPlay: boolean;
  hookOnPublish: string;
  hookOnPlay: string;
  hookOnUnpublish: string;
  hookOnStop: string;
  adminToken: string;
  hlsFormat: 'ts' | 'fmp4';
  /** Low-Latency HLS part target in milliseconds; 0 = off (fMP4 only). */
  hlsPartMs: number;
  /** Finished segments listed in an HLS playlist. */
  hlsWindow: number;
}

/** string: required text; text: optional text ('' when unset); flag: a switch. */
type Kind = 'string' | 'text' | 'flag' | 'port' | 'count';

interface SettingSpec {
  key: keyof ServeSettings;
  flag: string;
  env: string;
  kind: Kind;
  default: string | number | boolean;
  help: string;
  /** The only values accepted, for settings that are a choice. */
  choices?: readonly string[];
}

export const settingSpecs: readonly SettingSpec[] = [
  { key: 'host', flag: 'host', env: 'LIVELINK_HOST', kind: 'string', default: '0.0.0.0', help: 'address every listener binds to' },
  { key: 'rtmpPort', flag: 'rtmp-port', env: 'LIVELINK_RTMP_PORT', kind: 'port', default: 1935, help: 'RTMP publish/play port' },
  { key: 'httpPort', flag: 'http-port', env: 'LIVELINK_HTTP_PORT', kind: 'port', default: 8000, help: 'HTTP port: web app, HTTP-FLV/WS-FLV/HLS, API, WebSocket long links, short links' },
  { key: 'linkPort', flag: 'link-port', env: 'LIVELINK_LINK_PORT', kind: 'port', default: 8081, help: 'TCP long-link port (Mars framing)' },
  { key: 'dataDir', flag: 'data-dir', env: 'LIVELINK_DATA_DIR', kind: 'string', default: './data', help: 'directory for logs, recordings and chat storage' },
  { key: 'mergeWindowMs', flag: 'merge-window-ms', env: 'LIVELINK_MERGE_WINDOW_MS', kind: 'count', default: 0, help: 'hold player writes this long to merge them (throughput mode); 0 = lowest latency' },
  { key: 'gopCacheBytes', flag: 'gop-cache-bytes', env: 'LIVELINK_GOP_CACHE_BYTES', kind: 'count', default: 8 * 1024 * 1024, help: 'GOP cache size per stream; 0 disables it' },
  { key: 'record', flag: 'record', env: 'LIVELINK_RECORD', kind: 'flag', default: false, help: 'record every publish to FLV files under <data-dir>/recordings' },
  { key: 'authSecret', flag: 'auth-secret', env: 'LIVELINK_AUTH_SECRET', kind: 'text', default: '', help: 'token secrets, comma-separated, the signing one first (see livelink token)' },
  { key: 'authPublish', flag: 'auth-publish', env: 'LIVELINK_AUTH_PUBLISH', kind: 'flag', default: false, help: 'publishing requires a signed token' },
  { key: 'authPlay', flag: 'auth-play', env: 'LIVELINK_AUTH_PLAY', kind: 'flag', default: false, help: 'playing requires a signed token' },
  { key: 'hookOnPublish', flag: 'hook-on-publish', env: 'LIVELINK_HOOK_ON_PUBLISH', kind: 'text', default: '', help: 'URL asked before each publish (non-2xx refuses)' },
  { key: 'hookOnPlay', flag: 'hook-on-play', env: 'LIVELINK_HOOK_ON_PLAY', kind: 'text', default: '', help: 'URL asked before each play (non-2xx refuses)' },
  { key: 'hookOnUnpublish', flag: 'hook-on-unpublish', env: 'LIVELINK_HOOK_ON_UNPUBLISH', kind: 'text', default: '', help: 'URL told when a publish ends' },
  { key: 'hookOnStop', flag: 'hook-on-stop', env: 'LIVELINK_HOOK_ON_STOP', kind: 'text', default: '', help: 'URL told when a play ends' },
  { key: 'hlsFormat', flag: 'hls-format', env: 'LIVELINK_HLS_FORMAT', kind: 'string', default: 'ts', choices: ['ts', 'fmp4'], help: 'HLS segments: ts (MPEG-TS) or fmp4 (CMAF)' },
  { key: 'hlsPartMs', flag: 'hls-part-ms', env: 'LIVELINK_HLS_PART_MS', kind: 'count', default: 0, help: 'Low-Latency HLS: partial segments of at most this many ms (e.g. 500), blocking playlist reload; needs --hls-format fmp4; 0 = off' },
  { key: 'hlsWindow', flag: 'hls-window', env: 'LIVELINK_HLS_WINDOW', kind: 'count', default: 6, help: 'HLS playlist window in segments (a 2 s target each); 8 or more with --hls-part-ms also offers playlist delta updates' },
  { key: 'adminToken', flag: 'admin-token', env: 'LIVELINK_ADMIN_TOKEN', kind: 'text', default: '', help: 'bearer token the admin API (/api/v1/clients, /api/v1/server) requires' },
];

export class SettingsError extends Error {
  readonly code: 'bad-value' | 'bad-config-file' | 'unknown-flag';
  constructor(code: SettingsError['code'], message: string) {
    super(message);
    this.name = 'SettingsError';
    this.code = code;
  }
}

export interface ParsedServeArgs {
  settings: ServeSettings;
  help: boolean;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedServeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        config: { type: 'string' },
        ...Object.fromEntries(settingSpecs.map((spec) => [spec.flag, { type: spec.kind === 'flag' ? ('boolean' as const) : ('string' as const) }])),
      },
    });
  } catch (error) {
    throw new SettingsError('unknown-flag', (error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const configPath = (values.config as string | undefined) ?? env.LIVELINK_CONFIG;
  const fileValues = configPath ? readConfigFile(configPath) : {};

  const settings = {} as Record<keyof ServeSettings, string | number | boolean>;
  for (const spec of settingSpecs) {
    const flagValue = values[spec.flag] as string | boolean | undefined;
    const source =
      flagValue !== undefined ? { raw: flagValue, from: `--${spec.flag}` }
      : env[spec.env] !== undefined ? { raw: env[spec.env] as string, from: spec.env }
      : fileValues[spec.key] !== undefined ? { raw: fileValues[spec.key], from: `${configPath}: ${spec.key}` }
      : { raw: spec.default, from: 'default' };
    settings[spec.key] = coerce(spec, source.raw, source.from);
  }
  return { settings: settings as unknown as ServeSettings, help: values.help === true };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError('bad-config-file', `cannot read config file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SettingsError('bad-config-file', `config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SettingsError('bad-config-file', `config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>(settingSpecs.map((spec) => spec.key));
  const unknown = Object.keys(data).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new SettingsError('bad-config-file', `config file ${path} has unknown keys: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
  return data as Record<string, unknown>;
}

function coerce(spec: SettingSpec, raw: unknown, from: string): string | number | boolean {
  if (spec.kind === 'string' || spec.kind === 'text') {
    if (typeof raw !== 'string' || (spec.kind === 'string' && raw === '')) throw new SettingsError('bad-value', `${from}: expected a ${spec.kind === 'string' ? 'non-empty ' : ''}string`);
    if (spec.choices !== undefined && !spec.choices.includes(raw)) throw new SettingsError('bad-value', `${from}: expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw;
  }
  if (spec.kind === 'flag') {
    if (typeof raw === 'boolean') return raw;
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false' || raw === '') return false;
    throw new SettingsError('bad-value', `${from}: expected true or false (1 or 0), got ${JSON.stringify(raw)}`);
  }
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  const max = spec.kind === 'port' ? 65535 : Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new SettingsError('bad-value', `${from}: expected ${spec.kind === 'port' ? 'a port (0-65535)' : 'a whole number'}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function serveHelp(): string {
  const rows = settingSpecs.map((spec) => `  --${spec.flag}${spec.kind === 'flag' ? '' : ' <value>'}`.padEnd(30) + `${spec.help}\n${' '.repeat(30)}env ${spec.env}, config key "${spec.key}", default ${JSON.stringify(spec.default)}`);
  return [
    'Usage: livelink serve [options]',
    '',
    'Runs the streaming server, the link gateway and the web app. Each setting comes from its flag,',
    'else its environment variable, else the JSON config file, else its default.',
    '',
    '  --config <file>'.padEnd(30) + 'JSON config file (env LIVELINK_CONFIG)',
    ...rows,
    '  -h, --help'.padEnd(30) + 'show this help',
    '',
    'On start, serve restarts itself in place (same pid) with a young generation capped at 2 MB',
    '(--max-semi-space-size=1): less memory per player; with gc exposed, to give memory back after an',
    'audience leaves; and, on a single CPU, with V8\'s GC on the main thread (--single-threaded-gc):',
    'shorter stalls. LIVELINK_RUNTIME_TUNING=off keeps the process as started.',
    '',
  ].join('\n');
}
