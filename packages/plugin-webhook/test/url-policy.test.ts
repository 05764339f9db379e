import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, guardedLookup, isForbiddenAddress } from '../src/url/url-policy.js';

describe('webhook URL rules', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://METADATA.GOOGLE.INTERNAL./x',
    'http://ec2.internal/',
    'http://instance-data-service.ec2.internal/',
    'https://metadata.azure.com/metadata',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://169.254.1.1:8080/',
    'http://100.100.100.200/',
  ])('refuses %s', (url) => {
    expect(() => checkWebhookUrl(url)).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_TARGET_FORBIDDEN', retryable: false }),
    );
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'not a url', '/relative'])(
    'refuses non-http(s) %s',
    (url) => {
      expect(() => checkWebhookUrl(url)).toThrow(
        expect.objectContaining({ code: 'INVALID_WEBHOOK_URL' }),
      );
    },
  );

  it('accepts http(s) receivers, loopback included, and the empty string', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9000/h')).toBe('http://127.0.0.1:9000/h');
    expect(checkWebhookUrl('https://hooks.example.com/x?y=1')).toBe(
      'https://hooks.example.com/x?y=1',
    );
    expect(checkWebhookUrl('')).toBe('');
  });

  it('classifies addresses', () => {
    expect(isForbiddenAddress('169.254.0.1')).toBe(true);
    expect(isForbiddenAddress('fe80::abcd%eth0')).toBe(true);
    expect(isForbiddenAddress('::ffff:a9fe:a9fe')).toBe(true);
    expect(isForbiddenAddress('fd00:ec2::254')).toBe(true);
    expect(isForbiddenAddress('10.0.0.1')).toBe(false);
    expect(isForbiddenAddress('::1')).toBe(false);
  });

  it('checks every resolved address, not only the first', async () => {
    const lookup = guardedLookup((_h, _o, cb) =>
      cb(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ]),
    );
    const error = await new Promise<unknown>((resolve) =>
      lookup('twofaced.test', { all: true }, (err) => resolve(err)),
    );
    expect(error).toMatchObject({ code: 'WEBHOOK_TARGET_FORBIDDEN' });
    const real = guardedLookup();
    const ok = await new Promise<unknown>((resolve) =>
      real('localhost', {}, (err, address) => resolve(err ?? address)),
    );
    expect(typeof ok).toBe('string');
  });
});
