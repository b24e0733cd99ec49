/**
 * `npm test`'s set-up (scripts/test-setup.mjs): stops a non-root user before any test with the one apt-get line,
 * is silent when every tool is there, and as root installs exactly the missing packages.
 *
 * Tools are hidden, never faked: the search path is a directory of links to the real tools minus the hidden
 * ones, and fonts are hidden with an empty fontconfig. The one fake is `apt-get` (a real install needs root,
 * the network and minutes, and would change the machine); it logs its arguments and links the real binaries
 * back in, as the real packages would.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../scripts/test-setup.mjs', import.meta.url));
/** The executables the set-up looks for (chromium only in /usr/bin: the dashboard tests launch that file). */
const TOOLS = ['chromium', 'mosquitto_sub', 'docker-compose', 'openssl', 'fc-list', 'influxd'];

function realPath(bin: string): string {
  const dirs = bin === 'chromium' ? ['/usr/bin'] : (process.env.PATH ?? '').split(delimiter);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      // next directory
    }
  }
  throw new Error(`${bin} is not installed (npm test's set-up installs it)`);
}

let dir: string;
let tools: string; // the search path given to the set-up
let fakeBin: string; // holds the fake apt-get, first on the child's PATH
let aptLog: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'caideng-test-setup-'));
  tools = join(dir, 'tools');
  fakeBin = join(dir, 'bin');
  aptLog = join(dir, 'apt.log');
  mkdirSync(tools);
  mkdirSync(fakeBin);
  // The fake apt-get: records DEBIAN_FRONTEND and its arguments, fails if asked to, and on `install` links the
  // real tools named in FAKE_APT_LINKS into the search path.
  writeFileSync(
    join(fakeBin, 'apt-get'),
    [
      '#!/bin/sh',
      `echo "$DEBIAN_FRONTEND $*" >> '${aptLog}'`,
      '[ -n "$FAKE_APT_FAIL" ] && exit 100',
      `[ "$1" = install ] && for link in $FAKE_APT_LINKS; do ln -s "\${link#*=}" '${tools}'/"\${link%%=*}"; done`,
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Links every real tool except the hidden ones into the search path. */
function hide(...hidden: string[]): void {
  for (const bin of TOOLS) if (!hidden.includes(bin)) symlinkSync(realPath(bin), join(tools, bin));
}

/** A fontconfig with no font directories: fc-list finds no CJK font. */
function hideFonts(): Record<string, string> {
  const file = join(dir, 'fonts.conf');
  writeFileSync(file, `<?xml version="1.0"?>\n<fontconfig><cachedir>${join(dir, 'fc-cache')}</cachedir></fontconfig>\n`);
  return { FONTCONFIG_FILE: file };
}

function setup(env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${fakeBin}${delimiter}${process.env.PATH}`, CAIDENG_SETUP_PATH: tools, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, apt: existsSync(aptLog) ? readFileSync(aptLog, 'utf8') : '' };
}

describe('test set-up', () => {
  it('stops a non-root user before any test with the one apt-get line, naming the missing tools', () => {
    hide('chromium', 'mosquitto_sub');
    const run = setup({ CAIDENG_SETUP_AS_ROOT: '0', ...hideFonts() });
    expect(run.code).toBe(1);
    const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.includes('apt-get'));
    expect(lines).toEqual(['sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium mosquitto-clients fonts-noto-cjk']);
    expect(run.stdout.trim()).toBe(lines[0]);
    expect(run.stderr).toContain('chromium (chromium), mosquitto_sub (mosquitto-clients), CJK fonts (fonts-noto-cjk)');
    expect(run.stderr).not.toContain('docker-compose');
    expect(run.apt).toBe('');
  });

  it('exits 0 without a word when every tool is installed (the real lookup: PATH, /usr/bin/chromium, fc-list)', () => {
    const run = setup({ CAIDENG_SETUP_AS_ROOT: '0', CAIDENG_SETUP_PATH: undefined });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '', apt: '' });
  });

  it('as root installs exactly the missing packages with apt-get, non-interactively, and checks again', () => {
    hide('mosquitto_sub', 'docker-compose');
    const links = `mosquitto_sub=${realPath('mosquitto_sub')} docker-compose=${realPath('docker-compose')}`;
    const run = setup({ CAIDENG_SETUP_AS_ROOT: '1', FAKE_APT_LINKS: links, DEBIAN_FRONTEND: undefined });
    expect(run.apt).toBe('noninteractive update\nnoninteractive install -y --no-install-recommends mosquitto-clients docker-compose\n');
    expect(run.stderr).toContain('installing mosquitto_sub (mosquitto-clients), docker-compose (docker-compose)');
    expect(run.code).toBe(0);
  });

  it('as root fails with exit 1 when apt-get fails, or when a tool is still missing after the install', () => {
    hide('openssl');
    const failed = setup({ CAIDENG_SETUP_AS_ROOT: '1', FAKE_APT_FAIL: '1' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('apt-get update exited with 100; the tests need openssl (openssl)');
    rmSync(aptLog);
    const notProvided = setup({ CAIDENG_SETUP_AS_ROOT: '1', FAKE_APT_LINKS: '' });
    expect(notProvided.apt).toContain('install -y --no-install-recommends openssl');
    expect(notProvided.code).toBe(1);
    expect(notProvided.stderr).toContain('still missing after apt-get install: openssl (openssl)');
  });
});
