#!/usr/bin/env node
/**
 * `npm test`'s set-up (the root `pretest` script, so it runs before the build): finds the system tools the
 * tests need. Missing ones are installed with apt-get when running as root; otherwise it stops before any
 * test, exit code 1, with the one command to run. Plain Node, no dependencies: it runs before anything is built.
 *
 * For its own test only: CAIDENG_SETUP_PATH replaces every directory searched (PATH and chromium's fixed
 * /usr/bin), CAIDENG_SETUP_AS_ROOT=1|0 replaces the uid check.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What the tests need, one line each: the name shown, the Debian package that provides it, and how it is found
 * (`bin`: an executable on PATH, or only in `dirs`; `check`: a command that must print something).
 */
const TOOLS = [
  { name: 'chromium', pkg: 'chromium', bin: 'chromium', dirs: ['/usr/bin'] }, // the dashboard tests launch /usr/bin/chromium
  { name: 'mosquitto_sub', pkg: 'mosquitto-clients', bin: 'mosquitto_sub' }, // an independent MQTT client (test/start)
  { name: 'docker-compose', pkg: 'docker-compose', bin: 'docker-compose' }, // validates docker-compose.yml
  { name: 'openssl', pkg: 'openssl', bin: 'openssl' }, // throwaway TLS certificates
  { name: 'fc-list', pkg: 'fontconfig', bin: 'fc-list' }, // the font check below
  { name: 'CJK fonts', pkg: 'fonts-noto-cjk', check: ['fc-list', ':lang=zh', 'family'] }, // Chinese in screenshots
  { name: 'influxd', pkg: 'influxdb', bin: 'influxd' }, // the InfluxDB metrics store's tests run a real influxd 1.x
];

const searchPath = process.env.CAIDENG_SETUP_PATH;
const asRoot = process.env.CAIDENG_SETUP_AS_ROOT !== undefined ? process.env.CAIDENG_SETUP_AS_ROOT === '1' : process.getuid?.() === 0;

function dirsFor(tool) {
  if (searchPath !== undefined) return searchPath.split(delimiter).filter(Boolean);
  return tool.dirs ?? (process.env.PATH ?? '').split(delimiter).filter(Boolean);
}

/** The executable's full path, or undefined. */
function locate(bin, dirs) {
  for (const dir of dirs) {
    const file = join(dir, bin);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function present(tool) {
  if (tool.bin) return locate(tool.bin, dirsFor(tool)) !== undefined;
  const [bin, ...args] = tool.check;
  const file = locate(bin, dirsFor(tool));
  if (!file) return false;
  const result = spawnSync(file, args, { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() !== '';
}

const missingTools = () => TOOLS.filter((tool) => !present(tool));
const describe = (tools) => tools.map((t) => `${t.name} (${t.pkg})`).join(', ');
const packages = (tools) => [...new Set(tools.map((t) => t.pkg))];

function apt(args) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) throw new Error(`could not run apt-get: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`apt-get ${args[0]} exited with ${result.status ?? result.signal}`);
}

function main() {
  const missing = missingTools();
  if (missing.length === 0) return 0;
  const pkgs = packages(missing);
  if (!asRoot) {
    console.error(`npm test needs system tools that are missing: ${describe(missing)}. Install them, then run npm test again:`);
    console.log(`sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`);
    return 1;
  }
  console.error(`test set-up: installing ${describe(missing)} with apt-get`);
  try {
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', ...pkgs]);
  } catch (err) {
    console.error(`test set-up: ${err.message}; the tests need ${describe(missing)}`);
    return 1;
  }
  const still = missingTools();
  if (still.length > 0) {
    console.error(`test set-up: still missing after apt-get install: ${describe(still)}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
