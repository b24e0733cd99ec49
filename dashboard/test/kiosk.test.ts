/**
 * The kiosk page's memory, without a browser: the outbox keeps presses until their receipts arrive, across
 * reloads (a power cut), under one boot id whose seq keeps counting; the credentials stay per kiosk. Also the
 * pure helpers of the pages (paths, the broker URL, the resident's words for a ticket's state, routes).
 */
import { describe, expect, it } from 'vitest';
import { BUTTONS, residentStep } from '../src/data/feedbackTypes';
import { canHandle, ticketActions } from '../src/data/feedback';
import { brokerUrl } from '../src/kiosk/link';
import { loadCredentials, MAX_PENDING, newBoot, Outbox, saveCredentials } from '../src/kiosk/outbox';
import { href, parseRoute } from '../src/lib/router';

/** localStorage's interface over a Map (what a reload keeps). */
class MemoryStorage implements Storage {
  readonly #m = new Map<string, string>();
  get length() {
    return this.#m.size;
  }
  clear() {
    this.#m.clear();
  }
  getItem(k: string) {
    return this.#m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.#m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.#m.delete(k);
  }
  setItem(k: string, v: string) {
    this.#m.set(k, v);
  }
}

describe('kiosk outbox', () => {
  it('keeps unconfirmed presses across a reload, under the same boot, and ticks them off by receipt', () => {
    const storage = new MemoryStorage();
    const first = new Outbox(storage, 'xinghe-jiayuan', 'k1');
    expect(first.boot).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    const a = first.add('satisfied', 1000);
    const b = first.add('broken_lantern', 2000);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a).toEqual({ v: 1, button: 'satisfied', ts: 1000, seq: 1, boot: first.boot });

    // The page reloads: the same boot, both presses still waiting, the next seq after them.
    const again = new Outbox(storage, 'xinghe-jiayuan', 'k1');
    expect(again.boot).toBe(first.boot);
    expect(again.pending.map((p) => p.seq)).toEqual([1, 2]);
    expect(again.add('help', 3000).seq).toBe(3);

    // A receipt of another boot (an earlier run) or one already ticked off changes nothing.
    expect(again.confirm(1, 'someone-else')).toBeUndefined();
    expect(again.confirm(1, again.boot)?.button).toBe('satisfied');
    expect(again.confirm(1, again.boot)).toBeUndefined();
    expect(new Outbox(storage, 'xinghe-jiayuan', 'k1').pending.map((p) => p.seq)).toEqual([2, 3]);
    // Another kiosk on the same browser has its own outbox.
    expect(new Outbox(storage, 'xinghe-jiayuan', 'k2').pending).toEqual([]);
  });

  it('keeps at most MAX_PENDING presses, dropping the oldest', () => {
    const box = new Outbox(new MemoryStorage(), 'c', 'k');
    for (let n = 0; n < MAX_PENDING + 3; n++) box.add('satisfied', n);
    expect(box.pending.length).toBe(MAX_PENDING);
    expect(box.pending[0]!.seq).toBe(4);
  });

  it('starts over with a new boot when what is stored is not an outbox', () => {
    const storage = new MemoryStorage();
    storage.setItem('caideng.kiosk.c.k.outbox', '{"boot":"bad boot!","nextSeq":7,"pending":[]}');
    const box = new Outbox(storage, 'c', 'k');
    expect(box.boot).not.toBe('bad boot!');
    expect(box.add('help', 1).seq).toBe(1);
    expect(newBoot()).not.toBe(newBoot());
  });

  it('stores the credentials per kiosk, with the default buttons when none are named', () => {
    const storage = new MemoryStorage();
    saveCredentials(storage, { username: 'c/kiosk/k', password: 'p', wsUrl: 'ws://x/mqtt', compound: 'c', kiosk: 'k', buttons: [] });
    expect(loadCredentials(storage, 'c', 'k')?.buttons).toEqual([...BUTTONS]);
    expect(loadCredentials(storage, 'c', 'other')).toBeNull();
  });
});

describe('page helpers', () => {
  it("connects to the page's own host at the controller's WebSocket path", () => {
    const page = { protocol: 'https:', host: 'lanterns.example:8443', href: 'https://lanterns.example:8443/kiosk/c/k' } as Location;
    expect(brokerUrl('ws://127.0.0.1:8080/mqtt', page)).toBe('wss://lanterns.example:8443/mqtt');
    // A controller that did not name one: its default path.
    expect(brokerUrl('', { ...page, protocol: 'http:' } as Location)).toBe('ws://lanterns.example:8443/mqtt');
  });

  it("puts a ticket's state in the resident's three steps", () => {
    expect(residentStep('open')).toBe('received');
    expect(residentStep('acknowledged')).toBe('accepted');
    expect(residentStep('waiting_parts')).toBe('waiting');
    expect(residentStep('closed')).toBe('resolved');
  });

  it('routes the feedback pages', () => {
    expect(parseRoute('#/feedback')).toEqual({ view: 'feedback' });
    expect(parseRoute('#/feedback/xinghe-jiayuan')).toEqual({ view: 'feedback', compound: 'xinghe-jiayuan' });
    expect(parseRoute('#/tickets')).toEqual({ view: 'tickets' });
    expect(parseRoute('#/tickets/XJ-7K3Q')).toEqual({ view: 'ticket', code: 'XJ-7K3Q' });
    expect(href({ view: 'ticket', code: 'XJ-7K3Q' })).toBe('#/tickets/XJ-7K3Q');
  });

  it('offers ticket actions by state, and only at the level the user stands at', () => {
    expect(ticketActions({ state: 'open', level: 'compound' })).toEqual(['acknowledge', 'start', 'resolve', 'escalate', 'comment']);
    expect(ticketActions({ state: 'in_progress', level: 'community' })).toContain('return');
    expect(ticketActions({ state: 'open', level: 'city' })).not.toContain('escalate');
    const staff = { role: 'staff', actions: ['read', 'operate', 'handle'], scopeNodes: [{ id: 'xinghe-jiayuan', level: 'compound', name: '星河家园' }] } as never;
    expect(canHandle(staff, { level: 'compound', node: 'xinghe-jiayuan' })).toBe(true);
    expect(canHandle(staff, { level: 'community', node: 'nanhu' })).toBe(false);
    expect(canHandle(staff, { level: 'compound', node: 'nanhu-yidu' })).toBe(false);
  });
});
