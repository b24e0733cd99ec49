/**
 * Provisioning the kiosk page (`/kiosk/{compound}/{kiosk}`) once, without residents ever typing a secret:
 * an admin makes a one-time link; the page, opened from it, exchanges the code for the kiosk's MQTT
 * credential (rotated: the old one stops working) and keeps it. The code is stored hashed and works once,
 * within `feedback.pageLinkMinutes`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CaidengError, ClaimAnswer, ClaimBody, Id, KIOSK_BUTTONS, PageLinkAnswer } from '@caideng/protocol';
import Type from 'typebox';
import { answer } from '../../http/schemas.js';
import type { Registry } from '../../registry/registry.js';
import type { CredentialStore } from '../../credentials/credentials.js';
import type { Db } from '../../store/db.js';

export interface KioskPageRoutesOptions {
  registry: Registry;
  credentials: CredentialStore;
  db: Db;
  linkMinutes: number;
  now?: () => number;
}

const KioskParams = Type.Object({ compound: Id, device: Id }, { additionalProperties: false });
type KioskParams = Type.Static<typeof KioskParams>;

const hash = (code: string) => createHash('sha256').update(code).digest('hex');

export default async function kioskPageRoutes(app: FastifyInstance, { registry, credentials, db, linkMinutes, now = Date.now }: KioskPageRoutesOptions): Promise<void> {
  app.post<{ Params: KioskParams }>(
    '/api/devices/:compound/kiosk/:device/page-link',
    {
      config: { access: { action: 'admin', audit: 'kiosk.page-link' } },
      schema: { params: KioskParams, response: { 200: answer(PageLinkAnswer, 'open the url on the kiosk screen once, before expiresAt') } },
    },
    async (req) => {
      const { compound, device } = req.params;
      if (!registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      if (!registry.deviceExists(compound, 'kiosk', device)) throw new CaidengError('CAIDENG_ERR_DEVICE_NOT_FOUND', [`${compound}/kiosk/${device}`]);
      const code = randomBytes(24).toString('base64url');
      const at = now();
      const expiresAt = at + linkMinutes * 60_000;
      await db.insertInto('kiosk_page_codes').values({ code_hash: hash(code), compound_id: compound, kiosk_id: device, created_at: at, expires_at: expiresAt, used_at: null }).execute();
      return { url: `/kiosk/${compound}/${device}#k=${code}`, expiresAt };
    },
  );

  app.post<{ Body: ClaimBody }>(
    '/api/kiosk-page/claim',
    {
      config: { access: { public: 'the kiosk page exchanges its one-time code (from an admin link) for its credential' }, rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: { body: ClaimBody, response: { 200: answer(ClaimAnswer, "the kiosk's MQTT credential (rotated now), where to connect, and its buttons") } },
    },
    async (req) => {
      const at = now();
      // One UPDATE claims the code: two pages racing with one code cannot both win.
      const claimed = await db
        .updateTable('kiosk_page_codes')
        .set({ used_at: at })
        .where('code_hash', '=', hash(req.body.code))
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .returning(['compound_id', 'kiosk_id'])
        .executeTakeFirst();
      if (!claimed) throw new CaidengError('CAIDENG_ERR_PAGE_CODE');
      const { compound_id: compound, kiosk_id: kiosk } = claimed;
      const info = registry.compound(compound)?.kiosks.find((k) => k.id === kiosk);
      if (!info) throw new CaidengError('CAIDENG_ERR_PAGE_CODE');
      const { username, password } = await credentials.rotate(`${compound}/kiosk/${kiosk}`);
      return { username, password, wsUrl: credentials.endpoints?.wsUrl ?? '', compound, kiosk, buttons: [...(info.buttons ?? KIOSK_BUTTONS)] };
    },
  );
}
