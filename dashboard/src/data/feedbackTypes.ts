/**
 * The shapes of residents' feedback as the controller's API and pushes carry them (presses with what was lit,
 * the satisfaction index, alerts with their actions, tickets that climb the five levels, the seed's measure),
 * from the protocol's feedback.ts. The dashboard, the kiosk page and the public ticket page share them.
 */
import type {
  AlertAction,
  AlertKind,
  AlertState,
  AlertView,
  IndexAnswer,
  IndexBucket,
  IndexBucketKind,
  KioskButton,
  KioskStatus,
  Level,
  Lit,
  LitGroup,
  MeasureRow,
  PressView,
  PublicTicket,
  TicketAction,
  TicketHistoryEntry,
  TicketKind,
  TicketState,
  TicketView,
} from '@caideng/protocol';

export type { AlertAction, AlertKind, AlertState, IndexAnswer, IndexBucket, KioskButton, KioskStatus, Level, Lit, LitGroup, MeasureRow, PublicTicket, TicketAction, TicketHistoryEntry, TicketKind, TicketState };
export type FeedbackPress = PressView;
export type FeedbackAlert = AlertView;
export type Ticket = TicketView;
export type IndexBy = IndexBucketKind;
export type CompoundIndex = IndexAnswer['compounds'][number];
export type KioskStatusTicket = KioskStatus['tickets'][number];

// The protocol's lists, repeated here because the pages bundle only its types (no TypeBox); `satisfies`
// keeps them to the protocol's members.
export const LEVELS = ['compound', 'community', 'street', 'county', 'city'] as const satisfies readonly Level[];
export const TICKET_STATES = ['open', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts', 'resolved', 'closed', 'reopened'] as const satisfies readonly TicketState[];
/** The six buttons of a kiosk in their usual order. */
export const BUTTONS = ['satisfied', 'unsatisfied', 'too_bright', 'too_late', 'broken_lantern', 'help'] as const satisfies readonly KioskButton[];
export const ALERT_ACTIONS = ['dim', 'quiet', 'end_show', 'acknowledge'] as const satisfies readonly AlertAction[];
export const TICKET_ACTIONS = ['acknowledge', 'start', 'wait_resident', 'wait_parts', 'resolve', 'close', 'escalate', 'return', 'reopen', 'comment'] as const satisfies readonly TicketAction[];

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

/** What the controller itself writes into a ticket's history (besides the people's TICKET_ACTIONS). */
export const TICKET_EVENTS = ['open', 'merge', 'confirm', 'overdue', 'warn', 'propose_resolve', 'withdraw_proposal'] as const;
export type TicketEvent = (typeof TICKET_EVENTS)[number];

/** The i18n key naming a history entry's action, when there is one. */
export function historyKey(action: string | undefined): `ticketAction.${TicketAction}` | `ticketEvent.${TicketEvent}` | null {
  if (action === undefined) return null;
  if ((TICKET_ACTIONS as readonly string[]).includes(action)) return `ticketAction.${action as TicketAction}`;
  if ((TICKET_EVENTS as readonly string[]).includes(action)) return `ticketEvent.${action as TicketEvent}`;
  return null;
}
