import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Identity, verifySignature } from '../src/identity/identity.js';
import { IdentityError } from '../src/errors/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-id-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Identity', () => {
  it('saves with mode 0600 in a 0700 directory and loads the same key', async () => {
    const file = path.join(dir, 'state', 'identity.json');
    const { identity, created } = await Identity.loadOrCreate(file);
    expect(created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const again = await Identity.loadOrCreate(file);
    expect(again.created).toBe(false);
    expect(again.identity.publicKeyBase64).toBe(identity.publicKeyBase64);
    const json = JSON.parse(await readFile(file, 'utf8'));
    expect(Buffer.from(json.private_key, 'base64')).toHaveLength(64);
    expect(json.public_key).toHaveLength(44);
  });

  it('writes atomically: no temp file is left behind and an overwrite replaces whole content', async () => {
    const file = path.join(dir, 'identity.json');
    await Identity.generate().save(file);
    const second = Identity.generate();
    await second.save(file);
    expect(await readdir(dir)).toEqual(['identity.json']);
    expect((await Identity.load(file))!.publicKeyBase64).toBe(second.publicKeyBase64);
  });

  it('refuses a file whose public key does not match the private key', async () => {
    const file = path.join(dir, 'identity.json');
    const a = Identity.generate().toJSON();
    const b = Identity.generate().toJSON();
    await writeFile(
      file,
      JSON.stringify({ private_key: a.private_key, public_key: b.public_key }),
      {
        mode: 0o600,
      },
    );
    await expect(Identity.load(file)).rejects.toBeInstanceOf(IdentityError);
    await writeFile(file, '{not json');
    await expect(Identity.load(file)).rejects.toMatchObject({ code: 'IDENTITY_INVALID' });
  });

  it.runIf(process.platform !== 'win32')(
    'refuses a key file group or others can read, as ssh does, unless told to accept it',
    async () => {
      const file = path.join(dir, 'identity.json');
      const identity = Identity.generate();
      await identity.save(file);
      for (const mode of [0o644, 0o640, 0o604]) {
        await chmod(file, mode);
        const err = await Identity.load(file).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'IDENTITY_INSECURE' });
        expect((err as Error).message).toContain(`permissions 0${mode.toString(8)}`);
        expect((err as Error).message).toContain('chmod 600');
        await expect(Identity.loadOrCreate(file)).rejects.toMatchObject({
          code: 'IDENTITY_INSECURE',
        });
      }
      process.env['MESH_ALLOW_INSECURE_IDENTITY'] = '1';
      try {
        expect((await Identity.load(file))!.publicKeyBase64).toBe(identity.publicKeyBase64);
      } finally {
        delete process.env['MESH_ALLOW_INSECURE_IDENTITY'];
      }
      await chmod(file, 0o400);
      expect((await Identity.load(file))!.publicKeyBase64).toBe(identity.publicKeyBase64);
    },
  );

  it('returns undefined when no file exists', async () => {
    expect(await Identity.load(path.join(dir, 'missing.json'))).toBeUndefined();
  });

  it('signs registry challenges verifiable with the public key', () => {
    const id = Identity.generate();
    const sig = Buffer.from(id.signChallenge('heartbeat:5'), 'base64');
    expect(verifySignature(sig, new TextEncoder().encode('heartbeat:5'), id.publicKey)).toBe(true);
    expect(verifySignature(sig, new TextEncoder().encode('heartbeat:6'), id.publicKey)).toBe(false);
    expect(verifySignature(sig.subarray(1), new Uint8Array(1), id.publicKey)).toBe(false);
  });

  it('is deterministic from a seed (RFC 8032 test 1)', () => {
    const seed = Buffer.from(
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'hex',
    );
    const id = Identity.fromSeed(seed);
    expect(Buffer.from(id.publicKey).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(id.sign(new Uint8Array())).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });
});
