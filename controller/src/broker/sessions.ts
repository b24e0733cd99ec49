/**
 * The live sessions of each device: its own client id and any `username/<suffix>` ones. Availability belongs
 * to the device, not to one session: the device goes offline when its last session ends. A session counts
 * from its successful authentication, so a takeover (the same client id connecting again) overlaps the old
 * connection and the old one's end is not the device's.
 */
export interface Session {
  /** The MQTT client id. */
  readonly id: string;
}

export class Sessions<S extends Session> {
  private readonly byUsername = new Map<string, Set<S>>();

  /** Sessions of `username` that would stay if `clientId` connected now (a same-id session is taken over). */
  othersThan(username: string, clientId: string): number {
    let n = 0;
    for (const s of this.byUsername.get(username) ?? []) if (s.id !== clientId) n++;
    return n;
  }

  add(username: string, session: S): void {
    let set = this.byUsername.get(username);
    if (!set) this.byUsername.set(username, (set = new Set()));
    set.add(session);
  }

  /** Removes a session; `last` is true when it was the device's last one. `removed` is false when it was not live. */
  remove(username: string, session: S): { removed: boolean; last: boolean } {
    const set = this.byUsername.get(username);
    if (!set || !set.delete(session)) return { removed: false, last: false };
    if (set.size > 0) return { removed: true, last: false };
    this.byUsername.delete(username);
    return { removed: true, last: true };
  }

  /** Whether the device has a live session other than `session`. */
  hasOther(username: string, session: S): boolean {
    const set = this.byUsername.get(username);
    return set !== undefined && set.size > (set.has(session) ? 1 : 0);
  }

  has(username: string): boolean {
    return this.byUsername.has(username);
  }

  /** Devices with at least one live session. */
  get devices(): number {
    return this.byUsername.size;
  }
}
