/**
 * Device and operator secrets. Secrets are generated here (192 random bits), shown to the operator
 * once through the provisioning file, and stored only as salted SHA-256 hashes. A fast hash is sound
 * for machine-generated secrets of this entropy (brute force is infeasible; this is how API tokens
 * are stored); it keeps thousands of device connects per second cheap. Human passwords, when the
 * dashboard gets accounts, use scrypt instead.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function hashSecret(secret: string, salt: string = randomBytes(16).toString('hex')): { salt: string; hash: string } {
  const hash = createHash('sha256').update(salt).update(':').update(secret).digest('hex');
  return { salt, hash };
}

export function verifySecret(secret: string | Buffer | undefined, salt: string, hash: string): boolean {
  if (secret === undefined) return false;
  const candidate = createHash('sha256').update(salt).update(':').update(secret).digest();
  const expected = Buffer.from(hash, 'hex');
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
