/** `/api/compounds` pages with offset/limit, and without them answers the whole list as before. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, startTestController, type TestController } from './helpers.js';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

describe('paged lists', () => {
  it('answers the whole list without offset/limit, a slice with them, and the total in x-total-count', async () => {
    const all = await apiFetch(ctl, `/api/compounds`);
    const list = (await all.json()) as Array<{ id: string }>;
    expect(list.map((c) => c.id)).toEqual(ctl.registry.county.compounds.map((c) => c.id));
    expect(all.headers.get('x-total-count')).toBe(String(list.length));
    expect(list.length).toBeGreaterThan(1);

    const page = await apiFetch(ctl, `/api/compounds?offset=1&limit=1`);
    expect(await page.json()).toEqual([list[1]]);
    expect(page.headers.get('x-total-count')).toBe(String(list.length));
    expect(await (await apiFetch(ctl, `/api/compounds?offset=${list.length}`)).json()).toEqual([]);
    expect((await apiFetch(ctl, `/api/compounds?limit=0`)).status).toBe(400);
    expect((await apiFetch(ctl, `/api/compounds?offset=-1`)).status).toBe(400);
  });
});
