/**
 * The operator's commands as processes, as the README uses them (`npm run credentials -- …`, `npm start`):
 * listing, rotating and revoking credentials against a running controller and offline, complete output
 * into a slow pipe, usage and unknown flags.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { readProvisioning } from '../src/credentials/provisioning.js';
import { DEMO_COUNTY, SMALL_COUNTY, connect, connectDevice, endClient, startTestController, tempDir, type TestController } from './helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs a built CLI; resolves with its exit code and output whatever the code. */
function runCli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [script, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Resolves when the broker closes the client's connection. */
function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

const refused = /Bad username or password/i;
let ctl: TestController;

beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

describe('credentials command', () => {
  it('prints a compound monitor account as shell variables that log in', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'alpha', '--role', 'monitor', '--format', 'env']);
    const env = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(env.CAIDENG_MQTT_USERNAME).toBe('alpha/monitor/ops');
    expect(env.CAIDENG_MQTT_URL).toBe(ctl.mqttUrl);
    const client = await connect(ctl.mqttUrl, { username: env.CAIDENG_MQTT_USERNAME, password: env.CAIDENG_MQTT_PASSWORD, clientId: env.CAIDENG_MQTT_USERNAME });
    expect(client.connected).toBe(true);
    await endClient(client);
  });

  it('lists every device of a compound with the operator token in the table format', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'beta']);
    expect(stdout).toContain(`HTTP operator token: ${ctl.operatorToken()}`);
    for (const u of ['beta/group/g01', 'beta/group/g02', 'beta/kiosk/k1', 'beta/monitor/ops']) expect(stdout).toContain(u);
    expect(stdout).not.toContain('alpha/');
  });

  it('says what to do when there is nothing to show', async () => {
    const empty = tempDir();
    const missing = await run(process.execPath, [CLI, 'credentials', '--data-dir', empty]).catch((e: { code: number; stderr: string }) => e);
    expect((missing as { code: number }).code).toBe(1);
    expect((missing as { stderr: string }).stderr).toMatch(/start the controller once/);
    const unknown = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'nowhere']).catch((e: { code: number; stderr: string }) => e);
    expect((unknown as { stderr: string }).stderr).toContain("no credentials for compound 'nowhere'");
    const format = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--format', 'xml']).catch((e: { code: number; stderr: string }) => e);
    expect((format as { code: number }).code).toBe(2);
  });
});

describe('credentials rotate and revoke on a running controller', () => {
  let live: TestController;
  beforeAll(async () => {
    live = await startTestController();
  });
  afterAll(async () => {
    await live.dispose();
  });

  it('rotate ends the live session at once; the old secret is refused and the new one works', async () => {
    const user = 'alpha/group/g01';
    const old = live.password(user);
    const client = await connectDevice(live, user);
    const gone = closed(client);
    const { code, stdout, stderr } = await runCli(CLI, ['credentials', 'rotate', user, '--data-dir', live.dataDir]);
    expect(stderr).toBe(`rotated ${user} on the controller at ${live.httpUrl}; its sessions were closed\n`);
    expect(code).toBe(0);
    await gone;
    const [name, secret] = stdout.trim().split(/\s+/);
    expect(name).toBe(user);
    expect(secret).not.toBe(old);
    expect(live.password(user)).toBe(secret);
    await expect(connect(live.mqttUrl, { username: user, password: old, clientId: user })).rejects.toThrow(refused);
    const again = await connect(live.mqttUrl, { username: user, password: secret!, clientId: user });
    expect(again.connected).toBe(true);
    await endClient(again);
    client.end(true);
  });

  it('revoke ends the live session at once and the device is refused from then on', async () => {
    const user = 'beta/kiosk/k1';
    const old = live.password(user);
    const client = await connectDevice(live, user);
    const gone = closed(client);
    const { code, stdout } = await runCli(CLI, ['credentials', 'revoke', user, '--data-dir', live.dataDir, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ username: user, revokedAt: expect.any(Number) });
    await gone;
    await expect(connect(live.mqttUrl, { username: user, password: old, clientId: user })).rejects.toThrow(refused);
    expect(() => live.password(user)).toThrow(/no credential/);
    client.end(true);

    const again = await runCli(CLI, ['credentials', 'revoke', user, '--data-dir', live.dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`caideng-admin: CAIDENG_ERR_CREDENTIAL_NOT_FOUND: device '${user}' has no credential to revoke\n`);
  });

  it('names a device that is not in the registry, and refuses what is not a username', async () => {
    const unknown = await runCli(CLI, ['credentials', 'rotate', 'alpha/group/g99', '--data-dir', live.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('CAIDENG_ERR_DEVICE_NOT_FOUND');
    const bad = await runCli(CLI, ['credentials', 'rotate', 'g01', '--data-dir', live.dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("caideng-admin: 'g01' is not a device username ({compound}/{role}/{device}) (see --help)\n");
  });
});

describe('credentials rotate and revoke with no controller running', () => {
  it('changes the store in the data directory; the next start refuses the old secrets and accepts the new one', async () => {
    const first = await startTestController();
    const dataDir = first.dataDir;
    const oldGroup = first.password('alpha/group/g02');
    const oldKiosk = first.password('alpha/kiosk/k1');
    const untouched = first.password('beta/group/g01');
    await first.stop();
    try {
      const rotated = await runCli(CLI, ['credentials', 'rotate', 'alpha/group/g02', '--data-dir', dataDir, '--format', 'json']);
      expect(rotated.code).toBe(0);
      expect(rotated.stderr).toMatch(/^rotated alpha\/group\/g02 in the store at .* \(no controller at http:\/\/127\.0\.0\.1:\d+\); the next start uses it\n$/);
      const { password } = JSON.parse(rotated.stdout) as { password: string };
      const revoked = await runCli(CLI, ['credentials', 'revoke', 'alpha/kiosk/k1', '--data-dir', dataDir]);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe('');

      const second = await startTestController({}, dataDir);
      try {
        expect(second.password('alpha/group/g02')).toBe(password);
        expect(second.password('beta/group/g01')).toBe(untouched);
        expect(() => second.password('alpha/kiosk/k1')).toThrow(/no credential/);
        await expect(connect(second.mqttUrl, { username: 'alpha/group/g02', password: oldGroup, clientId: 'alpha/group/g02' })).rejects.toThrow(refused);
        await expect(connect(second.mqttUrl, { username: 'alpha/kiosk/k1', password: oldKiosk, clientId: 'alpha/kiosk/k1' })).rejects.toThrow(refused);
        for (const user of ['alpha/group/g02', 'beta/group/g01']) await endClient(await connectDevice(second, user));
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * A consumer slower than the writer (a provisioning script, `jq` on a busy machine): it reads its stdin,
 * a real pipe (64 KiB), 4 KiB at a time every 10 ms, and copies it to stdout.
 */
const SLOW_READER = `
const fs = require('node:fs');
const buf = Buffer.alloc(4096);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const n = fs.readSync(0, buf, 0, buf.length, null);
  if (n === 0) break;
  fs.writeSync(1, buf.subarray(0, n));
  Atomics.wait(pause, 0, 0, 10);
}`;

describe('output into a pipe', () => {
  let demoDir: string;
  beforeAll(async () => {
    // The demo county's provisioning file (every lantern group, kiosk and monitor account): about 80 KB.
    const ctl = await startTestController({ registryFile: DEMO_COUNTY });
    demoDir = ctl.dataDir;
    await ctl.stop();
  });
  afterAll(() => rmSync(demoDir, { recursive: true, force: true }));

  it('is complete JSON of the whole file when the reader is slower than the writer', async () => {
    const expected = readFileSync(provisioningPath(demoDir));
    expect(statSync(provisioningPath(demoDir)).size).toBeGreaterThan(64 * 1024);
    // `credentials --format json | slow reader`, through the shell so that stdout is a pipe as in a terminal.
    const child = spawn('/bin/sh', ['-c', '"$0" "$1" credentials --data-dir "$2" --format json | "$0" -e "$3"', process.execPath, CLI, demoDir, SLOW_READER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const parts: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => parts.push(chunk));
    expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
    const output = Buffer.concat(parts);
    expect(output.length).toBe(expected.length);
    expect(JSON.parse(output.toString('utf8'))).toEqual(JSON.parse(expected.toString('utf8')));
  });
});

describe('usage and unknown flags', () => {
  it('credentials answers --help with its usage and refuses an unknown flag with one line', async () => {
    const help = await runCli(CLI, ['credentials', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: caideng-admin credentials \[options\]/);
    expect(help.stdout).toContain('caideng-admin credentials rotate DEVICE');
    const cases: Array<[string[], string]> = [
      [['credentials', '--colour', 'red'], '--colour'],
      [['credentials', 'rotate', 'alpha/group/g01', '--force'], '--force'],
    ];
    for (const [args, flag] of cases) {
      const bad = await runCli(CLI, args);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe(`caideng-admin: unknown option '${flag}' (see --help)\n`);
    }
  });

  it('the controller answers --help with its usage and refuses an unknown flag with one line', async () => {
    const help = await runCli(MAIN, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: caideng \[options\]/);
    expect(help.stdout).toContain('--data-dir DIR');
    const bad = await runCli(MAIN, ['--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("caideng: unknown option '--no-such-flag' (see --help)\n");
  });
});

describe('the controller process when its HTTP port is taken', () => {
  it('exits 1 with one line, and the secrets it issued are in the file for the next start', async () => {
    const dataDir = tempDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const config = join(dataDir, 'config.json');
    writeFileSync(config, JSON.stringify({ registryFile: SMALL_COUNTY, http: { host: '127.0.0.1', port }, mqtt: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } }));
    try {
      const failed = await runCli(MAIN, ['--config', config, '--data-dir', dataDir]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toBe(`caideng: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
      const issued = readProvisioning(dataDir)!.devices;
      expect(issued).toHaveLength(10);

      const ctl = await startTestController({}, dataDir);
      try {
        for (const d of issued) await endClient(await connect(ctl.mqttUrl, { username: d.username, password: d.password, clientId: d.username }));
      } finally {
        await ctl.stop();
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('users command', () => {
  const signIn = (username: string, password: string) =>
    fetch(`${ctl.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('lists the generated admin password under users, next to the devices', async () => {
    const { code, stdout } = await runCli(CLI, ['credentials', '--data-dir', ctl.dataDir, '--format', 'json']);
    expect(code).toBe(0);
    const file = JSON.parse(stdout) as { users: Array<{ username: string; password: string; role: string; scopes: string[] }>; devices: unknown[] };
    expect(file.devices.length).toBeGreaterThan(0);
    const admin = file.users.find((u) => u.username === 'admin')!;
    expect(admin).toMatchObject({ role: 'admin', scopes: [] });
    expect((await signIn('admin', admin.password)).status).toBe(200);
    const table = await runCli(CLI, ['credentials', '--users', '--data-dir', ctl.dataDir]);
    expect(table.stdout).toMatch(/^username\s+password\s+role\s+scopes\nadmin\s+\S+\s+admin/);
  });

  it('adds a user with a generated password that signs in, changes it, and disables the user, closing their live connection', async () => {
    const added = await runCli(CLI, ['users', 'add', 'cli-staff', '--role', 'staff', '--scope', 'alpha', '--name', '物业 Li', '--data-dir', ctl.dataDir]);
    expect(added.code).toBe(0);
    const [, password] = added.stdout.trim().split(/\s+/);
    const login = await signIn('cli-staff', password!);
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ username: 'cli-staff', displayName: '物业 Li', compounds: ['alpha'] });
    const listed = await runCli(CLI, ['users', 'list', '--format', 'json', '--data-dir', ctl.dataDir]);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'cli-staff', role: 'staff', scopes: ['alpha'], disabled: false })]));

    const changed = await runCli(CLI, ['users', 'passwd', 'cli-staff', '--data-dir', ctl.dataDir]);
    const [, next] = changed.stdout.trim().split(/\s+/);
    expect(next).not.toBe(password);
    expect((await signIn('cli-staff', password!)).status).toBe(401);
    const live = await signIn('cli-staff', next!);
    const cookie = live.headers.get('set-cookie')!.split(';')[0]!;
    const socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject)));
    const dropped = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));

    expect((await runCli(CLI, ['users', 'disable', 'cli-staff', '--data-dir', ctl.dataDir])).code).toBe(0);
    expect((await fetch(`${ctl.httpUrl}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
    expect((await signIn('cli-staff', next!)).status).toBe(401);
    // Another process changed the store: the controller's periodic re-check closes the live connection.
    await ctl.realtime.recheck();
    await dropped;
    const audit = await ctl.db.selectFrom('audit').select(['actor', 'action']).where('target', '=', 'user:cli-staff').execute();
    expect(audit.map((a) => `${a.actor} ${a.action}`)).toEqual(['cli user.create', 'cli user.password', 'cli user.disable']);
  });

  it('says what is wrong with a bad command line', async () => {
    expect((await runCli(CLI, ['users', 'add', 'someone', '--data-dir', ctl.dataDir])).stderr).toContain('--role staff|officer|committee|admin');
    const badScope = await runCli(CLI, ['users', 'add', 'someone', '--role', 'staff', '--scope', 'atlantis', '--data-dir', ctl.dataDir]);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain("CAIDENG_ERR_SCOPE_UNKNOWN: scope 'atlantis' is not a node of the registry");
    expect((await runCli(CLI, ['users', 'frobnicate', '--data-dir', ctl.dataDir])).code).toBe(2);
  });
});
