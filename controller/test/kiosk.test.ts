/**
 * Kiosk presses are stored exactly once, keyed by (compound, kiosk, boot, seq, variant), and answered with a
 * receipt, also when a bridge re-sends them after an outage. Only a true re-send is a duplicate: a reused seq
 * with another button or device time is a real press, stored under its own key and reported as kiosk health.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { topic, type KioskReceipt } from '@caideng/protocol';
import type { KioskHealth } from '../src/bus/eventBus.js';
import { migrations } from '../src/store/migrations.js';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, tempDir, type TestController, apiFetch } from './helpers.js';

let ctl: TestController;
let kiosk: MqttClient;
const k1 = { compound: 'alpha', role: 'kiosk' as const, device: 'k1' };

beforeAll(async () => {
  ctl = await startTestController();
  kiosk = await connectDevice(ctl, 'alpha/kiosk/k1');
  await subscribe(kiosk, topic(k1, 'receipt'));
});
afterAll(async () => {
  await endClient(kiosk, true);
  await ctl.dispose();
});

describe('kiosk presses', () => {
  it('stores a press once and answers duplicates as such', async () => {
    const press = { v: 1, button: 'too_bright', ts: Date.now(), seq: 41 };
    const first = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === 41);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await first).status).toBe('stored');
    const second = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === 41);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await second).status).toBe('duplicate');
    expect(await ctl.presses.count('alpha')).toBe(1);
  });

  it('accepts the same press re-sent by the compound bridge without storing it twice', async () => {
    const bridge = await connectDevice(ctl, 'alpha/bridge/b1');
    await subscribe(bridge, 'caideng/v1/alpha/kiosk/+/receipt');
    const press = { v: 1, button: 'help', ts: Date.now(), seq: 42 };
    const r1 = nextMessage<KioskReceipt>(bridge, topic(k1, 'receipt'), (r) => r.seq === 42);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await r1).status).toBe('stored');
    const r2 = nextMessage<KioskReceipt>(bridge, topic(k1, 'receipt'), (r) => r.seq === 42);
    await publish(bridge, topic(k1, 'event'), press);
    expect((await r2).status).toBe('duplicate');
    expect(await ctl.presses.count('alpha')).toBe(2);
    await endClient(bridge);
  });
});

/** Sends one press and resolves with its receipt. */
async function press(event: object & { seq: number }, via: MqttClient = kiosk): Promise<KioskReceipt> {
  const receipt = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === event.seq);
  await publish(via, topic(k1, 'event'), event);
  return receipt;
}

/** Collects the `kiosk.health` events raised while `body` runs. */
async function healthDuring(body: () => Promise<void>): Promise<KioskHealth[]> {
  const seen: KioskHealth[] = [];
  const owner = {};
  ctl.bus.on('kiosk.health', owner, (h) => void seen.push(h));
  try {
    await body();
  } finally {
    ctl.bus.removeOwner(owner);
  }
  return seen;
}

async function storedPresses(seq: number) {
  return ctl.db
    .selectFrom('kiosk_presses')
    .select(['boot', 'variant', 'button', 'device_ts'])
    .where('compound_id', '=', 'alpha')
    .where('kiosk_id', '=', 'k1')
    .where('seq', '=', seq)
    .orderBy('boot')
    .orderBy('variant')
    .execute();
}

async function metrics(): Promise<{ kiosk: { stored: number; duplicates: number; seqReused: number } }> {
  return (await apiFetch(ctl, `/api/metrics`)).json();
}

describe('kiosk presses that reuse a seq', () => {
  it('stores a reflashed kiosk\'s press that reuses a seq with another button, and raises kiosk health', async () => {
    const before = (await metrics()).kiosk.seqReused;
    const original = { v: 1, button: 'satisfied', ts: 1_769_860_900_000, seq: 60 };
    // The kiosk was reflashed and counts from 60 again; this firmware sends no boot id.
    const reused = { v: 1, button: 'broken_lantern', ts: 1_769_861_000_000, seq: 60 };
    const health = await healthDuring(async () => {
      expect((await press(original)).status).toBe('stored');
      const r = await press(reused);
      expect(r).toMatchObject({ seq: 60, status: 'stored' });
      expect(r).not.toHaveProperty('boot');
    });
    expect(health).toEqual([{ compound: 'alpha', kiosk: 'k1', kind: 'seq_reused', seq: 60, boot: null, at: expect.any(Number) }]);
    expect(await storedPresses(60)).toEqual([
      { boot: '', variant: 0, button: 'satisfied', device_ts: original.ts },
      { boot: '', variant: 1, button: 'broken_lantern', device_ts: reused.ts },
    ]);
    expect((await metrics()).kiosk.seqReused).toBe(before + 1);
  });

  it('takes only a true re-send (same seq, button and device time) for a duplicate, and stores it once', async () => {
    const first = { v: 1, button: 'too_late', ts: 1_769_862_000_000, seq: 61 };
    const sameButtonLater = { ...first, ts: first.ts + 1 };
    const health = await healthDuring(async () => {
      expect((await press(first)).status).toBe('stored');
      expect((await press(first)).status).toBe('duplicate');
      // Another device time is another press, even with the same button.
      expect((await press(sameButtonLater)).status).toBe('stored');
      // Re-sends of either are duplicates.
      expect((await press(sameButtonLater)).status).toBe('duplicate');
      expect((await press(first)).status).toBe('duplicate');
    });
    expect(health).toHaveLength(1);
    expect((await storedPresses(61)).map((p) => [p.variant, p.device_ts])).toEqual([
      [0, first.ts],
      [1, sameButtonLater.ts],
    ]);
  });

  it('keys presses by boot id: a new boot starts a clean key space, a reuse within one boot is reported with it', async () => {
    const before = (await metrics()).kiosk;
    const oldBoot = { v: 1, button: 'help', ts: 1_769_863_000_000, seq: 62, boot: 'boot-a' };
    const newBoot = { v: 1, button: 'unsatisfied', ts: 1_769_863_100_000, seq: 62, boot: 'boot-b' };
    const reuseInB = { v: 1, button: 'too_bright', ts: 1_769_863_200_000, seq: 62, boot: 'boot-b' };
    const health = await healthDuring(async () => {
      expect(await press(oldBoot)).toMatchObject({ seq: 62, boot: 'boot-a', status: 'stored' });
      expect(await press(newBoot)).toMatchObject({ seq: 62, boot: 'boot-b', status: 'stored' });
      expect(await press(newBoot)).toMatchObject({ seq: 62, boot: 'boot-b', status: 'duplicate' });
      expect(await press(reuseInB)).toMatchObject({ seq: 62, boot: 'boot-b', status: 'stored' });
    });
    expect(health).toEqual([{ compound: 'alpha', kiosk: 'k1', kind: 'seq_reused', seq: 62, boot: 'boot-b', at: expect.any(Number) }]);
    expect((await storedPresses(62)).map((p) => `${p.boot}/${p.variant}/${p.button}`)).toEqual(['boot-a/0/help', 'boot-b/0/unsatisfied', 'boot-b/1/too_bright']);
    expect((await metrics()).kiosk).toMatchObject({ stored: before.stored + 3, duplicates: before.duplicates + 1, seqReused: before.seqReused + 1 });
  });

  it('stores two copies of one press arriving together once', async () => {
    const copy = { v: 1, button: 'satisfied', ts: 1_769_864_000_000, seq: 63, boot: 'boot-c' };
    const receipts: KioskReceipt[] = [];
    const both = new Promise<void>((resolve) =>
      kiosk.on('message', function onReceipt(t, payload) {
        const r = JSON.parse(payload.toString()) as KioskReceipt;
        if (t !== topic(k1, 'receipt') || r.seq !== 63) return;
        receipts.push(r);
        if (receipts.length === 2) {
          kiosk.off('message', onReceipt);
          resolve();
        }
      }),
    );
    await Promise.all([publish(kiosk, topic(k1, 'event'), copy), publish(kiosk, topic(k1, 'event'), copy)]);
    await both;
    expect(receipts.map((r) => r.status).sort()).toEqual(['duplicate', 'stored']);
    expect(await storedPresses(63)).toHaveLength(1);
  });

  it('rejects a boot id outside the contract', async () => {
    const err = nextMessage<{ code: string }>(kiosk, topic(k1, 'error'));
    await subscribe(kiosk, topic(k1, 'error'));
    await publish(kiosk, topic(k1, 'event'), { v: 1, button: 'help', ts: Date.now(), seq: 64, boot: 'no spaces allowed' });
    expect((await err).code).toBe('CAIDENG_MQTT_BAD_PAYLOAD');
    expect(await storedPresses(64)).toEqual([]);
  });
});

describe('kiosk press store migration', () => {
  it('keeps the presses stored before boot ids, and their re-sends stay duplicates', async () => {
    const dataDir = tempDir();
    try {
      // A store as the previous release left it: only the first two migrations, one press.
      const sqlite = new SqliteDatabase(join(dataDir, 'caideng.sqlite'));
      const old = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
      const earlier = { '0001_initial': migrations['0001_initial']!, '0002_scenes': migrations['0002_scenes']! };
      const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => earlier } }).migrateToLatest();
      expect(error).toBeUndefined();
      const ts = 1_769_860_000_000;
      await old.insertInto('kiosk_presses').values({ compound_id: 'alpha', kiosk_id: 'k1', seq: 7, button: 'help', device_ts: ts, received_at: ts + 5 }).execute();
      await old.destroy();

      const upgraded = await startTestController({}, dataDir);
      try {
        expect(await upgraded.db.selectFrom('kiosk_presses').selectAll().execute()).toEqual([
          // 0011_feedback's columns: not classified (the press predates the feedback engine).
          { compound_id: 'alpha', kiosk_id: 'k1', boot: '', seq: 7, variant: 0, button: 'help', device_ts: ts, received_at: ts + 5, repeat: null, misuse: null, ticket: null, lit_json: null },
        ]);
        const c = await connectDevice(upgraded, 'alpha/kiosk/k1');
        await subscribe(c, topic(k1, 'receipt'));
        const receipt = nextMessage<KioskReceipt>(c, topic(k1, 'receipt'));
        await publish(c, topic(k1, 'event'), { v: 1, button: 'help', ts, seq: 7 });
        expect((await receipt).status).toBe('duplicate');
        await endClient(c);
      } finally {
        await upgraded.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
