import { describe, expect, it } from 'vitest';
import { isForbiddenHost, screenUrl, validateBlueprint } from '../src/index.js';

// The hostname list and link-local rule of Go's urlvalidate.Validate
// (github.com/pilot-protocol/common, urlvalidate/validate.go).
const METADATA_HOSTS = [
  'metadata.google.internal',
  'metadata.google.com',
  'ec2.internal',
  'instance-data-service.ec2.internal',
  'metadata.azure.com',
];

describe('screenUrl / isForbiddenHost (Go urlvalidate rules)', () => {
  it('refuses every cloud-metadata host Go refuses, in any case and with a trailing dot', () => {
    for (const host of METADATA_HOSTS) {
      for (const variant of [
        host,
        host.toUpperCase(),
        `${host}.`,
        `${host[0].toUpperCase()}${host.slice(1)}.`,
      ]) {
        expect(isForbiddenHost(variant), variant).toBe(true);
        expect(screenUrl(`https://${variant}/computeMetadata/v1`), variant).toMatch(
          /cloud metadata endpoint/,
        );
        expect(
          () =>
            validateBlueprint({ name: 'n', webhooks: { identity_url: `http://${variant}:80/x` } }),
          variant,
        ).toThrow(/webhooks\.identity_url: URL cannot target cloud metadata endpoint/);
      }
    }
  });

  it('refuses link-local addresses, including the metadata IP in any numeric form', () => {
    for (const host of [
      '169.254.169.254',
      '169.254.0.1',
      '169.254.255.255',
      '0xA9FEA9FE',
      '[fe80::1]',
      'fe80::abcd',
      '[febf::1]',
      'fe80::1%eth0',
      '[::ffff:169.254.169.254]',
      '224.0.0.251',
      '[ff02::1]',
    ]) {
      expect(isForbiddenHost(host), host).toBe(true);
    }
    expect(screenUrl('http://169.254.169.254/latest/meta-data')).toBe(
      'URL cannot target link-local address 169.254.169.254',
    );
    expect(screenUrl('http://[fe80::1]:8080/')).toBe(
      'URL cannot target link-local address fe80::1',
    );
  });

  it('accepts ordinary hosts and addresses', () => {
    for (const host of [
      'hooks.example.com',
      'metadata.example.com',
      'google.internal',
      '169.253.1.1',
      '10.0.0.1',
      '[2001:db8::1]',
      'fec0::1',
      'localhost',
    ]) {
      expect(isForbiddenHost(host), host).toBe(false);
    }
    expect(screenUrl('https://hooks.example.com/x')).toBeUndefined();
  });

  it('refuses other schemes, unparsable URLs and a missing host', () => {
    expect(screenUrl('ftp://example.com/')).toBe('URL must use http or https scheme, got "ftp"');
    expect(screenUrl('not a url')).toBe('invalid URL "not a url"');
    expect(screenUrl('file:///etc/passwd')).toMatch(/http or https/);
  });
});
