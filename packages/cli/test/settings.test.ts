import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeArgs, serveHelp, SettingsError, settingSpecs } from '../src/settings.ts';

const configFile = (data: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), 'livelink-cfg-')), 'livelink.json');
  writeFileSync(path, JSON.stringify(data));
  return path;
};

test('defaults are the documented ports and data directory', () => {
  const { settings } = parseServeArgs([], {});
  assert.equal(settings.rtmpPort, 1935);
  assert.equal(settings.httpPort, 8000);
  assert.equal(settings.linkPort, 8081);
  assert.equal(settings.dataDir, './data');
});

test('a flag beats the environment, which beats the config file, which beats the default', () => {
  const file = configFile({ rtmpPort: 3001, httpPort: 3002, linkPort: 3003 });
  const env = { LIVELINK_RTMP_PORT: '2001', LIVELINK_HTTP_PORT: '2002' };
  const { settings } = parseServeArgs(['--config', file, '--rtmp-port', '1001'], env);
  assert.equal(settings.rtmpPort, 1001, 'flag');
  assert.equal(settings.httpPort, 2002, 'env');
  assert.equal(settings.linkPort, 3003, 'file');
  assert.equal(settings.host, '0.0.0.0', 'default');
});

test('the config file can come from LIVELINK_CONFIG', () => {
  const file = configFile({ dataDir: '/tmp/x' });
  assert.equal(parseServeArgs([], { LIVELINK_CONFIG: file }).settings.dataDir, '/tmp/x');
});

test('bad values, unknown flags and unknown config keys are refused with the source named', () => {
  assert.throws(() => parseServeArgs(['--rtmp-port', '70000'], {}), (e: unknown) => e instanceof SettingsError && /--rtmp-port/.test(e.message));
  assert.throws(() => parseServeArgs([], { LIVELINK_HTTP_PORT: 'eighty' }), /LIVELINK_HTTP_PORT/);
  assert.throws(() => parseServeArgs(['--nope'], {}), (e: unknown) => e instanceof SettingsError && e.code === 'unknown-flag');
  assert.throws(() => parseServeArgs(['--config', configFile({ rtmp_port: 1 })], {}), /unknown keys: rtmp_port/);
  assert.throws(() => parseServeArgs(['--config', '/nonexistent/livelink.json'], {}), /cannot read config file/);
});

test('--help documents every flag with its environment variable', () => {
  const help = serveHelp();
  for (const spec of settingSpecs) {
    assert.ok(help.includes(`--${spec.flag}`), spec.flag);
    assert.ok(help.includes(spec.env), spec.env);
  }
  assert.equal(parseServeArgs(['--help'], {}).help, true);
});

test('a setting that is a choice accepts only its values', () => {
  assert.equal(parseServeArgs(['--hls-format', 'fmp4'], {}).settings.hlsFormat, 'fmp4');
  assert.equal(parseServeArgs([], {}).settings.hlsFormat, 'ts');
  assert.throws(() => parseServeArgs(['--hls-format', 'mp4'], {}), /--hls-format: expected one of ts, fmp4/);
});
