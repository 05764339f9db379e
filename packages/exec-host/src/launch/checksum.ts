// SHA-256 of the plugin executable, checked before every launch.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ChecksumMismatchError } from '@mesh/goplugin';

/**
 * SHA-256 of a file, hex.
 * @param file - path.
 * @returns the digest.
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Refuses an executable whose SHA-256 is not `expected`.
 * @param file - path.
 * @param expected - hex digest.
 * @throws ChecksumMismatchError on a mismatch.
 */
export async function verifyChecksum(file: string, expected: string): Promise<void> {
  const actual = await sha256File(file);
  const want = Buffer.from(expected.toLowerCase(), 'hex');
  const got = Buffer.from(actual, 'hex');
  if (want.length !== got.length || !timingSafeEqual(want, got))
    throw new ChecksumMismatchError(file, expected.toLowerCase(), actual);
}
