/**
 * Device credentials: secrets survive a start that fails half-way, a device removed from the registry or
 * revoked is refused at CONNECT, and the operator's rotate/revoke routes end live sessions without the
 * secret reaching the logs.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startController, readProvisioning } from '@caideng/controller';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { SMALL_COUNTY, connect, connectDevice, endClient, startTestController, tempDir, type TestController } from './helpers.js';

const dirs: string[] = [];
const controllers: TestController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

async function start(dir: string, registryFile = SMALL_COUNTY): Promise<TestController> {
  const ctl = await startTestController({ registryFile }, dir);
  controllers.push(ctl);
  return ctl;
}

/** Resolves when the broker closes the client's connection. */
function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

describe('credentials across a failed start', () => {
  it('a start that fails after issuing secrets (HTTP port in use) still leaves every secret in the file', async () => {
    const dir = dataDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startController(
          { dataDir: dir, registryFile: SMALL_COUNTY, http: { host: '127.0.0.1', port }, mqtt: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } },
          { logger: pino({ level: 'silent' }) },
        ),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }

    const ctl = await start(dir);
    const file = readProvisioning(dir)!;
    expect(file.devices.map((d) => d.username).sort()).toEqual(ctl.registry.usernames().sort());
    expect(file.operator?.token).toBeTruthy();
    for (const d of file.devices) {
      const client = await connect(ctl.mqttUrl, { username: d.username, password: d.password, clientId: d.username });
      expect(client.connected).toBe(true);
      await endClient(client);
    }
    const res = await fetch(`${ctl.httpUrl}/api/devices/alpha/group/g01/credentials/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${file.operator!.token}` },
    });
    expect(res.status).toBe(200);
  });

  it('does not start over an unreadable provisioning file (it may hold the only copy of secrets) and commits nothing', async () => {
    const dir = dataDir();
    writeFileSync(provisioningPath(dir), '{"version": 1, "devices": [');
    await expect(startTestController({}, dir)).rejects.toMatchObject({ code: 'CAIDENG_ERR_PROVISIONING' });
    expect(readFileSync(provisioningPath(dir), 'utf8')).toBe('{"version": 1, "devices": [');

    rmSync(provisioningPath(dir));
    const ctl = await start(dir);
    const file = readProvisioning(dir)!;
    expect(file.devices).toHaveLength(ctl.registry.usernames().length);
    for (const d of file.devices) await endClient(await connect(ctl.mqttUrl, { username: d.username, password: d.password, clientId: d.username }));
  });

  it('lists only secrets that match the store (a secret from a rotation whose commit failed is dropped)', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await first.stop();
    controllers.length = 0;
    const file = readProvisioning(dir)!;
    file.devices.find((d) => d.username === 'alpha/group/g03')!.password = 'never-committed';
    writeFileSync(provisioningPath(dir), JSON.stringify(file));

    await start(dir);
    const after = readProvisioning(dir)!;
    expect(after.devices.map((d) => d.username)).toEqual(file.devices.map((d) => d.username).filter((u) => u !== 'alpha/group/g03'));
  });

  it('writes the file with mode 0600 and leaves no temporary file behind', async () => {
    const dir = dataDir();
    await start(dir);
    expect(statSync(provisioningPath(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('who may connect', () => {
  it('refuses a device removed from the registry, although its credential row is still stored', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const removed = first.password('beta/group/g02');
    const kept = first.password('beta/group/g01');
    await first.stop();
    controllers.length = 0;

    const county = JSON.parse(readFileSync(SMALL_COUNTY, 'utf8')) as { streets: Array<{ communities: Array<{ compounds: Array<{ id: string; groups: Array<{ id: string }> }> }> }> };
    const beta = county.streets[0]!.communities[0]!.compounds.find((c) => c.id === 'beta')!;
    beta.groups = beta.groups.filter((g) => g.id !== 'g02');
    const smaller = join(dir, 'smaller-county.json');
    writeFileSync(smaller, JSON.stringify(county));

    const second = await start(dir, smaller);
    await expect(connect(second.mqttUrl, { username: 'beta/group/g02', password: removed, clientId: 'beta/group/g02' })).rejects.toThrow(/Bad username or password/i);
    const ok = await connect(second.mqttUrl, { username: 'beta/group/g01', password: kept, clientId: 'beta/group/g01' });
    await endClient(ok);
    expect(readProvisioning(dir)!.devices.some((d) => d.username === 'beta/group/g02')).toBe(false);
  });

  it('keeps a revoked device revoked across a restart, and rotating re-admits it', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const old = first.password('alpha/kiosk/k1');
    await first.credentials.revoke('alpha/kiosk/k1');
    await first.stop();
    controllers.length = 0;

    const second = await start(dir);
    expect(readProvisioning(dir)!.devices.some((d) => d.username === 'alpha/kiosk/k1')).toBe(false);
    await expect(connect(second.mqttUrl, { username: 'alpha/kiosk/k1', password: old, clientId: 'alpha/kiosk/k1' })).rejects.toThrow(/Bad username or password/i);
    const { password } = await second.credentials.rotate('alpha/kiosk/k1');
    expect(second.password('alpha/kiosk/k1')).toBe(password);
    const back = await connectDevice(second, 'alpha/kiosk/k1');
    await endClient(back);
  });
});

describe('credential routes', () => {
  it('rotate ends every session of the device at once, answers the new secret and keeps it out of the logs', async () => {
    const dir = dataDir();
    let logs = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const ctl = await startController(
      { dataDir: dir, registryFile: SMALL_COUNTY, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 }, log: { level: 'trace' } },
      { logger: pino({ level: 'trace' }, sink) },
    );
    try {
      const file = readProvisioning(dir)!;
      const token = file.operator!.token;
      const user = 'alpha/group/g01';
      const old = file.devices.find((d) => d.username === user)!.password;
      const main = await connect(ctl.mqttUrl, { username: user, password: old, clientId: user });
      const second = await connect(ctl.mqttUrl, { username: user, password: old, clientId: `${user}/diag` });
      const other = await connect(ctl.mqttUrl, { username: 'alpha/group/g02', password: file.devices.find((d) => d.username === 'alpha/group/g02')!.password, clientId: 'alpha/group/g02' });
      const bothClosed = Promise.all([closed(main), closed(second)]);

      const res = await fetch(`${ctl.httpUrl}/api/devices/alpha/group/g01/credentials/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { username: string; password: string; rotatedAt: number };
      expect(body.username).toBe(user);
      await bothClosed;
      expect(other.connected).toBe(true);
      expect(readProvisioning(dir)!.devices.find((d) => d.username === user)!.password).toBe(body.password);
      await expect(connect(ctl.mqttUrl, { username: user, password: old, clientId: user })).rejects.toThrow(/Bad username or password/i);
      const fresh = await connect(ctl.mqttUrl, { username: user, password: body.password, clientId: user });
      await endClient(fresh);
      await endClient(other);
      for (const c of [main, second]) c.end(true);

      expect(logs).toContain('device credential rotated');
      expect(logs).not.toContain(body.password);
      expect(logs).not.toContain(token);
    } finally {
      await ctl.stop();
    }
  });

  it('needs the operator token and names what is not there', async () => {
    const ctl = await start(dataDir());
    const auth = { authorization: `Bearer ${ctl.operatorToken()}` };
    const unauthorized = await fetch(`${ctl.httpUrl}/api/devices/alpha/group/g01/credentials/rotate`, { method: 'POST' });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { code: string }).code).toBe('CAIDENG_ERR_UNAUTHORIZED');
    const revokeUnauthorized = await fetch(`${ctl.httpUrl}/api/devices/alpha/group/g01/credentials`, { method: 'DELETE', headers: { authorization: 'Bearer nope' } });
    expect(revokeUnauthorized.status).toBe(401);

    const unknown = await fetch(`${ctl.httpUrl}/api/devices/alpha/group/g99/credentials/rotate`, { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('CAIDENG_ERR_DEVICE_NOT_FOUND');
    const badRole = await fetch(`${ctl.httpUrl}/api/devices/alpha/lamp/g01/credentials/rotate`, { method: 'POST', headers: auth });
    expect(((await badRole.json()) as { code: string }).code).toBe('CAIDENG_ERR_VALIDATION');

    const revoked = await fetch(`${ctl.httpUrl}/api/devices/beta/kiosk/k1/credentials`, { method: 'DELETE', headers: auth });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ username: 'beta/kiosk/k1', revokedAt: expect.any(Number) });
    const again = await fetch(`${ctl.httpUrl}/api/devices/beta/kiosk/k1/credentials`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { code: string }).code).toBe('CAIDENG_ERR_CREDENTIAL_NOT_FOUND');
  });
});
