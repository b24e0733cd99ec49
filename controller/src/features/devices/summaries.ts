/**
 * Per-compound summaries kept up to date as devices change, instead of recounted over every device of the
 * city each second (40,000 devices for each push, each /api/compounds). Each device's last contribution
 * (online, watts, faulty) is remembered, so a change moves its compound's totals by the difference.
 */
import type { CompoundSummary, DeviceStatus } from '@caideng/protocol';

interface Contribution {
  summary: CompoundSummary;
  online: boolean;
  watts: number;
  faulty: boolean;
}

export class CompoundSummaries {
  private readonly byCompound = new Map<string, CompoundSummary>();
  private readonly byDevice = new Map<DeviceStatus, Contribution>();

  /** A compound, in registry order (the order summaries are listed in). */
  addCompound(id: string): void {
    this.byCompound.set(id, { id, groups: 0, groupsOnline: 0, kiosks: 0, kiosksOnline: 0, faults: 0, watts: 0 });
  }

  /** A registered device, with its status as restored. */
  addDevice(status: DeviceStatus): void {
    const summary = this.byCompound.get(status.compound);
    if (!summary) return;
    if (status.kind === 'group') summary.groups++;
    else if (status.kind === 'kiosk') summary.kiosks++;
    const c: Contribution = { summary, online: false, watts: 0, faulty: false };
    this.byDevice.set(status, c);
    this.update(status);
  }

  /** After `status` changed: its compound's totals follow. */
  update(status: DeviceStatus): void {
    const c = this.byDevice.get(status);
    if (!c) return;
    const s = c.summary;
    const online = status.online;
    const group = status.kind === 'group';
    const watts = group && online ? (status.watts ?? 0) : 0;
    const faulty = group && status.faults !== undefined && status.faults.length > 0;
    if (online !== c.online) {
      const d = online ? 1 : -1;
      if (group) s.groupsOnline += d;
      else if (status.kind === 'kiosk') s.kiosksOnline += d;
      c.online = online;
    }
    if (watts !== c.watts) {
      s.watts += watts - c.watts;
      c.watts = watts;
    }
    if (faulty !== c.faulty) {
      s.faults += faulty ? 1 : -1;
      c.faulty = faulty;
    }
  }

  /** One compound's summary (a copy, watts to 0.1 W). */
  get(compound: string): CompoundSummary | undefined {
    const s = this.byCompound.get(compound);
    return s ? rounded(s) : undefined;
  }

  /** Every compound's summary, in registry order (copies). */
  list(): CompoundSummary[] {
    const out: CompoundSummary[] = [];
    for (const s of this.byCompound.values()) out.push(rounded(s));
    return out;
  }
}

/** Watts to 0.1 W: the sum is kept unrounded, and the float residue of many differences must not show. */
function rounded(s: CompoundSummary): CompoundSummary {
  return { ...s, watts: Math.round(s.watts * 10) / 10 || 0 };
}
