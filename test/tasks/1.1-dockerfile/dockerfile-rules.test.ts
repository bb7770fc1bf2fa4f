/**
 * The static Dockerfile rules of seed task 1.1: for every rule, Dockerfiles
 * that pass and Dockerfiles that fail with evidence naming the line, plus the
 * edge cases hadolint gets right (ARG-substituted FROM, stage names, `||`,
 * multi-stage USER, heredocs), and the repository's own Dockerfile.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultVariants, type FaultVariant } from '../../../fixtures/faults/catalog.ts';
import { applyDockerfileEdits } from '../../../fixtures/faults/dockerfile-edits.ts';
import { runCheck } from '../../../src/checks/run.ts';
import type { TargetSpec } from '../../../src/config/target-spec.ts';
import { dockerfileTask } from '../../../src/tasks/1.1-dockerfile/checks.ts';
import { fakeEnvironment, targetSpec } from '../../support/environment.ts';
import type { Verdict } from '../../../src/checks/check.ts';
import {
  dockerfileRules,
  evaluateDockerfile,
  evaluateRule,
  finalStageBaseImage,
  parseImageReference,
  pipeOffsets,
  readDockerfileInput,
  substitute,
  type DockerfileRule,
} from '../../../src/tasks/1.1-dockerfile/dockerfile-rules.ts';

const goodIgnore = [
  '.env',
  '**/.env',
  '**/.env.*',
  '.git',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
  '**/node_modules',
].join('\n');

function rule(name: DockerfileRule, dockerfile: string, buildArgs: Record<string, string> = {}): Verdict {
  return evaluateRule(name, { dockerfile, dockerignore: goodIgnore, buildArgs });
}

/** The text a failure shows: message and evidence, as the report prints them. */
function shown(verdict: Verdict): string {
  return verdict.status === 'failed' ? `${verdict.message}\n${verdict.evidence ?? ''}` : verdict.message;
}

function expectPass(verdict: Verdict): void {
  expect(verdict.status, shown(verdict)).toBe('passed');
}

function expectFail(verdict: Verdict, ...mentions: (string | RegExp)[]): void {
  expect(verdict.status, shown(verdict)).toBe('failed');
  for (const mention of mentions) expect(shown(verdict)).toMatch(mention);
}

describe('1.1/base-image-pinned', () => {
  it('passes tags, digests and scratch', () => {
    expectPass(rule('baseImagePinned', 'FROM node:24-bookworm-slim\nFROM scratch\n'));
    expectPass(rule('baseImagePinned', `FROM debian@sha256:${'a'.repeat(64)}\n`));
    expectPass(rule('baseImagePinned', 'FROM localhost:5000/team/app:1.2.3\n'));
  });

  it('fails an untagged image and the latest tag, naming the line', () => {
    expectFail(rule('baseImagePinned', 'FROM node:24\nRUN true\nFROM debian\n'), 'line 3: FROM debian', 'no tag');
    expectFail(rule('baseImagePinned', 'FROM node:latest\n'), 'line 1: FROM node:latest', 'latest tag');
    // A registry port is not a tag.
    expectFail(rule('baseImagePinned', 'FROM localhost:5000/team/app\n'), 'no tag');
  });

  it('substitutes ARG defaults, and build arguments over them', () => {
    const dockerfile = 'ARG BASE=node:24-bookworm-slim\nFROM ${BASE} AS deps\n';
    expectPass(rule('baseImagePinned', dockerfile));
    expectFail(rule('baseImagePinned', dockerfile, { BASE: 'node:latest' }), 'node:latest (after ARG substitution)');
    expectFail(rule('baseImagePinned', 'ARG BASE=debian\nFROM ${BASE}\n'), 'line 2: FROM ${BASE}', 'debian');
    expectFail(rule('baseImagePinned', 'ARG BASE\nFROM $BASE\n'), 'empty image name');
  });

  it('does not treat stage names as images, whatever their case', () => {
    const dockerfile = 'FROM node:24 AS Build\nRUN true\nFROM build AS test\nFROM BUILD\n';
    expectPass(rule('baseImagePinned', dockerfile));
  });

  it('only global ARGs reach FROM: an ARG inside a stage does not', () => {
    expectFail(rule('baseImagePinned', 'FROM node:24\nARG NEXT=debian:12\nFROM ${NEXT}\n'), 'empty image name');
  });

  it('splits references as Docker does', () => {
    expect(parseImageReference('registry:5000/app')).toEqual({ name: 'registry:5000/app' });
    expect(parseImageReference('app:1@sha256:abc')).toEqual({ name: 'app', tag: '1', digest: 'sha256:abc' });
    expect(substitute('${A:-x}-${B:+y}-$C-\\$D', { B: '1', C: 'c' })).toBe('x-y-c-$D');
  });
});

describe('1.1/apt-get-clean', () => {
  const clean =
    'FROM debian:bookworm\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n';

  it('passes a clean install, and no apt-get at all', () => {
    expectPass(rule('aptGetClean', clean));
    expectPass(rule('aptGetClean', 'FROM debian:bookworm\nRUN echo apt-get-free\n'));
  });

  it('fails an install without --no-install-recommends', () => {
    expectFail(
      rule(
        'aptGetClean',
        'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
      ),
      'line 2: RUN apt-get update',
      '--no-install-recommends',
    );
  });

  it('fails lists left in the layer of the final image, not in a builder stage', () => {
    const dirty = 'RUN apt-get update && apt-get install -y --no-install-recommends curl\n';
    expectFail(rule('aptGetClean', `FROM debian:bookworm\n${dirty}`), '/var/lib/apt/lists', 'line 2');
    expectPass(
      rule('aptGetClean', `FROM debian:bookworm AS build\n${dirty}FROM debian:bookworm\nCOPY --from=build /x /x\n`),
    );
    expectFail(rule('aptGetClean', `FROM debian:bookworm AS base\n${dirty}FROM base\n`), 'line 2');
  });

  it('accepts a cache mount over the lists instead of rm', () => {
    expectPass(
      rule(
        'aptGetClean',
        'FROM debian:bookworm\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends curl\n',
      ),
    );
  });

  it('fails apt instead of apt-get, and reads heredoc scripts', () => {
    expectFail(
      rule('aptGetClean', 'FROM debian:bookworm\nRUN apt install -y --no-install-recommends curl\n'),
      'uses apt',
    );
    expectFail(
      rule('aptGetClean', 'FROM debian:bookworm\nRUN <<EOF\nset -e\napt-get install -y curl\nEOF\n'),
      '--no-install-recommends',
    );
  });
});

describe('1.1/copy-not-add', () => {
  it('passes COPY, a local archive and a checksum-verified download', () => {
    expectPass(rule('copyNotAdd', 'FROM node:24\nCOPY src ./src\n'));
    expectPass(rule('copyNotAdd', 'FROM node:24\nADD rootfs.tar.gz /\n'));
    expectPass(rule('copyNotAdd', 'FROM node:24\nADD --checksum=sha256:abc https://example.com/x.tgz /x.tgz\n'));
  });

  it('fails ADD of a local path and an unverified URL', () => {
    expectFail(
      rule('copyNotAdd', 'FROM node:24\nADD backend/src ./src\n'),
      'line 2: ADD backend/src ./src',
      'local path',
    );
    expectFail(rule('copyNotAdd', 'FROM node:24\nADD https://example.com/tool /usr/bin/tool\n'), 'unverified');
  });
});

describe('1.1/exec-form-cmd', () => {
  it('passes JSON-array CMD and ENTRYPOINT, and a CMD inherited from a parent stage', () => {
    expectPass(rule('execFormCommand', 'FROM node:24\nENTRYPOINT ["node"]\nCMD ["src/server.ts"]\n'));
    expectPass(rule('execFormCommand', 'FROM node:24 AS app\nCMD ["node", "x"]\nFROM app\nENV A=1\n'));
  });

  it('fails shell form, naming the line', () => {
    expectFail(
      rule('execFormCommand', 'FROM node:24\nCMD node src/server.ts\n'),
      'line 2: CMD node src/server.ts',
      'shell form',
    );
    expectFail(rule('execFormCommand', 'FROM node:24\nENTRYPOINT node x\n'), 'ENTRYPOINT', 'SIGTERM');
  });

  it('fails single-quoted "JSON", which Docker runs through a shell', () => {
    expectFail(rule('execFormCommand', "FROM node:24\nCMD ['node', 'x']\n"), 'not valid JSON');
  });

  it('judges the final stage only, and fails when it names no command', () => {
    expectPass(rule('execFormCommand', 'FROM node:24 AS build\nCMD make\nFROM node:24\nCMD ["node", "x"]\n'));
    expectFail(rule('execFormCommand', 'FROM node:24 AS build\nCMD ["node"]\nFROM node:24\n'), 'no CMD or ENTRYPOINT');
  });
});

describe('1.1/pipefail', () => {
  it('passes RUNs without a pipe: || is not a pipe, nor is | inside quotes or a comment', () => {
    expectPass(rule('pipefail', 'FROM debian:12\nRUN test -f x || echo missing\n'));
    expectPass(rule('pipefail', `FROM debian:12\nRUN grep -E 'a|b' file && echo "x|y"\n`));
    expectPass(rule('pipefail', 'FROM debian:12\nRUN echo hi # not | a pipe\n'));
    expectPass(rule('pipefail', 'FROM debian:12\nRUN ["sh", "-c", "a | b"]\n'));
  });

  it('passes a pipe after SHELL -o pipefail or set -o pipefail', () => {
    expectPass(rule('pipefail', 'FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl x | sh\n'));
    expectPass(rule('pipefail', 'FROM debian:12\nSHELL ["/bin/bash", "-euxo", "pipefail", "-c"]\nRUN curl x | sh\n'));
    expectPass(rule('pipefail', 'FROM debian:12\nRUN set -eo pipefail && curl x | sh\n'));
  });

  it('fails a pipe without pipefail, naming the line; |& is a pipe too', () => {
    expectFail(rule('pipefail', 'FROM debian:12\nRUN true\nRUN npm ci 2>&1 | tail -n 5\n'), 'line 3: RUN npm ci');
    expectFail(rule('pipefail', 'FROM debian:12\nRUN make |& tee log\n'), 'line 2');
    expectFail(rule('pipefail', 'FROM debian:12\nRUN curl x | sh && set -o pipefail\n'), 'line 2');
  });

  it('carries SHELL into a stage built FROM that stage, not into an unrelated one', () => {
    const shell = 'FROM debian:12 AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n';
    expectPass(rule('pipefail', `${shell}FROM base\nRUN a | b\n`));
    expectFail(rule('pipefail', `${shell}FROM debian:12\nRUN a | b\n`), 'line 4');
  });

  it('reads a heredoc script, but not heredoc data', () => {
    expectFail(rule('pipefail', 'FROM debian:12\nRUN <<EOF\ncurl x | sh\nEOF\n'), 'line 2');
    expectPass(rule('pipefail', 'FROM debian:12\nRUN <<EOF\nset -o pipefail\ncurl x | sh\nEOF\n'));
    expectPass(rule('pipefail', 'FROM debian:12\nRUN cat <<EOF > /etc/motd\na | b\nEOF\n'));
  });

  it('finds pipe offsets as a shell would', () => {
    expect(pipeOffsets(`a || b | c 'd|e' "f|g" \\| h`)).toEqual([7]);
  });
});

describe('1.1/no-secrets-in-dockerfile', () => {
  it('passes ordinary variables, secret names without values, checksums and file pointers', () => {
    const dockerfile = [
      'ARG NPM_TOKEN',
      'FROM node:24',
      'ENV NODE_ENV=production GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D',
      `ENV NODE_SHA256=${'ab'.repeat(32)} DB_PASSWORD_FILE=/run/secrets/db`,
      'ENV DATABASE_URL=postgres://app@db:5432/app API_KEY=""',
    ].join('\n');
    expectPass(rule('noSecretsInDockerfile', dockerfile));
  });

  it('fails secret-looking names with values, naming the variable but never the value', () => {
    const value = 'co-live-5b0c2d1e9f8a7b6c';
    const verdict = rule('noSecretsInDockerfile', `FROM node:24\nENV COHERE_API_KEY=${value}\n`);
    expectFail(verdict, 'line 2', 'COHERE_API_KEY', 'secret-looking name');
    expect(shown(verdict)).not.toContain(value);
    expectFail(rule('noSecretsInDockerfile', 'ARG ADMIN_TOKEN=letmein\nFROM node:24\n'), 'line 1', 'ADMIN_TOKEN');
    expectFail(
      rule('noSecretsInDockerfile', 'FROM node:24\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\n'),
      'build argument',
    );
  });

  it('fails credential-shaped values under any name and in any instruction', () => {
    const url = 'postgres://app:hunter2hunter2@db:5432/app';
    const verdict = rule('noSecretsInDockerfile', `FROM node:24\nENV DATABASE_URL=${url}\n`);
    expectFail(verdict, 'DATABASE_URL', 'URL with a user and password');
    expect(shown(verdict)).not.toContain('hunter2');
    expectFail(rule('noSecretsInDockerfile', `FROM node:24\nENV CONFIG=${'f0'.repeat(20)}\n`), '32+ hex');
    const key = `sk-${'A1b2C3d4'.repeat(4)}`;
    const run = rule('noSecretsInDockerfile', `FROM node:24\nRUN curl -H "Authorization: Bearer ${key}" x\n`);
    expectFail(run, 'line 2', 'sk-… API key');
    expect(shown(run)).not.toContain(key);
  });
});

describe('1.1/dockerfile-user-not-root', () => {
  it('passes a named or numeric non-root user, and ${VARIABLE}s resolved from ARG', () => {
    expectPass(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER node\n'));
    expectPass(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER 1000:1000\n'));
    expectPass(rule('dockerfileUserNotRoot', 'FROM node:24\nARG APP_USER=app\nUSER ${APP_USER}\n'));
  });

  it('fails no USER, root, 0, and a last USER that switches back to root', () => {
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24\nCMD ["node"]\n'), 'no USER');
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER root\n'), 'line 2: USER root');
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER 0:0\n'), 'USER 0:0');
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER node\nRUN true\nUSER root\n'), 'line 4');
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24\nUSER ${UNSET}\n'), 'empty user');
  });

  it('follows stages: a builder USER does not count, a parent stage USER does', () => {
    expectFail(rule('dockerfileUserNotRoot', 'FROM node:24 AS build\nUSER node\nFROM node:24\n'), 'no USER');
    expectPass(rule('dockerfileUserNotRoot', 'FROM node:24 AS base\nUSER node\nFROM base\nCOPY x x\n'));
  });
});

describe('1.1/dockerfile-healthcheck', () => {
  it('passes a HEALTHCHECK CMD in the final stage or its parent', () => {
    expectPass(rule('dockerfileHealthcheck', 'FROM node:24\nHEALTHCHECK CMD ["node", "h.js"]\n'));
    expectPass(rule('dockerfileHealthcheck', 'FROM node:24 AS base\nHEALTHCHECK CMD true\nFROM base\n'));
  });

  it('fails none, NONE, and one in a builder stage only', () => {
    expectFail(rule('dockerfileHealthcheck', 'FROM node:24\nCMD ["node"]\n'), 'no HEALTHCHECK');
    expectFail(rule('dockerfileHealthcheck', 'FROM node:24\nHEALTHCHECK NONE\n'), 'line 2: HEALTHCHECK NONE');
    expectFail(
      rule('dockerfileHealthcheck', 'FROM node:24 AS b\nHEALTHCHECK CMD true\nFROM node:24\n'),
      'no HEALTHCHECK',
    );
  });
});

describe('1.1/dockerignore-excludes-secrets', () => {
  const verdict = (dockerignore: string | undefined) =>
    evaluateRule('dockerignoreExcludesSecrets', { dockerfile: 'FROM x:1\n', dockerignore, buildArgs: {} });

  it('passes an ignore file that excludes every sample path', () => {
    expectPass(verdict(goodIgnore));
  });

  it('fails a missing .dockerignore', () => {
    expectFail(verdict(undefined), 'no .dockerignore');
  });

  it('asks the ignore rules, so root-only patterns and re-inclusions are caught', () => {
    expectFail(verdict(goodIgnore.replace('.env\n**/.env\n', '')), /^\.env is not ignored/m, /^backend\/\.env is not/m);
    expectFail(verdict(goodIgnore.replace('**/*.pem', '*.pem')), 'keys/server.pem is not ignored');
    expectFail(verdict(`${goodIgnore}\n!.env`), /^\.env is not ignored/m);
    expectFail(verdict(goodIgnore.replace('**/node_modules', 'node_modules')), 'backend/node_modules/x is not ignored');
  });
});

describe('every rule', () => {
  const broken = 'FROM node\nRUN apt-get update && apt-get install -y x | tee log\nADD . /app\nCMD node app\n';

  it('is declared as a 1.1 check that needs nothing but the files, and fails a Dockerfile that breaks them all', () => {
    const fileChecks = dockerfileTask.checks.filter((check) => check.requires.length === 0);
    expect(fileChecks).toHaveLength(dockerfileRules.length);
    for (const check of fileChecks) expect(check.id).toMatch(/^1\.1\/[a-z0-9-]+$/);
    const verdicts = evaluateDockerfile({ dockerfile: broken, dockerignore: undefined, buildArgs: {} });
    for (const name of dockerfileRules) {
      const verdict = verdicts[name];
      // No secret in `broken`: that rule must pass here and is failed above.
      if (name === 'noSecretsInDockerfile') expectPass(verdict);
      else expectFail(verdict);
    }
  });

  it('fails a file with no FROM rather than passing it', () => {
    expectFail(rule('dockerfileUserNotRoot', '# nothing\n'), 'no FROM');
    expectFail(rule('baseImagePinned', ''), 'no FROM');
  });
});

describe("the repository's own build", () => {
  it('/work/main/Dockerfile and .dockerignore pass every rule', async () => {
    const input = await readDockerfileInput('.', 'Dockerfile', {});
    for (const [name, verdict] of Object.entries(evaluateDockerfile(input))) {
      expect(verdict.status, `${name}: ${shown(verdict)}`).toBe('passed');
    }
  });

  it('the final stage starts from RUNTIME_IMAGE, as built locally', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(finalStageBaseImage(dockerfile, {})).toBe('debian:bookworm-slim');
    expect(finalStageBaseImage(dockerfile, { RUNTIME_IMAGE: 'shipshape-airgap/debian:bookworm' })).toBe(
      'shipshape-airgap/debian:bookworm',
    );
  });

  it("the seed-python fixture's Dockerfile passes every Dockerfile rule", async () => {
    const input = await readDockerfileInput('fixtures/targets/seed-python', 'Dockerfile', {});
    const verdicts = evaluateDockerfile(input);
    for (const name of dockerfileRules) {
      if (name === 'dockerignoreExcludesSecrets') continue;
      expect(verdicts[name].status, `${name}: ${shown(verdicts[name])}`).toBe('passed');
    }
  });

  it('a missing Dockerfile is an error naming the path', async () => {
    await expect(readDockerfileInput('fixtures', 'Dockerfile.absent', {})).rejects.toThrow(/Dockerfile\.absent/);
  });
});

/**
 * The 1.1 fault variants whose defect is in the files: the declared check
 * catches each, run through the same runner as a real run, by its symptom.
 */
describe('static fault variants', () => {
  const fileChecks = new Map(
    dockerfileTask.checks.filter((check) => check.requires.length === 0).map((check) => [check.id, check]),
  );
  const variants = faultVariants.filter((variant) => fileChecks.has(variant.caughtBy));
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'shipshape-rules-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** The variant's build as the fault runner makes it: the edited root Dockerfile, or the variant's own. */
  async function variantTarget(variant: FaultVariant): Promise<Partial<TargetSpec>> {
    if (!variant.dockerfileEdits) {
      return {
        context: path.resolve(variant.dir),
        dockerfile: 'Dockerfile',
        buildArgs: { TARGET_IMAGE: 'shipshape-fault/good-reference:latest' },
      };
    }
    const file = path.join(workDir, `${variant.name}.Dockerfile`);
    const edited = applyDockerfileEdits(readFileSync('Dockerfile', 'utf8'), variant.dockerfileEdits, {
      variant: variant.name,
    });
    await writeFile(file, edited);
    return { context: process.cwd(), dockerfile: file };
  }

  it('cover every static rule', () => {
    expect(new Set(variants.map((variant) => variant.caughtBy))).toEqual(new Set(fileChecks.keys()));
  });

  it.each(variants)('$name fails $caughtBy with its symptom, in production runs too', async (variant) => {
    const target = targetSpec(await variantTarget(variant));
    for (const kind of ['local', 'remote'] as const) {
      const verdict = await runCheck(fileChecks.get(variant.caughtBy)!, fakeEnvironment({ kind, target }));
      expect(verdict.status, shown(verdict)).toBe('failed');
      expect(shown(verdict)).toContain(variant.symptom);
    }
  });
});
