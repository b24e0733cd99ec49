/**
 * Commands survive a controller restart: deliveries left `sent` are expired (command expired while the
 * controller was down) or re-sent with the same tx when their group comes back online; an ack the controller
 * no longer waits for — after a timeout, or from before a restart — still records the outcome.
 * Real controller restarts in one data directory, real MQTT clients acting as the groups.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type GroupAck, type GroupCommand } from '@caideng/protocol';
import type { BusEvents } from '../src/bus/eventBus.js';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, tempDir, type TestController, apiFetch } from './helpers.js';

type Settled = BusEvents['command.settled'];

const group = (device: string) => ({ compound: 'alpha', role: 'group' as const, device });

async function post(ctl: TestController, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctl.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctl.operatorToken()}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const record = async (ctl: TestController, id: string) => (await apiFetch(ctl, `/api/commands/${id}`)).json();
const metrics = async (ctl: TestController) => (await (await apiFetch(ctl, `/api/metrics`)).json()).commands;

/** Resolves with the next `command.settled` of this command's delivery to `group` that matches. */
function settled(ctl: TestController, commandId: string, groupId: string, match: (e: Settled) => boolean = () => true, timeoutMs = 5000): Promise<Settled> {
  return new Promise((resolve, reject) => {
    const owner = {};
    const timer = setTimeout(() => {
      ctl.bus.removeOwner(owner);
      reject(new Error(`no command.settled for ${commandId}/${groupId} within ${timeoutMs} ms`));
    }, timeoutMs);
    ctl.bus.on('command.settled', owner, (e) => {
      if (e.delivery.commandId !== commandId || e.delivery.group !== groupId || !match(e)) return;
      clearTimeout(timer);
      ctl.bus.removeOwner(owner);
      resolve(e);
    });
  });
}

/** A group as a device connects: subscribed to its `set` topic before it announces itself online. */
async function connectGroup(ctl: TestController, device: string): Promise<MqttClient> {
  const c = await connectDevice(ctl, `alpha/group/${device}`);
  await subscribe(c, topic(group(device), 'set'));
  return c;
}

function announceOnline(c: MqttClient, device: string): Promise<void> {
  return publish(c, topic(group(device), 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
}

function ack(c: MqttClient, device: string, tx: string, status: GroupAck['status']): Promise<void> {
  // An error ack must say which error (the contract rejects one without code and error).
  const why = status === 'error' ? { code: 'driver_fault', error: 'the dimmer did not answer' } : {};
  return publish(c, topic(group(device), 'ack'), { v: 1, tx, ts: Date.now(), status, ...why });
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('commands across a restart', () => {
  it('expires what expired while down and re-sends the rest with the same tx when the group is back', async () => {
    const dataDir = tempDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestController({}, dataDir);
    cleanup.push(() => first.stop());
    // g01 gets the command, but the controller stops before its ack arrives.
    const g01 = await connectGroup(first, 'g01');
    await announceOnline(g01, 'g01');
    const issuedAt = Date.now();
    const original = nextMessage<GroupCommand>(g01, topic(group('g01'), 'set'));
    const longLived = await post(first, '/api/compounds/alpha/commands', { power: 'on', brightness: 200, groups: ['g01', 'g02'], expiresAt: issuedAt + 600_000 });
    const shortLived = await post(first, '/api/compounds/alpha/groups/g03/commands', { power: 'off', expiresAt: issuedAt + 60_000 });
    expect([longLived.status, shortLived.status]).toEqual([202, 202]);
    const firstCopy = await original;
    expect(firstCopy.tx).toBe(longLived.body.id);
    await endClient(g01, true);
    await first.stop();

    // Two minutes pass while the controller is down: the short-lived command expires, the other does not.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(issuedAt + 120_000);
    const second = await startTestController({ commands: { ackTimeoutMs: 1000 } }, dataDir);
    cleanup.push(() => second.stop());

    const expired = await record(second, shortLived.body.id);
    expect(expired.pending).toBe(0);
    expect(expired.deliveries).toMatchObject([{ group: 'g03', status: 'expired', ackedAt: null }]);
    expect(expired.deliveries[0].settledAt).toBeGreaterThanOrEqual(issuedAt + 120_000);
    expect(await metrics(second)).toMatchObject({ expired: 1 });
    // Still pending, waiting for its groups: not timed out although the ack timeout has long passed.
    expect((await record(second, longLived.body.id)).pending).toBe(2);

    // g01 comes back: it gets the same command again (same tx), recognises it and answers duplicate.
    const g01b = await connectGroup(second, 'g01');
    cleanup.push(() => endClient(g01b, true));
    const resent = nextMessage<GroupCommand>(g01b, topic(group('g01'), 'set'), (c) => c.tx === longLived.body.id);
    await announceOnline(g01b, 'g01');
    const copy = await resent;
    expect(copy).toEqual(firstCopy);
    const g01Settled = settled(second, copy.tx, 'g01');
    await ack(g01b, 'g01', copy.tx, 'duplicate');
    expect((await g01Settled).delivery).toMatchObject({ status: 'duplicate', late: false, source: 'api', issuer: 'operator' });

    // g02 comes back, gets it, but its ack is late: the delivery times out, then the late ack corrects it.
    const g02 = await connectGroup(second, 'g02');
    cleanup.push(() => endClient(g02, true));
    const g02Timeout = settled(second, copy.tx, 'g02', (e) => e.delivery.status === 'timeout');
    const g02Copy = nextMessage<GroupCommand>(g02, topic(group('g02'), 'set'), (c) => c.tx === copy.tx);
    await announceOnline(g02, 'g02');
    expect(await g02Copy).toEqual(firstCopy);
    await g02Timeout;
    const g02Late = settled(second, copy.tx, 'g02', (e) => e.delivery.late);
    await ack(g02, 'g02', copy.tx, 'ok');
    expect((await g02Late).delivery).toMatchObject({ status: 'ok', late: true, source: 'api', issuer: 'operator' });

    const after = await record(second, longLived.body.id);
    expect(after.deliveries.map((d: { group: string; status: string }) => `${d.group}:${d.status}`)).toEqual(['g01:duplicate', 'g02:ok']);
    expect(after.pending).toBe(0);
    expect(await metrics(second)).toMatchObject({ resent: 2, lateAcks: 1, timeouts: 1, unknownAcks: 0 });
  });

  it('records an ack that arrives after a restart for a delivery that had timed out before it', async () => {
    const dataDir = tempDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestController({ commands: { ackTimeoutMs: 100 } }, dataDir);
    cleanup.push(() => first.stop());
    const sent = await post(first, '/api/compounds/alpha/groups/g03/commands', { brightness: 10 });
    await first.commands.wait(sent.body.id, 5000);
    expect((await record(first, sent.body.id)).deliveries[0].status).toBe('timeout');
    await first.stop();

    const second = await startTestController({}, dataDir);
    cleanup.push(() => second.stop());
    // The group had the command and kept its ack queued while the link (and the controller) were down.
    const g03 = await connectDevice(second, 'alpha/group/g03');
    cleanup.push(() => endClient(g03, true));
    const late = settled(second, sent.body.id, 'g03');
    await ack(g03, 'g03', sent.body.id, 'ok');
    expect((await late).delivery).toMatchObject({ status: 'ok', late: true });
    const after = await record(second, sent.body.id);
    expect(after.deliveries[0]).toMatchObject({ status: 'ok', ackedAt: expect.any(Number) });
    expect(await metrics(second)).toMatchObject({ lateAcks: 1, unknownAcks: 0 });

    // An ack for a delivery already answered, or for a tx nobody sent, changes nothing.
    await ack(g03, 'g03', sent.body.id, 'error');
    await ack(g03, 'g03', 'never-sent', 'ok');
    // Unknown acks leave no trace but the counter, so there is no event to await.
    await vi.waitFor(async () => expect((await metrics(second)).unknownAcks).toBe(2));
    expect((await record(second, sent.body.id)).deliveries[0].status).toBe('ok');
  });
});
