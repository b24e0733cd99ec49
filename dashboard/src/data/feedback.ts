/**
 * Residents' feedback from the controller: presses with what was lit, the satisfaction index, alerts and
 * their actions, tickets and the seed's measure. Thin typed calls, and three live stores — presses,
 * alerts, tickets — each filled by a fetch and kept current by the socket's `press`, `alert` and
 * `ticket` pushes (to the rooms `subscribeLive` joins, so each user gets only their scope's).
 */
import type { Me, ServerToClientEvents } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { getJson, postJson } from './api';
import type {
  AlertAction,
  FeedbackAlert,
  FeedbackPress,
  IndexAnswer,
  IndexBy,
  Level,
  MeasureRow,
  Ticket,
  TicketAction,
  TicketState,
} from './feedbackTypes';
import { subscribeLive } from './live';
import { withSocket, type CaidengSocket } from './socket';

export * from './feedbackTypes';

const query = (q: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
};

/** The range is by device time; without `to`, up to a day ahead, so a kiosk whose clock runs fast is not left out. */
export const fetchPresses = (q: { compound?: string; from?: number; to?: number; limit?: number }, signal?: AbortSignal) =>
  getJson<{ presses: FeedbackPress[] }>(`/api/presses${query({ to: Date.now() + 86_400_000, ...q })}`, signal).then((a) => a.presses);

export const fetchIndex = (q: { compound?: string; from?: number; to?: number; by: IndexBy }, signal?: AbortSignal) =>
  getJson<IndexAnswer>(`/api/feedback/index${query(q)}`, signal, { quiet403: true });

/** How far past now an index query reaches: buckets are by device time, and a kiosk's clock may run ahead. */
const AHEAD_MS = 6 * 3_600_000;

/**
 * The index of the `span` before now (and any presses stamped ahead of now), without the empty buckets
 * after now that the look-ahead would add.
 */
export async function fetchRecentIndex(q: { compound?: string; by: IndexBy; span: number }, signal?: AbortSignal): Promise<IndexAnswer> {
  const now = Date.now();
  const answer = await fetchIndex({ ...(q.compound ? { compound: q.compound } : {}), by: q.by, from: now - q.span, to: now + AHEAD_MS }, signal);
  return { ...answer, compounds: answer.compounds.map((c) => ({ ...c, buckets: c.buckets.filter((b) => b.start <= now || b.count > 0 || b.misuse > 0) })) };
}

export const fetchAlerts = (q: { compound?: string; state?: 'open' | 'acknowledged' | 'all' }, signal?: AbortSignal) =>
  getJson<{ alerts: FeedbackAlert[] }>(`/api/alerts${query(q)}`, signal).then((a) => a.alerts);

export const alertAction = (id: string, action: AlertAction, level?: number) =>
  postJson<{ alert: FeedbackAlert }>(`/api/alerts/${encodeURIComponent(id)}/actions`, level === undefined ? { action } : { action, level }).then((a) => a.alert);

export const fetchTickets = (q: { level?: Level; state?: TicketState; node?: string; compound?: string }, signal?: AbortSignal) =>
  getJson<{ tickets: Ticket[] }>(`/api/tickets${query(q)}`, signal).then((a) => a.tickets);

export const fetchTicket = (code: string, signal?: AbortSignal) =>
  getJson<{ ticket: Ticket }>(`/api/tickets/${encodeURIComponent(code)}`, signal, { quiet403: true }).then((a) => a.ticket);

export const ticketAction = (code: string, action: TicketAction, note?: string) =>
  postJson<{ ticket: Ticket }>(`/api/tickets/${encodeURIComponent(code)}/actions`, note ? { action, note } : { action }, { quiet403: true }).then((a) => a.ticket);

export const fetchMeasure = (q: { by: 'month' | 'season'; node?: string }, signal?: AbortSignal) =>
  getJson<{ rows: MeasureRow[] }>(`/api/feedback/measure${query(q)}`, signal, { quiet403: true }).then((a) => a.rows);

// ---------------------------------------------------------------------------------------------
// Live stores

type Pushes = Pick<ServerToClientEvents, 'press' | 'alert' | 'ticket'>;
/** Listens to one feedback push; returns the function that stops listening. */
const on = <E extends keyof Pushes>(socket: CaidengSocket, event: E, fn: Pushes[E]) => {
  (socket.on as (e: E, f: Pushes[E]) => void)(event, fn);
  return () => void (socket.off as (e: E, f: Pushes[E]) => void)(event, fn);
};

const KEEP_PRESSES = 100;

/** Stored presses with what was lit, newest first. */
export const feedbackPresses = writable<{ loaded: boolean; presses: readonly FeedbackPress[] }>({ loaded: false, presses: [] });

export const subscribeFeedbackPresses = refCounted(() => {
  const stopLive = subscribeLive();
  const abort = new AbortController();
  fetchPresses({ limit: KEEP_PRESSES }, abort.signal)
    .then((stored) =>
      feedbackPresses.update((prev) => {
        const seen = new Set(prev.presses.map((p) => p.id));
        const all = [...prev.presses, ...stored.filter((p) => !seen.has(p.id))].sort((a, b) => b.receivedAt - a.receivedAt);
        return { loaded: true, presses: all.slice(0, KEEP_PRESSES) };
      }),
    )
    .catch(() => feedbackPresses.update((prev) => ({ ...prev, loaded: true })));
  // A press is pushed as soon as it is stored; the ticket it opens or joins comes a moment later. Then the
  // compound's latest presses are read again, so the feed names the ticket.
  const withTickets = (compound: string) =>
    fetchPresses({ compound, limit: 20 }, abort.signal)
      .then((fresh) => {
        const byId = new Map(fresh.map((p) => [p.id, p]));
        feedbackPresses.update((prev) => ({ ...prev, presses: prev.presses.map((p) => byId.get(p.id) ?? p) }));
      })
      .catch(() => undefined);
  const stopSocket = withSocket((socket) => {
    const offPress = on(socket, 'press', (p: FeedbackPress) => {
      if (!p.id) return; // a press of a controller without the feedback feature
      feedbackPresses.update((prev) => ({ ...prev, presses: [p, ...prev.presses.filter((q) => q.id !== p.id)].slice(0, KEEP_PRESSES) }));
    });
    const offTicket = on(socket, 'ticket', (t: Ticket) => {
      const last = t.history[t.history.length - 1]?.action;
      if ((last === 'open' || last === 'merge') && feedbackPresses.get().presses.some((p) => p.compound === t.compound && !p.ticket)) void withTickets(t.compound);
    });
    return () => {
      offPress();
      offTicket();
    };
  });
  return () => {
    abort.abort();
    stopSocket();
    stopLive();
  };
});

/** Every alert in scope (open and recent), by id. */
export const alerts = writable<{ loaded: boolean; byId: ReadonlyMap<string, FeedbackAlert> }>({ loaded: false, byId: new Map() });

export const subscribeAlerts = refCounted(() => {
  const stopLive = subscribeLive();
  const abort = new AbortController();
  fetchAlerts({ state: 'all' }, abort.signal)
    .then((list) =>
      alerts.update((prev) => {
        const byId = new Map(list.map((a) => [a.id, a]));
        for (const [id, a] of prev.byId) byId.set(id, a); // pushed meanwhile: newer
        return { loaded: true, byId };
      }),
    )
    .catch(() => alerts.update((prev) => ({ ...prev, loaded: true })));
  const stopSocket = withSocket((socket) => on(socket, 'alert', putAlert));
  return () => {
    abort.abort();
    stopSocket();
    stopLive();
  };
});

export const putAlert = (a: FeedbackAlert) => alerts.update((prev) => ({ ...prev, byId: new Map(prev.byId).set(a.id, a) }));

/** Every ticket in scope, by code. */
export const tickets = writable<{ loaded: boolean; byCode: ReadonlyMap<string, Ticket> }>({ loaded: false, byCode: new Map() });

export const putTicket = (t: Ticket) => tickets.update((prev) => ({ ...prev, byCode: new Map(prev.byCode).set(t.code, t) }));

export const subscribeTickets = refCounted(() => {
  const stopLive = subscribeLive();
  const abort = new AbortController();
  fetchTickets({}, abort.signal)
    .then((list) =>
      tickets.update((prev) => {
        const byCode = new Map(list.map((t) => [t.code, t]));
        for (const [code, t] of prev.byCode) byCode.set(code, t);
        return { loaded: true, byCode };
      }),
    )
    .catch(() => tickets.update((prev) => ({ ...prev, loaded: true })));
  const stopSocket = withSocket((socket) => on(socket, 'ticket', putTicket));
  return () => {
    abort.abort();
    stopSocket();
    stopLive();
  };
});

/** Forgets what the previous user could see. */
export function resetFeedback(): void {
  feedbackPresses.set({ loaded: false, presses: [] });
  alerts.set({ loaded: false, byId: new Map() });
  tickets.set({ loaded: false, byCode: new Map() });
}

// ---------------------------------------------------------------------------------------------
// Who may do what (the controller decides; the page only hides what would be refused)

/** The level a ticket must stand at for this user to act on it, per the scope they hold. */
export function canHandle(me: Me | undefined, ticket: Pick<Ticket, 'level' | 'node'>): boolean {
  if (!me) return false;
  if (me.role === 'admin') return true;
  if (!(me.actions as readonly string[]).includes('handle')) return false;
  return me.scopeNodes.some((n) => n.level === ticket.level && n.id === ticket.node);
}

/** The actions offered for a ticket in its state (the server checks again). */
export function ticketActions(ticket: Pick<Ticket, 'state' | 'level'>): TicketAction[] {
  const down: TicketAction[] = ticket.level === 'compound' ? [] : ['return'];
  const up: TicketAction[] = ticket.level === 'city' ? [] : ['escalate'];
  switch (ticket.state) {
    case 'open':
    case 'reopened':
      return ['acknowledge', 'start', 'resolve', ...up, ...down, 'comment'];
    case 'acknowledged':
      return ['start', 'wait_resident', 'wait_parts', 'resolve', ...up, ...down, 'comment'];
    case 'in_progress':
      return ['wait_resident', 'wait_parts', 'resolve', ...up, ...down, 'comment'];
    case 'waiting_resident':
    case 'waiting_parts':
      return ['start', 'resolve', ...up, 'comment'];
    case 'resolved':
      return ['close', 'reopen', 'comment'];
    case 'closed':
      return ['reopen', 'comment'];
  }
}

/** Actions that need a note (the controller refuses them without one). */
export const NOTE_REQUIRED: ReadonlySet<TicketAction> = new Set(['escalate', 'return', 'comment']);
