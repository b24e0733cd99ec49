/**
 * History from the controller's metrics store: thin typed calls for the charts (series, energy per
 * night, the latest presses). Shapes come from `protocol` (history.ts), so the browser and the
 * controller agree at compile time.
 */
import type { EnergyAnswer, HistoryAnswer, HistoryQuery, PressView } from '@caideng/protocol';
import { getJson } from './api';

export type { EnergyAnswer, HistoryAnswer, PressView };

/** History fills charts in the background: a compound outside the user's scope is no refusal to show them. */
const QUIET = { quiet403: true } as const;

export function fetchHistory(q: Omit<HistoryQuery, 'from' | 'to'> & { from: number; to: number }, signal?: AbortSignal): Promise<HistoryAnswer> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  return getJson<HistoryAnswer>(`/api/history?${params}`, signal, QUIET);
}

export function fetchEnergy(q: { compound?: string; season?: number; from?: number; to?: number }, signal?: AbortSignal): Promise<EnergyAnswer> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  return getJson<EnergyAnswer>(`/api/energy?${params}`, signal, QUIET);
}

/**
 * The festival season (Spring Festival eve to the Lantern Festival) that began last: this year's once it
 * has started, else last year's. The controller computes the lunar dates.
 */
export async function fetchSeasonEnergy(compound: string | undefined, now: number, signal?: AbortSignal): Promise<EnergyAnswer & { season: number }> {
  const year = new Date(now).getUTCFullYear();
  const base = compound === undefined ? {} : { compound };
  const thisYear = await fetchEnergy({ ...base, season: year }, signal);
  if (thisYear.from <= now) return { ...thisYear, season: year };
  return { ...(await fetchEnergy({ ...base, season: year - 1 }, signal)), season: year - 1 };
}

export function fetchRecentPresses(limit: number, signal?: AbortSignal): Promise<PressView[]> {
  return getJson<PressView[]>(`/api/history/presses?limit=${limit}`, signal, QUIET);
}
