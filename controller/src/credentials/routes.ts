/**
 * Operator actions on one device's credential. Both end the device's live sessions at once. The rotate
 * answer carries the new secret (also written to the provisioning file); the logs never do (fastify logs no
 * bodies, and the logger redacts `password`).
 */
import type { FastifyInstance } from 'fastify';
import type { CredentialStore } from './credentials.js';
import { DeviceParams, RevokedAnswer, RotatedAnswer } from './schemas.js';
import { answer } from '../http/schemas.js';


export interface CredentialRoutesOptions {
  credentials: CredentialStore;
}

const username = (p: DeviceParams) => `${p.compound}/${p.role}/${p.device}`;

export default async function credentialRoutes(app: FastifyInstance, { credentials }: CredentialRoutesOptions): Promise<void> {
  /** Issues a new secret; the old one is refused from now on. Re-admits a revoked device. */
  app.post<{ Params: DeviceParams }>(
    '/api/devices/:compound/:role/:device/credentials/rotate',
    {
      config: { access: { action: 'admin', audit: 'credential.rotate' } },
      schema: { params: DeviceParams, response: { 200: answer(RotatedAnswer, 'the new secret (also in the provisioning file); the old one is refused') } },
    },
    async (req) => credentials.rotate(username(req.params)),
  );

  /** Revokes the credential: the device is refused at CONNECT until it is rotated. */
  app.delete<{ Params: DeviceParams }>(
    '/api/devices/:compound/:role/:device/credentials',
    {
      config: { access: { action: 'admin', audit: 'credential.revoke' } },
      schema: { params: DeviceParams, response: { 200: answer(RevokedAnswer, 'the credential is revoked; the device is refused at CONNECT until rotated') } },
    },
    async (req) => credentials.revoke(username(req.params)),
  );
}
