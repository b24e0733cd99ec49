/**
 * Commands: HTTP → controller → group over MQTT → ack → stored, for one group and a whole compound;
 * the operator token is required; bad bodies get one error shape with stable codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { decodePayload, topic, type GroupCommand } from '@caideng/protocol';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BusEvents } from '../src/bus/eventBus.js';
import { SMALL_COUNTY, connectDevice, endClient, publish, startTestController, subscribe, tempDir, type TestController, apiFetch } from './helpers.js';

let ctl: TestController;
const groups: MqttClient[] = [];
const received: GroupCommand[] = [];

/** A minimal group that acks every command (the full simulator lives in simulators/). */
async function ackingGroup(id: string): Promise<MqttClient> {
  const address = { compound: 'alpha', role: 'group' as const, device: id };
  const c = await connectDevice(ctl, `alpha/group/${id}`);
  c.on('message', (_t, payload) => {
    const cmd = decodePayload('set', payload);
    if (!cmd.ok) return;
    received.push(cmd.value);
    // The client may be ended while an ack is in flight at the end of the file.
    publish(c, topic(address, 'ack'), { v: 1, tx: cmd.value.tx, ts: Date.now(), status: 'ok' }).catch(() => undefined);
  });
  await subscribe(c, topic(address, 'set'));
  groups.push(c);
  return c;
}

async function post(path: string, body: unknown, token: string | null = ctl.operatorToken()): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctl.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  ctl = await startTestController();
  await Promise.all(['g01', 'g02', 'g03'].map(ackingGroup));
});
afterAll(async () => {
  await Promise.all(groups.map((g) => endClient(g, true)));
  await ctl.dispose();
});

describe('commands', () => {
  it('counts the default expiry from a later start, so a command for tonight is not expired before it plays', async () => {
    const expiry = ctl.config.commands.defaultExpiryMs;
    const startAt = Date.now() + 3 * expiry;
    const { status, body } = await post('/api/compounds/alpha/groups/g01/commands?wait=5000', { power: 'on', startAt });
    expect(status).toBe(200);
    expect(body.command.expiresAt).toBe(startAt + expiry);
    expect(body.deliveries[0].status).toBe('ok');
  });

  it('round-trips a scene command to one group and stores the ack', async () => {
    const startAt = Date.now() + 500;
    const { status, body } = await post('/api/compounds/alpha/groups/g02/commands?wait=5000', {
      scene: { name: 'carp', params: { speed: 1.5 }, seed: 7 },
      brightness: 180,
      startAt,
    });
    expect(status).toBe(200);
    expect(body.deliveries).toHaveLength(1);
    expect(body.deliveries[0]).toMatchObject({ group: 'g02', status: 'ok' });
    expect(body.deliveries[0].latencyMs).toBeGreaterThanOrEqual(0);
    const cmd = received.find((c) => c.tx === body.id)!;
    expect(cmd).toMatchObject({ scene: { name: 'carp', params: { speed: 1.5 }, seed: 7 }, brightness: 180, startAt });
    expect(cmd.expiresAt).toBeGreaterThan(cmd.ts);
    // Stored: a later read returns the same outcome.
    const again = await (await apiFetch(ctl, `/api/commands/${body.id}`)).json();
    expect(again.deliveries[0].status).toBe('ok');
    expect(again.deliveries[0].settledAt).toBe(again.deliveries[0].ackedAt);
  });

  it('records who issued a command: the API\'s bearer token, or the origin a feature names', async () => {
    const viaApi = await post('/api/compounds/alpha/groups/g01/commands?wait=5000', { power: 'on' });
    expect(viaApi.body).toMatchObject({ source: 'api', issuer: 'operator' });
    const stored = await (await apiFetch(ctl, `/api/commands/${viaApi.body.id}`)).json();
    expect(stored).toMatchObject({ source: 'api', issuer: 'operator' });

    const settled: BusEvents['command.settled'][] = [];
    const owner = {};
    ctl.bus.on('command.settled', owner, (e) => void settled.push(e));
    try {
      const { id } = await ctl.commands.send('alpha', { brightness: 40, groups: ['g02', 'g03'] }, { source: 'schedule', issuer: 'rule-lantern-festival' });
      await ctl.commands.wait(id, 5000);
      expect(await ctl.commands.get(id)).toMatchObject({ source: 'schedule', issuer: 'rule-lantern-festival', pending: 0 });
      expect(settled.filter((e) => e.delivery.commandId === id).map((e) => e.delivery)).toMatchObject([
        { status: 'ok', source: 'schedule', issuer: 'rule-lantern-festival', late: false },
        { status: 'ok', source: 'schedule', issuer: 'rule-lantern-festival', late: false },
      ]);
    } finally {
      ctl.bus.removeOwner(owner);
    }
  });

  it('sends a compound-wide command to every group with one tx, acked by all', async () => {
    const { status, body } = await post('/api/compounds/alpha/commands?wait=5000', { power: 'on', brightness: 255 });
    expect(status).toBe(200);
    expect(body.deliveries.map((d: { group: string }) => d.group)).toEqual(['g01', 'g02', 'g03']);
    expect(body.deliveries.every((d: { status: string }) => d.status === 'ok')).toBe(true);
    expect(body.pending).toBe(0);
    expect(received.filter((c) => c.tx === body.id)).toHaveLength(3);
  });

  it('answers 202 with a location when not waiting, and marks unanswered deliveries as timed out', async () => {
    const quick = await startTestController({ commands: { ackTimeoutMs: 200 } });
    try {
      const res = await apiFetch(quick, `/api/compounds/beta/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${quick.operatorToken()}` },
        body: JSON.stringify({ power: 'off' }),
      });
      expect(res.status).toBe(202);
      const body = await res.json();
      expect(res.headers.get('location')).toBe(`/api/commands/${body.id}`);
      await quick.commands.wait(body.id, 5000);
      const after = await (await apiFetch(quick, `/api/commands/${body.id}`)).json();
      expect(after.deliveries.map((d: { status: string }) => d.status)).toEqual(['timeout', 'timeout']);
    } finally {
      await quick.dispose();
    }
  });

  it('says so when a compound has no lantern groups to command', async () => {
    const dir = tempDir();
    const file = join(dir, 'county.json');
    const county = JSON.parse(readFileSync(SMALL_COUNTY, 'utf8'));
    county.streets[0].communities[0].compounds.push({ id: 'gamma', name: '新小区', groups: [], kiosks: [] });
    writeFileSync(file, JSON.stringify(county));
    const other = await startTestController({ registryFile: file });
    try {
      const res = await apiFetch(other, `/api/compounds/gamma/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${other.operatorToken()}` },
        body: JSON.stringify({ power: 'on' }),
      });
      expect(res.status).toBe(409);
      expect((await res.json()).code).toBe('CAIDENG_ERR_NO_GROUPS');
    } finally {
      await other.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires the operator token', async () => {
    const none = await post('/api/compounds/alpha/commands', { power: 'on' }, null);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('CAIDENG_ERR_UNAUTHORIZED');
    const wrong = await post('/api/compounds/alpha/commands', { power: 'on' }, 'nope');
    expect(wrong.status).toBe(401);
  });

  it('rejects bad bodies with one error shape and every problem listed', async () => {
    const bad = await post('/api/compounds/alpha/commands', { brightness: 300, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'CAIDENG_ERR_VALIDATION', error: 'Bad Request' });
    const paths = bad.body.details.map((d: { path: string; message: string }) => `${d.path} ${d.message}`).join('\n');
    expect(paths).toContain('body/brightness');
    expect(paths).toContain("unknown property 'colour'");

    const empty = await post('/api/compounds/alpha/commands', {});
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('CAIDENG_ERR_EMPTY_COMMAND');

    const json = await post('/api/compounds/alpha/commands', '{"power":');
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('CAIDENG_ERR_BAD_JSON');

    const unknownCompound = await post('/api/compounds/nowhere/commands', { power: 'on' });
    expect(unknownCompound.status).toBe(404);
    expect(unknownCompound.body.code).toBe('CAIDENG_ERR_COMPOUND_NOT_FOUND');

    const unknownGroup = await post('/api/compounds/alpha/groups/g99/commands', { power: 'on' });
    expect(unknownGroup.status).toBe(404);
    expect(unknownGroup.body.code).toBe('CAIDENG_ERR_GROUP_NOT_FOUND');

    const route = await apiFetch(ctl, `/api/nothing`);
    expect(route.status).toBe(404);
    expect((await route.json()).code).toBe('CAIDENG_ERR_NOT_FOUND');
  });
});

describe('requests', () => {
  it('answers time.sync on the device res topic with the same tx', async () => {
    const g = groups[0]!;
    const address = { compound: 'alpha', role: 'group' as const, device: 'g01' };
    await subscribe(g, topic(address, 'res'));
    const sent = Date.now();
    const response = new Promise<any>((resolve) =>
      g.on('message', (t, p) => {
        if (t === topic(address, 'res')) resolve(JSON.parse(p.toString()));
      }),
    );
    await publish(g, topic(address, 'req'), { v: 1, tx: 'sync-1', ts: sent, method: 'time.sync' });
    const res = await response;
    expect(res).toMatchObject({ tx: 'sync-1', status: 'ok', data: { deviceTs: sent } });
    expect(res.data.controllerTs).toBeGreaterThanOrEqual(sent);
  });
});
