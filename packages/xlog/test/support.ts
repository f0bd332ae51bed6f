// Shared helpers for the xlog tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFile, type LogRecord } from '../src/index.ts';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xlog-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the test moves by hand. */
export function manualClock(start: number): { now(): number; set(ms: number): void; advance(ms: number): void } {
  let time = start;
  return { now: () => time, set: (ms) => (time = ms), advance: (ms) => (time += ms) };
}

export function xlogFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.xlog')).sort(byNameThenIndex);
}

/** PREFIX_DAY.xlog < PREFIX_DAY_1.xlog < PREFIX_DAY_2.xlog < … < PREFIX_DAY_10.xlog. */
function byNameThenIndex(a: string, b: string): number {
  const key = (n: string) => n.replace(/\.xlog$/, '').replace(/_(\d+)$/, (_m, i: string) => `_${i.padStart(6, '0')}`).replace(/_(\d{8})$/, '_$1_000000');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Every record of every .xlog file in `dir`, in file order; fails the test on any issue. */
export function decodeDir(dir: string, privateKey?: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const name of xlogFiles(dir)) {
    const { entries, issues } = decodeFile(path.join(dir, name), { privateKey });
    if (issues.length > 0) throw new Error(`${name}: ${JSON.stringify(issues)}`);
    for (const e of entries) if (e.type === 'record') records.push(e.record);
  }
  return records;
}
