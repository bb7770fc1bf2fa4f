/**
 * The image checks of seed task 1.1. The reference image passes every one;
 * small purpose-built images fail each, and the verdict names the offending
 * user, port, variable, file or binary without printing a secret. The layer
 * reader is also tested on synthetic `docker save` archives, where whiteouts
 * and layouts can be arranged exactly.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/checks/check.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { buildTargetImage } from '../../../src/environments/local/image-build.ts';
import { listRunResources, removeRunResources } from '../../../src/support/run-resources.ts';
import { removeOneOff, startOneOff } from '../../../src/support/docker.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import { finalStageBaseImage } from '../../../src/tasks/1.1-dockerfile/dockerfile-rules.ts';
import { configSecretsVerdict, userVerdict } from '../../../src/tasks/1.1-dockerfile/image-config.ts';
import { NeedleScanner, scanSaveArchive } from '../../../src/support/image-layers.ts';
import {
  probeConfigSecrets,
  probeExposesPort,
  probeImageHealthcheck,
  probeNoAddedSetuid,
  probeNonRootUser,
  probeRuntimePresent,
  probeSecretFiles,
  probeSizeWithinBudget,
} from '../../../src/tasks/1.1-dockerfile/image-scan.ts';
import { redact, secretNeedles, type Secret } from '../../../src/support/secrets.ts';
import { dockerfileTask } from '../../../src/tasks/1.1-dockerfile/checks.ts';
import { profiles, type RuntimeSpec } from '../../../src/config/profiles.ts';
import { buildFixtureImage, debianImage, removeFixtureImages } from '../../support/image-fixtures.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
// Fresh per run: an image can only contain it if this run put it there.
const canaries = {
  COHERE_API_KEY: `canary-cohere-${runId}`,
  DATABASE_URL: `postgres://shipshape:local-${runId}@postgres:5432/shipshape`,
};
const needles = secretNeedles(canaries, ['COHERE_API_KEY', 'DATABASE_URL', 'ADMIN_TOKEN']);

function shown(verdict: Verdict): string {
  return verdict.status === 'failed' ? `${verdict.message}\n${verdict.evidence ?? ''}` : verdict.message;
}

function expectFail(verdict: Verdict, ...mentions: string[]): void {
  expect(verdict.status, shown(verdict)).toBe('failed');
  for (const mention of mentions) expect(shown(verdict)).toContain(mention);
  for (const canary of Object.values(canaries)) expect(shown(verdict)).not.toContain(canary);
  expect(shown(verdict)).not.toContain(`local-${runId}`);
}

/** Runs `probe` against a started container of `image` (its own CMD), removed afterwards. */
async function withRunning(image: string, probe: (containerId: string) => Promise<Verdict>): Promise<Verdict> {
  const container = await startOneOff({ image, networkName: 'bridge', runId, environment: {} });
  try {
    return await probe(container.id);
  } finally {
    await removeOneOff(container);
  }
}

afterAll(async () => {
  await removeFixtureImages();
  await removeRunResources(runId);
});

describe('the reference image', () => {
  const tag = 'shipshape-selftest/image-scan-reference:latest';
  let buildArgs: Record<string, string>;

  beforeAll(async () => {
    const config = await loadConfig({ envName: 'local' });
    // As the harness builds it: the build arguments include a declared ARG carrying a substitute.
    buildArgs = (await buildTargetImage(config.images, config.target, tag)).plan.buildArgs;
  });

  it('passes every image check', async () => {
    const profile = profiles.reference;
    const base = finalStageBaseImage(readFileSync('Dockerfile', 'utf8'), buildArgs);
    // Its healthcheck is judged on a running container: /health touches no dependency, so unreachable ones do.
    const running = await startOneOff({
      image: tag,
      networkName: 'bridge',
      runId,
      environment: {
        DATABASE_URL: 'postgres://shipshape:unused@127.0.0.1:1/shipshape?sslmode=disable',
        QDRANT_URL: 'http://127.0.0.1:2',
        QDRANT_API_KEY: 'qdrant-key-unused',
        QDRANT_COLLECTION: 'book',
        COHERE_API_KEY: canaries.COHERE_API_KEY,
      },
    });
    let healthcheck: Verdict;
    try {
      healthcheck = await probeImageHealthcheck(tag, running.id, { needles });
    } finally {
      await removeOneOff(running);
    }
    const verdicts: Record<string, Verdict> = {
      ['1.1/non-root-user']: await probeNonRootUser(tag, needles),
      ['1.1/exposes-port']: await probeExposesPort(tag, 8000),
      ['1.1/image-healthcheck']: healthcheck,
      ['1.1/no-secrets-in-image-config']: await probeConfigSecrets(tag, needles),
      ['1.1/no-secret-files-in-layers']: await probeSecretFiles(tag, needles),
      ['1.1/no-added-setuid']: await probeNoAddedSetuid(tag, base, needles),
      ['1.1/image-size-within-budget']: await probeSizeWithinBudget(tag, profile.imageSizeBudgetMb, 1234),
      ['1.1/runtime-present']: await probeRuntimePresent(tag, profile.runtime, runId),
    };
    expect(Object.keys(verdicts).sort()).toEqual(
      dockerfileTask.checks
        .filter((check) => check.requires.includes('built-image') || check.requires.includes('running-target'))
        .map((check) => check.id)
        .sort(),
    );
    for (const [id, verdict] of Object.entries(verdicts))
      expect(verdict.status, `${id}: ${shown(verdict)}`).toBe('passed');
    expect(verdicts['1.1/non-root-user']!.message).toContain('node (uid 1000)');
    expect(verdicts['1.1/image-healthcheck']!.message).toMatch(/^Docker reports the target container healthy/);
    expect(verdicts['1.1/runtime-present']!.message).toMatch(/node --version: v24\./);
    expect(verdicts['1.1/image-size-within-budget']!.message).toMatch(/MB \(budget 400 MB\); built in 1\.2 s/);
    // The base's own setuid binaries (su, passwd, mount) are counted, not flagged.
    expect(verdicts['1.1/no-added-setuid']!.message).toMatch(/[1-9]\d* come with the base image/);
  });

  it('leaves no container of the run behind', async () => {
    expect((await listRunResources(runId)).containers).toEqual([]);
  });
});

describe('1.1/non-root-user', () => {
  it('fails an image with no USER, naming root', async () => {
    const image = await buildFixtureImage('no-user', `FROM ${debianImage}\nLABEL case=no-user\n`);
    expectFail(await probeNonRootUser(image, needles), 'runs as root', 'no User');
  });

  it('fails a user missing from /etc/passwd and one with uid 0', async () => {
    const ghost = await buildFixtureImage('ghost-user', `FROM ${debianImage}\nUSER ghost\n`);
    expectFail(await probeNonRootUser(ghost, needles), 'User "ghost" is not in its /etc/passwd');
    const toor = await buildFixtureImage(
      'uid0-user',
      `FROM ${debianImage}\nRUN echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd\nUSER toor\n`,
    );
    expectFail(await probeNonRootUser(toor, needles), 'User "toor" has uid 0');
  });

  it('judges the passwd entry pure', () => {
    const passwd = 'root:x:0:0::/root:/bin/sh\napp:x:1001:1001::/app:/usr/sbin/nologin\n';
    expect(userVerdict({ User: 'app' }, passwd)).toMatchObject({ status: 'passed', message: 'runs as app (uid 1001)' });
    expect(userVerdict({ User: '0:0' }, passwd).status).toBe('failed');
    expect(userVerdict({ User: '10001:10001' }, undefined).status).toBe('passed');
  });
});

describe('1.1/exposes-port and 1.1/image-healthcheck', () => {
  it('fails an image that exposes another port, naming what it does expose', async () => {
    const image = await buildFixtureImage('expose-9000', `FROM ${debianImage}\nEXPOSE 9000\n`);
    expectFail(await probeExposesPort(image, 8000), 'does not EXPOSE the target port 8000', '9000/tcp');
    expect((await probeExposesPort(image, 9000)).status).toBe('passed');
  });

  it('fails no healthcheck and HEALTHCHECK NONE', async () => {
    const none = await buildFixtureImage(
      'no-healthcheck',
      `FROM ${debianImage}\nLABEL case=no-healthcheck\nCMD ["sleep", "120"]\n`,
    );
    expectFail(await withRunning(none, (id) => probeImageHealthcheck(none, id)), 'no healthcheck');
    const disabled = await buildFixtureImage(
      'healthcheck-none',
      `FROM ${debianImage}\nHEALTHCHECK CMD ["true"]\nHEALTHCHECK NONE\nCMD ["sleep", "120"]\n`,
    );
    expectFail(await withRunning(disabled, (id) => probeImageHealthcheck(disabled, id)), 'HEALTHCHECK NONE');
  });
});

describe('1.1/no-secrets-in-image-config', () => {
  it('fails secret env names with values and canary values, naming each without its value', async () => {
    const image = await buildFixtureImage(
      'secret-env',
      `FROM ${debianImage}\nENV QDRANT_API_KEY=qk-fixture-value LOG_LEVEL=info\nARG HIDDEN\nENV UPSTREAM=\${HIDDEN}\n`,
      {},
      { HIDDEN: canaries.COHERE_API_KEY },
    );
    const verdict = await probeConfigSecrets(image, needles);
    expectFail(
      verdict,
      'ENV QDRANT_API_KEY has a secret-looking name with a value',
      'ENV UPSTREAM contains the canary for COHERE_API_KEY',
    );
    expect(shown(verdict)).not.toContain('qk-fixture-value');
    expect(shown(verdict)).not.toContain('LOG_LEVEL');
  });

  it('fails a secret build argument recorded in the history', () => {
    const verdict = configSecretsVerdict(
      { Env: ['PATH=/usr/bin'] },
      [{ CreatedBy: '|1 NPM_TOKEN=npm-fixture /bin/sh -c npm ci' }, { CreatedBy: '' }],
      [],
    );
    expectFail(verdict, 'build step 2 ran with build argument NPM_TOKEN');
    expect(shown(verdict)).not.toContain('npm-fixture');
  });

  it('passes public values that merely look technical', () => {
    const env = [
      'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D',
      `PYTHON_SHA256=${'ab'.repeat(32)}`,
      'LANG=C.UTF-8',
    ];
    expect(configSecretsVerdict({ Env: env }, [], needles).status).toBe('passed');
  });
});

describe('1.1/no-secret-files-in-layers', () => {
  it('finds a .env added in one layer and deleted in the next', async () => {
    const image = await buildFixtureImage(
      'env-deleted',
      `FROM ${debianImage}\nRUN mkdir /app && echo 'QDRANT_API_KEY=qk-fixture' > /app/.env\nRUN rm /app/.env\n`,
    );
    const verdict = await probeSecretFiles(image, needles);
    expectFail(verdict, '/app/.env: a .env file', 'deleted by layer 3, but still readable in layer 2');
    expect(shown(verdict)).not.toContain('qk-fixture');
  });

  it('finds private keys, a token .npmrc, .git and a canary in any file, but not certificates', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificate = `-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const image = await buildFixtureImage(
      'secret-files',
      [
        `FROM ${debianImage}`,
        'COPY files/ /srv/',
        // Where CA bundles live: certificates, not keys, so never flagged.
        'RUN mkdir -p /etc/ssl/certs /usr/share/ca-certificates \\',
        ' && cat /srv/ca.pem >> /etc/ssl/certs/ca-certificates.crt && cp /srv/ca.pem /usr/share/ca-certificates/extra.pem',
      ].join('\n'),
      {
        'files/tls/server.key': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        'files/ca.pem': certificate,
        'files/home/.npmrc': '//registry.npmjs.org/:_authToken=npm-fixture-token\n',
        'files/app/.npmrc': '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
        'files/home/.ssh/id_ed25519': 'not parsed: the name is enough\n',
        'files/home/.ssh/id_ed25519.pub': 'ssh-ed25519 AAAA public\n',
        'files/repo/.git/HEAD': 'ref: refs/heads/main\n',
        'files/repo/.git/config': '[core]\n',
        'files/app/config.yml': `cohere:\n  key: ${canaries.COHERE_API_KEY}\ndb: ${canaries.DATABASE_URL}\n`,
      },
    );
    const verdict = await probeSecretFiles(image, needles);
    expectFail(
      verdict,
      '/srv/tls/server.key: a PEM private key',
      '/srv/home/.npmrc: an .npmrc with a registry token',
      '/srv/home/.ssh/id_ed25519: an SSH private key',
      '/srv/repo/.git: a .git directory',
      '/srv/app/config.yml: contains the canary for COHERE_API_KEY',
      '/srv/app/config.yml: contains the canary for DATABASE_URL (its password)',
    );
    const text = shown(verdict);
    expect(text).not.toMatch(/ca\.pem|ca-certificates|id_ed25519\.pub|\/srv\/app\/\.npmrc/);
    expect(text.match(/\.git:/g)).toHaveLength(1);
  });
});

describe('1.1/no-added-setuid', () => {
  it('fails a setuid and a setgid binary added beyond the base, not the base’s own', async () => {
    const image = await buildFixtureImage(
      'setuid',
      `FROM ${debianImage}\nRUN cp /bin/true /usr/local/bin/helper && chmod u+s /usr/local/bin/helper && cp /bin/true /usr/local/bin/grouper && chmod g+s /usr/local/bin/grouper\n`,
    );
    const verdict = await probeNoAddedSetuid(image, debianImage, needles);
    expectFail(verdict, '/usr/local/bin/helper: setuid, mode 4755', '/usr/local/bin/grouper: setgid, mode 2755');
    expect(shown(verdict)).not.toContain('/usr/bin/su');
  });

  it('skips, with the reason, when the base image is not present', async () => {
    const verdict = await probeNoAddedSetuid(debianImage, 'shipshape-selftest/absent-base:never', needles);
    expect(verdict).toMatchObject({ status: 'skipped', message: expect.stringContaining('not present locally') });
  });
});

describe('1.1/image-size-within-budget', () => {
  it('fails over a small budget, naming size, budget and the largest step', async () => {
    const image = await buildFixtureImage(
      'size',
      `FROM ${debianImage}\nRUN dd if=/dev/zero of=/blob bs=1M count=3 status=none\n`,
    );
    expectFail(await probeSizeWithinBudget(image, 50), '(budget 50 MB)', 'largest steps', '3.1 MB: RUN dd');
    expect((await probeSizeWithinBudget(image, 200)).status).toBe('passed');
  });
});

describe('1.1/runtime-present', () => {
  const node20 = '#!/bin/sh\necho v20.0.0\n';

  it('fails a node that reports another major, naming the version', async () => {
    const image = await buildFixtureImage('node20', `FROM ${debianImage}\nCOPY node /usr/local/bin/node\n`, {
      node: { content: node20, mode: 0o755 },
    });
    expectFail(await probeRuntimePresent(image, { kind: 'node', major: 24 }, runId), 'v20.0.0, want major 24');
    expect((await probeRuntimePresent(image, { kind: 'node', major: 20 }, runId)).status).toBe('passed');
  });

  it('fails an image without node, saying it did not run', async () => {
    expectFail(
      await probeRuntimePresent(debianImage, { kind: 'node', major: 24 }, runId),
      'node --version: did not run',
    );
  });

  it('checks python, each system package and each module on its own evidence line', async () => {
    const python3 = [
      '#!/bin/sh',
      'case "$1 $2" in',
      '  "--version ") echo "Python 3.11.2" ;;',
      '  "-c import psycopg2") exit 0 ;;',
      '  *) echo "ModuleNotFoundError: No module named \'${2#import }\'" >&2; exit 1 ;;',
      'esac',
    ].join('\n');
    const image = await buildFixtureImage('python-shim', `FROM ${debianImage}\nCOPY python3 /usr/local/bin/python3\n`, {
      python3: { content: `${python3}\n`, mode: 0o755 },
    });
    const spec: RuntimeSpec = {
      kind: 'python',
      version: '3.11',
      systemPackages: ['bash', 'curl'],
      modules: ['psycopg2', 'yaml'],
    };
    const verdict = await probeRuntimePresent(image, spec, runId);
    expectFail(verdict, 'dpkg-query curl, python3 -c "import yaml"');
    const lines = (verdict as { evidence: string }).evidence.split('\n');
    expect(lines).toEqual([
      'ok       python3 --version: Python 3.11.2',
      'ok       dpkg-query bash: installed',
      expect.stringMatching(/^missing {2}dpkg-query curl: not installed: .*curl/),
      'ok       python3 -c "import psycopg2": imports',
      'missing  python3 -c "import yaml": fails: ModuleNotFoundError: No module named \'yaml\'',
    ]);
    const wrongVersion = await probeRuntimePresent(
      image,
      { kind: 'python', version: '3.12', systemPackages: [], modules: [] },
      runId,
    );
    expectFail(wrongVersion, 'Python 3.11.2, want 3.12');
  });
});

// ------------------------------------------------------------------ the layer reader on synthetic archives

interface Entry {
  name: string;
  content?: string | Buffer;
  mode?: number;
  type?: 'file' | 'directory';
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const entry of entries) {
    pack.entry({ name: entry.name, mode: entry.mode ?? 0o644, type: entry.type ?? 'file' }, entry.content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A `docker save` archive of these layers, in the legacy layout or the OCI one (gzipped blobs, manifest first). */
async function saveArchive(layers: Entry[][], layout: 'legacy' | 'oci'): Promise<Readable> {
  const tars = await Promise.all(layers.map(tarOf));
  const config = Buffer.from(
    JSON.stringify({
      rootfs: { type: 'layers', diff_ids: tars.map((layer) => `sha256:${sha(layer)}`) },
      history: tars.map((_, index) => ({ created_by: `/bin/sh -c step ${index + 1}` })),
    }),
  );
  const files: { name: string; content: Buffer }[] = [];
  if (layout === 'legacy') {
    tars.forEach((layer, index) => files.push({ name: `l${index}/layer.tar`, content: layer }));
    files.push({ name: 'config.json', content: config });
    const manifest = [{ Config: 'config.json', Layers: tars.map((_, index) => `l${index}/layer.tar`) }];
    files.push({ name: 'manifest.json', content: Buffer.from(JSON.stringify(manifest)) });
  } else {
    const blobs = tars.map((layer) => gzipSync(layer));
    const manifest = [
      { Config: `blobs/sha256/${sha(config)}`, Layers: blobs.map((blob) => `blobs/sha256/${sha(blob)}`) },
    ];
    files.push({ name: 'manifest.json', content: Buffer.from(JSON.stringify(manifest)) });
    files.push({ name: `blobs/sha256/${sha(config)}`, content: config });
    blobs.forEach((blob) => files.push({ name: `blobs/sha256/${sha(blob)}`, content: blob }));
  }
  return Readable.from([await tarOf(files)]);
}

describe('the layer reader', () => {
  const layers: Entry[][] = [
    [
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'usr/bin/su', mode: 0o4755, content: 'su' },
      { name: 'usr/bin/old', mode: 0o4755, content: 'old' },
      { name: 'app/cache/id_rsa', content: 'key' },
    ],
    [
      { name: 'app/.env', content: 'A=1' },
      { name: 'app/.env.example', content: 'A=' },
      { name: 'app/notes.txt', content: `x${'y'.repeat(70_000)}canary-split-value` },
      { name: 'usr/local/bin/tool', mode: 0o2755, content: 'tool' },
    ],
    [
      { name: 'app/.wh..env' },
      { name: 'app/cache/.wh..wh..opq' },
      { name: 'usr/bin/old', mode: 0o755, content: 'no longer setuid' },
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n' },
    ],
  ];
  const split: Secret[] = [{ name: 'SPLIT', value: 'canary-split-value' }];

  for (const layout of ['legacy', 'oci'] as const) {
    it(`reads the ${layout} layout: whiteouts, opaque directories and replaced files`, async () => {
      const scan = await scanSaveArchive(await saveArchive(layers, layout), split);
      expect(scan.layers.map((layer) => layer.createdBy)).toEqual(['RUN step 1', 'RUN step 2', 'RUN step 3']);
      const secrets = Object.fromEntries(scan.secretFiles.map((file) => [file.path, file]));
      expect(Object.keys(secrets).sort()).toEqual(['/app/.env', '/app/cache/id_rsa', '/app/notes.txt']);
      expect(secrets['/app/.env']).toMatchObject({ layer: 1, removedBy: { layer: 2, how: 'deleted' } });
      expect(secrets['/app/cache/id_rsa']).toMatchObject({ layer: 0, removedBy: { layer: 2, how: 'deleted' } });
      expect(secrets['/app/notes.txt']).toMatchObject({ what: 'contains the canary for SPLIT' });
      expect(scan.specialFiles.map((file) => `${file.path} ${file.bits} ${file.layer}`).sort()).toEqual([
        '/usr/bin/su setuid 0',
        '/usr/local/bin/tool setgid 1',
      ]);
      expect(scan.files['etc/passwd']).toContain('app:x:1000');
    });
  }

  it('refuses an archive that is not a docker save, saying so', async () => {
    const archive = Readable.from([await tarOf([{ name: 'notes.txt', content: 'hello' }])]);
    await expect(scanSaveArchive(archive, [])).rejects.toThrow('no manifest.json');
  });

  it('finds a needle split across chunks, and only once per owner', () => {
    const scanner = new NeedleScanner([{ name: 'K', value: 'abcdef' }]);
    for (const chunk of ['xxab', 'c', 'dexx', 'abcdef']) scanner.push(Buffer.from(chunk));
    expect([...scanner.found]).toEqual(['K']);
    const miss = new NeedleScanner([{ name: 'K', value: 'abcdef' }]);
    for (const chunk of ['abc', 'xdef']) miss.push(Buffer.from(chunk));
    expect(miss.found.size).toBe(0);
  });

  it('redacts canaries, credential shapes and secret assignments for evidence', () => {
    const text = redact(
      `RUN echo ${canaries.COHERE_API_KEY} && curl https://u:p4ss@x && ADMIN_TOKEN=abc123 make`,
      needles,
    );
    expect(text).toBe(
      'RUN echo [canary for COHERE_API_KEY] && curl https://[credentials]@x && ADMIN_TOKEN=[redacted] make',
    );
  });
});
