/**
 * Rate limits of the broker, as small pure classes: time comes in as an argument (`now`, epoch ms), so
 * tests drive them without clocks.
 */

/** Token buckets by key: each key may spend `burst` at once and `perS` per second sustained. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    /** Keys kept at most; the least recently refilled are dropped first (a dropped key starts full again). */
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, at: now };
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perS);
      b.at = now;
      this.buckets.delete(key); // re-inserted below: the map stays ordered by last use
    }
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * Failures by key (a source address) in a fixed window; `limit` failures within `windowMs` block the key for
 * `blockMs`. Memory is bounded: at most `maxKeys` keys, the oldest forgotten first.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { windowStart: number; count: number; blockedUntil: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly blockMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Whether `key` is refused now. */
  blocked(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && e.blockedUntil > now;
  }

  /** Counts one failure; true when this failure starts a block. */
  fail(key: string, now: number): boolean {
    let e = this.entries.get(key);
    if (!e || now - e.windowStart >= this.windowMs) {
      if (e) this.entries.delete(key);
      else if (this.entries.size >= this.maxKeys) this.evict(now);
      e = { windowStart: now, count: 0, blockedUntil: e && e.blockedUntil > now ? e.blockedUntil : 0 };
      this.entries.set(key, e);
    }
    e.count++;
    if (e.count >= this.limit && e.blockedUntil <= now) {
      e.blockedUntil = now + this.blockMs;
      e.count = 0;
      e.windowStart = now;
      this.entries.delete(key); // re-inserted: the map stays ordered by window start
      this.entries.set(key, e);
      return true;
    }
    return false;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries from the oldest on; if the oldest is still live, drops it anyway. */
  private evict(now: number): void {
    for (const [key, e] of this.entries) {
      if (now - e.windowStart < this.windowMs || e.blockedUntil > now) break;
      this.entries.delete(key);
    }
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }
}
