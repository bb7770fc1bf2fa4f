/**
 * The Dockerfile of a `context: "repository"` fault variant is the good
 * target's Dockerfile with the edits its fault.json declares: the edits apply
 * exactly or fail loudly, naming the variant and the text, and every declared
 * variant's edits still apply to the current good Dockerfile.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { faultVariants, loadFaultVariants } from '../../fixtures/faults/catalog.ts';
import { applyDockerfileEdits } from '../../fixtures/faults/dockerfile-edits.ts';
import { goodTargetConfigs } from '../../scripts/faults/run-variant.ts';
import { loadConfig } from '../../src/config/load.ts';

const dockerfile = [
  'FROM debian:bookworm-slim',
  'ENV NODE_ENV=production',
  'USER node',
  'EXPOSE 8000',
  'CMD ["node", "src/server.ts"]',
  '',
].join('\n');
const where = { variant: 'some-variant' };

describe('applyDockerfileEdits', () => {
  it('replaces text that occurs once', () => {
    expect(
      applyDockerfileEdits(
        dockerfile,
        [{ replace: 'CMD ["node", "src/server.ts"]', with: 'CMD node src/server.ts' }],
        where,
      ),
    ).toBe(dockerfile.replace('CMD ["node", "src/server.ts"]', 'CMD node src/server.ts'));
  });

  it('deletes a line with an empty "with"', () => {
    expect(applyDockerfileEdits(dockerfile, [{ replace: 'USER node\n', with: '' }], where)).toBe(
      ['FROM debian:bookworm-slim', 'ENV NODE_ENV=production', 'EXPOSE 8000', 'CMD ["node", "src/server.ts"]', ''].join(
        '\n',
      ),
    );
  });

  it('inserts a line after an anchor', () => {
    const edited = applyDockerfileEdits(
      dockerfile,
      [{ replace: 'ENV NODE_ENV=production\n', with: 'ENV NODE_ENV=production\nENV API_KEY=x\n' }],
      where,
    );
    expect(edited.split('\n').slice(1, 4)).toEqual(['ENV NODE_ENV=production', 'ENV API_KEY=x', 'USER node']);
  });

  it('applies the edits in order, each to the result of the ones before', () => {
    const edited = applyDockerfileEdits(
      dockerfile,
      [
        { replace: 'EXPOSE 8000', with: 'EXPOSE 9000' },
        { replace: 'EXPOSE 9000', with: 'EXPOSE 9001' },
      ],
      where,
    );
    expect(edited).toContain('EXPOSE 9001\n');
    expect(edited).not.toContain('EXPOSE 8000');
  });

  it('takes "$" in the replacement literally', () => {
    expect(applyDockerfileEdits(dockerfile, [{ replace: 'USER node', with: 'USER $&$1' }], where)).toContain(
      'USER $&$1\n',
    );
  });

  it('leaves the input alone', () => {
    const before = dockerfile;
    applyDockerfileEdits(dockerfile, [{ replace: 'USER node\n', with: '' }], where);
    expect(dockerfile).toBe(before);
  });

  it('fails on text that is not there, naming the variant, the text and the fix', () => {
    const edit = () =>
      applyDockerfileEdits(dockerfile, [{ replace: 'EXPOSE 8080\n', with: '' }], { variant: 'expose-removed' });
    expect(edit).toThrow(Error);
    expect(edit).toThrow('fault variant expose-removed: dockerfileEdits[0]');
    expect(edit).toThrow('but it is not found: "EXPOSE 8080\\n"');
    expect(edit).toThrow('the root Dockerfile has changed since the edit was written');
    expect(edit).toThrow('fixtures/faults/expose-removed/fault.json');
  });

  it('fails on text that occurs more than once, saying how often', () => {
    const edit = () => applyDockerfileEdits(dockerfile, [{ replace: 'node', with: 'nodejs' }], where);
    expect(edit).toThrow('but it is found 2 times: "node"');
    expect(edit).toThrow('the root Dockerfile has changed');
  });

  it('counts overlapping occurrences', () => {
    expect(() => applyDockerfileEdits('RUN aaa\n', [{ replace: 'aa', with: 'b' }], where)).toThrow('found 2 times');
  });

  it('names the edit that failed, after the ones that applied', () => {
    expect(() =>
      applyDockerfileEdits(
        dockerfile,
        [
          { replace: 'USER node\n', with: '' },
          { replace: 'USER node\n', with: 'USER root\n' },
        ],
        where,
      ),
    ).toThrow('dockerfileEdits[1] expects this text exactly once in the root Dockerfile, but it is not found');
  });

  it('names another Dockerfile when given one', () => {
    expect(() =>
      applyDockerfileEdits(dockerfile, [{ replace: 'USER root', with: '' }], {
        variant: 'v',
        dockerfile: 'fixtures/targets/seed-python/Dockerfile',
      }),
    ).toThrow('fixtures/targets/seed-python/Dockerfile has changed since the edit was written');
  });
});

describe('fault.json dockerfileEdits', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function catalogWith(fault: object, files: Record<string, string> = {}): Promise<string> {
    dir = await mkdtemp(path.join(tmpdir(), 'shipshape-fault-catalog-'));
    await mkdir(path.join(dir, 'v'));
    await writeFile(path.join(dir, 'v', 'fault.json'), JSON.stringify(fault));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'v', name), text);
    return dir;
  }

  const fault = { defect: 'no USER', caughtBy: '1.1/dockerfile-user-not-root', symptom: 'no USER' };
  const edits = [{ replace: 'USER node\n', with: '' }];

  it('are read for a repository variant', async () => {
    const [variant] = loadFaultVariants(await catalogWith({ ...fault, context: 'repository', dockerfileEdits: edits }));
    expect(variant).toMatchObject({ name: 'v', context: 'repository', dockerfileEdits: edits });
  });

  it('are required for a repository variant', async () => {
    const catalog = await catalogWith({ ...fault, context: 'repository' });
    expect(() => loadFaultVariants(catalog)).toThrow('context "repository" declares dockerfileEdits');
  });

  it('replace a repository variant Dockerfile of its own', async () => {
    const catalog = await catalogWith(
      { ...fault, context: 'repository', dockerfileEdits: edits },
      { Dockerfile: 'FROM scratch\n' },
    );
    expect(() => loadFaultVariants(catalog)).toThrow('has no Dockerfile of its own');
  });

  it('are refused on a layered variant', async () => {
    const catalog = await catalogWith({ ...fault, dockerfileEdits: edits }, { Dockerfile: 'FROM scratch\n' });
    expect(() => loadFaultVariants(catalog)).toThrow('context "variant" has no dockerfileEdits');
  });

  it('are refused when one changes nothing or has a typo in its keys', async () => {
    const same = await catalogWith({ ...fault, context: 'repository', dockerfileEdits: [{ replace: 'a', with: 'a' }] });
    expect(() => loadFaultVariants(same)).toThrow('changes nothing');
    await rm(same, { recursive: true });
    const typo = await catalogWith({ ...fault, context: 'repository', dockerfileEdits: [{ replace: 'a', width: '' }] });
    expect(() => loadFaultVariants(typo)).toThrow(/width/);
  });
});

describe('the repository variants', () => {
  const variants = faultVariants.filter((variant) => variant.context === 'repository');

  it('exist', () => {
    expect(variants.length).toBeGreaterThan(0);
  });

  it.each(variants)('$name applies cleanly to the current good Dockerfile and changes it', async (variant) => {
    const good = await loadConfig({ envName: 'local', configFile: goodTargetConfigs[variant.target] });
    const original = await readFile(path.resolve(good.target.context, good.target.dockerfile), 'utf8');
    const edited = applyDockerfileEdits(original, variant.dockerfileEdits!, { variant: variant.name });
    expect(edited).not.toBe(original);
    expect(existsSync(path.join(variant.dir, 'Dockerfile')), 'the edits replace the copied Dockerfile').toBe(false);
  });
});
