import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KIOSK_BUTTONS, decodePayload, topic } from '@caideng/protocol';
import { Kiosk, ReceiptTimeoutError, type KioskCredential, type KioskOptions } from '@caideng/simulators';
import { Inbox, makeCredentials, nextEvent, startBroker, type TestBroker } from './helpers.js';

const creds = makeCredentials({ compounds: ['nanhu-yidu'], groups: 0, kiosks: 2 });
const k1 = creds.devices[0] as KioskCredential;
const k2 = creds.devices[1] as KioskCredential;
const at = (channel: 'event' | 'receipt' | 'availability', device = 'k1') => topic({ compound: 'nanhu-yidu', role: 'kiosk', device }, channel);

/**
 * The controller's side of presses: stores each (kiosk, boot, seq) once and answers with a receipt echoing the
 * boot, unless
 * `swallow` says to leave this event unanswered (a receipt lost, a controller that died mid-way).
 */
function receiptDesk(inbox: Inbox, swallow: (seq: number, times: number) => boolean = () => false) {
  const stored = new Map<string, number>();
  const seen = new Map<string, number>();
  inbox.client.on('message', (t, payload) => {
    if (!t.endsWith('/event')) return;
    const decoded = decodePayload('event', payload);
    if (!decoded.ok) return;
    const { seq, boot } = decoded.value;
    const key = `${t}#${boot ?? ''}#${seq}`;
    const times = (seen.get(key) ?? 0) + 1;
    seen.set(key, times);
    if (swallow(decoded.value.seq, times)) return;
    const status = stored.has(key) ? 'duplicate' : 'stored';
    if (status === 'stored') stored.set(key, decoded.value.seq);
    // The inbox may be closed while a receipt is in flight; that is not a failure of the test.
    inbox.publish(t.replace(/\/event$/, '/receipt'), { v: 1, seq, ...(boot ? { boot } : {}), status, ts: Date.now() }).catch(() => undefined);
  });
  return { stored, seen };
}

describe('Kiosk', () => {
  let broker: TestBroker;
  let inbox: Inbox;
  const kiosks: Kiosk[] = [];
  const kiosk = (options: Partial<KioskOptions> = {}, credential = k1) => {
    const k = new Kiosk(credential, { url: broker.url, firstSeq: 100, ...options });
    kiosks.push(k);
    return k;
  };

  beforeEach(async () => {
    broker = await startBroker(creds.devices);
    inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
  });

  afterEach(async () => {
    await Promise.all(kiosks.splice(0).map((k) => k.stop()));
    await inbox.close();
    await broker.close();
  });

  it('sends a press as a QoS 1 event with seq increasing by one and resolves with its receipt', async () => {
    const desk = receiptDesk(inbox);
    const k = kiosk();
    await k.start();
    const first = await k.press('satisfied');
    const second = await k.press('too_bright');
    expect(first).toMatchObject({ seq: 100, status: 'stored' });
    expect(second).toMatchObject({ seq: 101, status: 'stored' });
    const events = inbox.on(at('event'));
    expect(events.map((m) => m.json)).toMatchObject([
      { v: 1, button: 'satisfied', seq: 100 },
      { v: 1, button: 'too_bright', seq: 101 },
    ]);
    for (const e of events) expect(decodePayload('event', e.payload).ok).toBe(true);
    expect(desk.stored.size).toBe(2);
    expect(k.unconfirmed).toEqual([]);
    expect(k.counters).toMatchObject({ presses: 2, eventsSent: 2, receipts: 2, resends: 0 });
  });

  it('re-sends an unconfirmed press after a reconnect until its receipt arrives', async () => {
    const k = kiosk({ reconnectPeriodMs: 50 });
    // The first copy reaches the controller but its receipt never comes back, and the link drops.
    const desk = receiptDesk(inbox, (_seq, times) => {
      if (times === 1) setImmediate(() => k.interrupt());
      return times === 1;
    });
    await k.start();
    const receipt = await k.press('broken_lantern');
    expect(receipt).toMatchObject({ seq: 100, status: 'stored' });
    expect(desk.seen.get(`${at('event')}#${k.boot}#100`)).toBeGreaterThanOrEqual(2);
    expect(desk.stored.size).toBe(1);
    expect(k.counters.resends).toBeGreaterThanOrEqual(1);
    expect(k.counters.connects).toBe(2);
  });

  it('keeps presses made while down and delivers each exactly once after it comes back', async () => {
    const desk = receiptDesk(inbox);
    const k = kiosk({ receiptTimeoutMs: 5000 });
    await k.start();
    k.kill();
    const presses = [k.press('help'), k.press('unsatisfied'), k.press('too_late')];
    expect(k.unconfirmed.map((e) => e.seq)).toEqual([100, 101, 102]);
    await k.start();
    const receipts = await Promise.all(presses);
    expect(receipts.map((r) => r.seq)).toEqual([100, 101, 102]);
    expect([...desk.stored.values()].sort()).toEqual([100, 101, 102]);
    expect(k.unconfirmed).toEqual([]);
  });

  it('re-sends a press left unconfirmed on a live connection', async () => {
    const desk = receiptDesk(inbox, (_seq, times) => times === 1);
    const k = kiosk({ resendAfterMs: 100 });
    await k.start();
    const resent = nextEvent(k, 'press', (_e, info) => info.resend);
    expect(await k.press('satisfied')).toMatchObject({ seq: 100, status: 'stored' });
    const [event] = await resent;
    expect(event.seq).toBe(100);
    expect(desk.stored.size).toBe(1);
  });

  it('rejects press() after receiptTimeoutMs but keeps the press pending', async () => {
    const k = kiosk({ receiptTimeoutMs: 150, resendAfterMs: 0 });
    await k.start();
    await expect(k.press('help')).rejects.toBeInstanceOf(ReceiptTimeoutError);
    expect(k.unconfirmed.map((e) => e.seq)).toEqual([100]);
    // The receipt may still come; it settles the press.
    const later = k.receiptFor(100);
    await inbox.publish(at('receipt'), { v: 1, seq: 100, status: 'stored', ts: Date.now() });
    expect(await later).toMatchObject({ seq: 100 });
    expect(k.unconfirmed).toEqual([]);
  });

  it('numbers presses under a boot id of its own, so a restarted simulator reusing seqs is not taken for re-sends', async () => {
    const desk = receiptDesk(inbox);
    const before = kiosk();
    await before.start();
    expect(await before.press('satisfied')).toMatchObject({ seq: 100, boot: before.boot, status: 'stored' });
    await before.stop();
    // The same kiosk started again with no memory of its counter: seq 100 again, under a new boot.
    const after = kiosk();
    await after.start();
    expect(await after.press('help')).toMatchObject({ seq: 100, boot: after.boot, status: 'stored' });
    expect(after.boot).not.toBe(before.boot);
    const events = inbox.on(at('event')).map((m) => m.json as { seq: number; boot: string });
    expect(events).toMatchObject([
      { seq: 100, boot: before.boot, button: 'satisfied' },
      { seq: 100, boot: after.boot, button: 'help' },
    ]);
    for (const e of events) expect(e.boot).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    expect(desk.stored.size).toBe(2);
  });

  it('does not take a receipt for another boot as the answer to a pending press', async () => {
    const k = kiosk({ resendAfterMs: 0, receiptTimeoutMs: 5000 });
    await k.start();
    const receipt = k.press('too_late');
    const stray = nextEvent(k, 'receipt');
    await inbox.publish(at('receipt'), { v: 1, seq: 100, boot: 'an-earlier-boot', status: 'stored', ts: Date.now() });
    await stray;
    expect(k.counters.strayReceipts).toBe(1);
    expect(k.unconfirmed.map((e) => e.seq)).toEqual([100]);
    await inbox.publish(at('receipt'), { v: 1, seq: 100, boot: k.boot, status: 'stored', ts: Date.now() });
    expect(await receipt).toMatchObject({ seq: 100, boot: k.boot });
    expect(k.unconfirmed).toEqual([]);
  });

  it('refuses a boot id the protocol would reject', () => {
    expect(() => kiosk({ boot: 'has space' })).toThrow(RangeError);
  });

  it('rejects an unknown button', async () => {
    const k = kiosk();
    await expect(k.press('meh' as never)).rejects.toThrow(/unknown button 'meh'/);
  });

  it('presses on its own at the configured rate, reproducibly for a seed', async () => {
    receiptDesk(inbox);
    const a = kiosk({ pressRatePerMinute: 3000, seed: 42 });
    const b = kiosk({ pressRatePerMinute: 3000, seed: 42 }, k2);
    await Promise.all([a.start(), b.start()]);
    const collect = (k: Kiosk, n: number) =>
      new Promise<string[]>((resolve) => {
        const buttons: string[] = [];
        k.on('press', (e) => {
          buttons.push(e.button);
          if (buttons.length === n) resolve(buttons);
        });
      });
    const [pa, pb] = await Promise.all([collect(a, 6), collect(b, 6)]);
    expect(pa).toEqual(pb);
    for (const button of pa) expect(KIOSK_BUTTONS).toContain(button);
    if (a.counters.receipts < 6) await nextEvent(a, 'receipt', () => a.counters.receipts >= 6);
    expect(a.counters.presses).toBeGreaterThanOrEqual(6);
  });
});
