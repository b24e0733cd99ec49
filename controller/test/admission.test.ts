/** Connect admission: a burst goes in, the rest wait in order and go in at the rate; a full queue refuses. */
import { describe, expect, it } from 'vitest';
import { ConnectAdmission } from '../src/broker/admission.js';

describe('ConnectAdmission', () => {
  it('admits a burst, queues the rest in order, lets them in at the rate, refuses beyond the queue', () => {
    const a = new ConnectAdmission<number>(100, 3, 4, 0); // 100/s, bursts of 3, 4 waiting at most
    const outcomes = Array.from({ length: 8 }, (_, i) => a.offer(i, 0));
    expect(outcomes).toEqual(['admitted', 'admitted', 'admitted', 'queued', 'queued', 'queued', 'queued', 'refused']);
    expect(a.waiting).toBe(4);
    expect(a.nextInMs(0)).toBe(10);
    expect(a.due(5, () => true)).toEqual([]);
    expect(a.due(10, () => true)).toEqual([3]);
    // A connection that went away while waiting costs no token: the next one takes its turn.
    expect(a.due(20, (i) => i !== 4)).toEqual([5]);
    expect(a.due(40, () => true)).toEqual([6]); // 2 tokens accrued, one waiting
    expect(a.waiting).toBe(0);
    expect(a.counters).toEqual({ admitted: 3, queued: 4, refused: 1, abandoned: 1, maxWaitMs: 40 });
    // The last token spent, the next CONNECT waits.
    a.offer(7, 40);
    expect(a.offer(8, 40)).toBe('queued');
    expect(a.clear()).toEqual([8]);
  });
});
