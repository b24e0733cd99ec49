/**
 * Tickets on the five-level chain, on a fake clock across 国庆 2026 (1–7 October, with the 调休 workday on
 * Saturday 10 October): a ticket nobody touches climbs compound → community → street → county at the
 * business-time deadlines; acknowledging at the compound stops the climb; waiting pauses the clock; the
 * community officer acts on what reached the community and is refused what is still at the compound; a
 * restart in the middle of a deadline (even one interrupted in its handler) escalates exactly once.
 * Expected times are worked out by hand from the default working hours 08:30–12:00, 13:30–17:30.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasureRow, TicketView } from '@caideng/protocol';
import { tempDir, type TestController } from './helpers.js';
import { TestKiosk, api, fakeClock, settle, startFeedbackController, tokensOf } from './feedback-helpers.js';
import { rmSync } from 'node:fs';

/** Epoch ms of a local (Asia/Shanghai) time 'YYYY-MM-DD HH:MM'. */
const local = (s: string) => {
  const [d, t] = s.split(' ') as [string, string];
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const [h, min] = t.split(':').map(Number) as [number, number];
  return Date.UTC(y, m - 1, day, h - 8, min);
};

const clock = fakeClock(local('2026-09-30 16:00'));
const dataDir = tempDir();
let ctl: TestController;
let tokens: Record<string, string>;
const kiosks: TestKiosk[] = [];
const codes: Record<'climbs' | 'acknowledged' | 'waiting' | 'community', string> = { climbs: '', acknowledged: '', waiting: '', community: '' };

async function open(compound: string, kiosk: string, button: 'broken_lantern' | 'help'): Promise<TicketView> {
  const k = await TestKiosk.connect(ctl, compound, kiosk);
  kiosks.push(k);
  await k.press(ctl, button, Date.now());
  const tickets = (await api<{ tickets: TicketView[] }>(ctl, tokens.admin!, `/api/tickets?compound=${compound}`)).body.tickets;
  return tickets.find((t) => t.kiosk === kiosk)!;
}

const ticket = async (code: string, token = tokens.admin!) => (await api<{ ticket: TicketView }>(ctl, token, `/api/tickets/${code}`)).body.ticket;
const act = (code: string, token: string, action: string, note?: string) =>
  api<{ ticket: TicketView; code?: string; message?: string }>(ctl, token, `/api/tickets/${code}/actions`, { action, ...(note ? { note } : {}) });
const escalations = (t: TicketView) => t.history.filter((h) => h.action === 'escalate').map((h) => [new Date(h.at + 8 * 3_600_000).toISOString().slice(0, 16), h.toLevel, h.by]);

async function jump(to: string): Promise<void> {
  clock.t = local(to);
  await ctl.deadlines.poll();
  await settle(ctl);
}

beforeAll(async () => {
  ctl = await startFeedbackController(clock, dataDir);
  tokens = await tokensOf(ctl, { staff: 'xinghe-staff', officer: 'nanhu-officer', committee: 'committee', admin: 'admin' });
});

afterAll(async () => {
  await Promise.all(kiosks.map((k) => k.close()));
  await ctl.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the chain', () => {
  it('opens tickets at the compound with a deadline of one working day, past the National Day holiday', async () => {
    const t = await open('xinghe-jiayuan', 'k1', 'broken_lantern');
    codes.climbs = t.code;
    expect(t.code).toMatch(/^XJ-[2-9A-HJ-NP-Z]{4}$/);
    expect(t).toMatchObject({ kind: 'broken_lantern', state: 'open', level: 'compound', node: 'xinghe-jiayuan', count: 1 });
    // 1.5 h on 30 September, nothing on 1–7 October, 6 h on Thursday 8 October; the warning at 80 % (6 h).
    expect(t.deadlineAt).toBe(local('2026-10-08 16:00'));
    expect(t.warnAt).toBe(local('2026-10-08 14:30'));

    codes.acknowledged = (await open('xinghe-chuntian', 'k1', 'help')).code;
    expect((await act(codes.acknowledged, tokens.staff!, 'acknowledge')).status).toBe(200);
    codes.community = (await open('xinghe-jiayuan', 'k2', 'help')).code;
    codes.waiting = (await open('nanhu-yidu', 'k1', 'help')).code;
    clock.t = local('2026-09-30 16:30');
    const waiting = await act(codes.waiting, tokens.admin!, 'wait_parts');
    expect(waiting.body.ticket).toMatchObject({ state: 'waiting_parts', deadlineAt: null, pausedAt: local('2026-09-30 16:30') });
  });

  it('lets the community officer act on what reached the community, and refuses what is still at the compound', async () => {
    await jump('2026-10-09 10:00');
    const reached = (await api<{ tickets: TicketView[] }>(ctl, tokens.officer!, '/api/tickets?level=community')).body.tickets;
    expect(reached.map((t) => t.code).sort()).toEqual([codes.climbs, codes.community].sort());
    expect(reached.every((t) => t.node === 'nanhu' && t.state === 'open')).toBe(true);
    expect((await act(codes.community, tokens.officer!, 'acknowledge')).status).toBe(200);

    const refused = await act(codes.acknowledged, tokens.officer!, 'start');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CAIDENG_ERR_TICKET_LEVEL');
    expect(refused.body.message).toContain('held at the compound level');
    const staff = await act(codes.climbs, tokens.staff!, 'acknowledge');
    expect(staff.status).toBe(403);
    expect(staff.body.message).toContain('held at the community level (南湖社区)');
    expect((await act(codes.community, tokens.officer!, 'escalate')).body.code).toBe('CAIDENG_ERR_TICKET_NOTE_REQUIRED');
  });

  it('climbs to the county at the deadlines, skipping nights, the holiday and the weekend but not the 调休 Saturday', async () => {
    await jump('2026-10-23 12:00');
    const t = await ticket(codes.climbs);
    expect(t).toMatchObject({ level: 'county', node: 'rong-county', state: 'open' });
    expect(escalations(t)).toEqual([
      ['2026-10-08T16:00', 'community', 'system'],
      ['2026-10-12T16:00', 'street', 'system'],
      ['2026-10-21T16:00', 'county', 'system'],
    ]);
    expect(t.history.filter((h) => h.action === 'warn')).toHaveLength(3);

    // Acting at its level stopped the climb: overdue, but still where it was acted on.
    expect(await ticket(codes.acknowledged)).toMatchObject({ level: 'compound', state: 'acknowledged' });
    expect(await ticket(codes.community)).toMatchObject({ level: 'community', state: 'acknowledged' });
    expect(escalations(await ticket(codes.community))).toHaveLength(1);

    // Waiting paused the clock: 7 h were left; they run from Friday 23 October 13:30 to Monday 26 October 11:30.
    const waiting = await ticket(codes.waiting);
    expect(waiting).toMatchObject({ level: 'compound', state: 'waiting_parts', deadlineAt: null });
    const resumed = await act(codes.waiting, tokens.admin!, 'start');
    expect(resumed.body.ticket.deadlineAt).toBe(local('2026-10-26 11:30'));
    expect(resumed.body.ticket.pausedAt).toBeUndefined();
  });

  it('escalates exactly once across restarts, even when a restart interrupted the handler', async () => {
    const before = await ticket(codes.climbs);
    // The controller dies while the county deadline's handler runs (the row is claimed, nothing done).
    await ctl.db.updateTable('deadlines').set({ status: 'running', claimed_at: clock.t }).where('key', '=', `ticket/${codes.climbs}/escalate`).execute();
    await Promise.all(kiosks.splice(0).map((k) => k.close()));
    await ctl.stop();
    clock.t = local('2026-11-20 10:00');
    ctl = await startFeedbackController(clock, dataDir);
    await ctl.deadlines.poll();
    await settle(ctl);
    const once = await ticket(codes.climbs);
    expect(once.level).toBe('city');
    expect(escalations(once).map(([at, level]) => [at, level])).toEqual([
      ...escalations(before).map(([at, level]) => [at, level]),
      [new Date(before.deadlineAt! + 8 * 3_600_000).toISOString().slice(0, 16), 'city'],
    ]);
    expect(once.deadlineAt).toBeNull();

    await ctl.stop();
    ctl = await startFeedbackController(clock, dataDir);
    await ctl.deadlines.poll();
    await settle(ctl);
    expect(escalations(await ticket(codes.climbs))).toHaveLength(4);
    // The resumed ticket's deadline passed while in progress: overdue, not escalated.
    const overdue = await ticket(codes.waiting);
    expect(overdue).toMatchObject({ level: 'compound', state: 'in_progress' });
    expect(overdue.history.map((h) => h.action)).toContain('overdue');
  });

  it("measures the seed's rule per node and month: none settled yet, one reached the street, the county and the city", async () => {
    const rows = (await api<{ rows: MeasureRow[] }>(ctl, tokens.committee!, '/api/feedback/measure?by=month')).body.rows;
    const county = rows.find((r) => r.node === 'rong-county');
    expect(county).toMatchObject({ level: 'county', period: '2026-09', tickets: 4, settledAtCompound: 0, settledByCommunity: 0, reachedStreet: 1, reachedCounty: 1, reachedCity: 1 });
    // First action at the compound: at once (acknowledged) and after 30 min (waiting); at the community 18 h after it arrived.
    expect(county!.medianFirstActionMs).toMatchObject({ compound: 15 * 60_000, community: 18 * 3_600_000, street: null });
    const staffRows = (await api<{ rows: MeasureRow[] }>(ctl, tokens.staff!, '/api/feedback/measure')).body.rows;
    expect(staffRows.map((r) => r.node).sort()).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
  });
});
