// `xlog decode FILE… [--key HEX | --key-file PATH] [--json] [--utc]` and `xlog keygen [--mars]`.
// The livelink command mounts this as `livelink xlog …`. Exit codes: 0 all decoded, 1 some
// blocks damaged (everything intact was still printed), 2 usage or key errors.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFile } from './decode-file.ts';
import { XlogError } from './errors.ts';
import { formatEntry } from './format.ts';
import { generateKeyPair, generateMarsKeyPair } from './keys.ts';

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const USAGE = `usage:
  xlog decode FILE|DIR... [--key PRIVATE_KEY_HEX | --key-file PATH] [--json] [--utc]
      Prints the records of our .xlog files and of Tencent Mars .xlog files, as text lines
      or (--json) one JSON object per line. Damaged blocks are reported on stderr.
  xlog keygen [--mars]
      Prints a new key pair as hex: give the public key to createLogger({ publicKey }) and
      keep the private key for decoding. --mars: a secp256k1 pair for a Mars client's pub_key.
`;

export async function runXlogCommand(argv: string[], io: CommandIo = process): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'decode') return decode(rest, io);
    if (command === 'keygen') return keygen(rest, io);
    io.stderr.write(command === undefined || command === 'help' || command === '--help' ? USAGE : `xlog: unknown command "${command}"\n${USAGE}`);
    return command === 'help' || command === '--help' ? 0 : 2;
  } catch (error) {
    if (error instanceof XlogError || isUsageError(error)) {
      io.stderr.write(`xlog: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

function decode(args: string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string' }, 'key-file': { type: 'string' }, json: { type: 'boolean' }, utc: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new XlogError('bad-option', 'decode needs at least one file');
  const keyFile = values['key-file'];
  const privateKey = values.key ?? (keyFile === undefined ? undefined : fs.readFileSync(keyFile, 'utf8'));
  const format = { json: values.json === true, timeZone: values.utc ? ('utc' as const) : ('local' as const) };
  let damaged = false;
  for (const file of expand(positionals)) {
    const { entries, issues } = decodeFile(file, { privateKey });
    let out = '';
    for (const entry of entries) out += `${formatEntry(entry, format)}\n`;
    io.stdout.write(out);
    for (const issue of issues) {
      io.stderr.write(`xlog: ${file}: offset ${issue.offset}: ${issue.code}: ${issue.message}\n`);
    }
    damaged ||= issues.length > 0;
  }
  return damaged ? 1 : 0;
}

/** Directories stand for the .xlog files in them, oldest name first. */
function expand(paths: string[]): string[] {
  return paths.flatMap((p) =>
    fs.statSync(p).isDirectory()
      ? fs.readdirSync(p).filter((n) => n.endsWith('.xlog')).sort().map((n) => path.join(p, n))
      : [p],
  );
}

function keygen(args: string[], io: CommandIo): number {
  const { values } = parseArgs({ args, options: { mars: { type: 'boolean' } } });
  const pair = values.mars ? generateMarsKeyPair() : generateKeyPair();
  const kind = values.mars ? 'secp256k1 (Mars)' : 'X25519';
  io.stdout.write(`# ${kind} key pair, hex\nprivate ${pair.privateKey}\npublic  ${pair.publicKey}\n`);
  return 0;
}

function isUsageError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('ERR_PARSE_ARGS') || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES');
}
