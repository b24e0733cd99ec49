/**
 * The shapes of residents' feedback as the controller's API and pushes carry them (presses with what was lit,
 * the satisfaction index, alerts with their actions, tickets that climb the five levels, the seed's measure).
 * Types only: the dashboard, the kiosk page and the public ticket page share them.
 */
import type { KioskButton } from '@caideng/protocol';

export type { KioskButton };

export const LEVELS = ['compound', 'community', 'street', 'county', 'city'] as const;
export type Level = (typeof LEVELS)[number];

export const TICKET_STATES = ['open', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts', 'resolved', 'closed', 'reopened'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** The six buttons of a kiosk in their usual order (the protocol's KIOSK_BUTTONS; only types come from there). */
export const BUTTONS = ['satisfied', 'unsatisfied', 'too_bright', 'too_late', 'broken_lantern', 'help'] as const satisfies readonly KioskButton[];

export interface LitGroup {
  group: string;
  online: boolean;
  power: 'on' | 'off' | null;
  brightness: number | null;
  scene: string | null;
  faults: string[];
}

export interface Lit {
  groups: LitGroup[];
}

export interface FeedbackPress {
  id: string;
  compound: string;
  kiosk: string;
  button: KioskButton;
  deviceTs: number;
  receivedAt: number;
  seq: number;
  boot?: string;
  repeat: boolean;
  misuse: boolean;
  ticket?: string;
  lit: Lit;
}

export interface IndexBucket {
  start: number;
  end: number;
  index: number | null;
  reason?: 'not-enough-presses';
  count: number;
  counts: Partial<Record<KioskButton, number>>;
  misuse: number;
}

export interface CompoundIndex {
  compound: string;
  buckets: IndexBucket[];
  total: Omit<IndexBucket, 'start' | 'end'> & Partial<Pick<IndexBucket, 'start' | 'end'>>;
}

export type IndexBy = 'hour' | 'night' | 'season';

export interface IndexAnswer {
  by: IndexBy;
  compounds: CompoundIndex[];
}

export const ALERT_ACTIONS = ['dim', 'quiet', 'end_show', 'acknowledge'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];
export type AlertKind = 'unsatisfied' | 'too_bright' | 'broken_with_fault' | 'kiosk_misuse' | 'kiosk_silent' | 'kiosk_offline';
export type AlertState = 'open' | 'acknowledged' | 'acted' | 'ticketed';

export interface FeedbackAlert {
  id: string;
  compound: string;
  kind: AlertKind;
  raisedAt: number;
  state: AlertState;
  lit: Lit;
  scene: string | null;
  brightness: number | null;
  groups: string[];
  presses: number;
  actions: Array<{ action: AlertAction; by: string; at: number; result?: string }>;
  ticket?: string;
  message: { zh: string; en: string };
}

export const TICKET_ACTIONS = ['acknowledge', 'start', 'wait_resident', 'wait_parts', 'resolve', 'close', 'escalate', 'return', 'reopen', 'comment'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];
export type TicketKind = 'broken_lantern' | 'help' | 'alert';

export interface TicketHistoryEntry {
  at: number;
  by: string;
  action: string;
  fromState?: TicketState;
  toState?: TicketState;
  fromLevel?: Level;
  toLevel?: Level;
  note?: string;
}

export interface Ticket {
  code: string;
  compound: string;
  kiosk?: string;
  group?: string;
  kind: TicketKind;
  state: TicketState;
  level: Level;
  node: string;
  count: number;
  openedAt: number;
  deadlineAt: number | null;
  warnAt: number | null;
  pausedAt?: number;
  confirmed?: 'telemetry' | null;
  proposal?: 'resolve' | null;
  history: TicketHistoryEntry[];
}

/** What GET /api/public/tickets/:code tells anyone: no names, no notes. */
export interface PublicTicket {
  code: string;
  state: TicketState;
  level: Level;
  kind: TicketKind;
  openedAt: number;
  history: Array<{ at: number; action?: string; fromState?: TicketState; toState?: TicketState; fromLevel?: Level; toLevel?: Level }>;
}

export interface MeasureRow {
  node: string;
  period: string;
  tickets: number;
  settledAtCompound: number;
  settledByCommunity: number;
  medianFirstActionMs: Partial<Record<Level, number | null>>;
  medianResolutionMs: Partial<Record<Level, number | null>>;
  reachedStreet: number;
  reachedCounty: number;
  reachedCity: number;
}

/** One ticket as the kiosk's retained `status` topic lists it (newest first, at most five). */
export interface KioskStatusTicket {
  code: string;
  state: TicketState;
  level: Level;
  updatedAt: number;
}

export interface KioskStatus {
  v: number;
  ts: number;
  tickets: KioskStatusTicket[];
}

/** The resident's words for where a ticket stands: 已受理 · 社区办理中 · 已解决. */
export type ResidentStep = 'received' | 'accepted' | 'handling' | 'waiting' | 'resolved';

export function residentStep(state: TicketState): ResidentStep {
  switch (state) {
    case 'open':
    case 'reopened':
      return 'received';
    case 'acknowledged':
      return 'accepted';
    case 'in_progress':
      return 'handling';
    case 'waiting_resident':
    case 'waiting_parts':
      return 'waiting';
    case 'resolved':
    case 'closed':
      return 'resolved';
  }
}
