import { getContainerRuntimeClient } from 'testcontainers';
import type { ShipshapeConfig } from '../../config/schema.ts';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

export interface ResolvedImages {
  base: string;
  postgres: string;
  source: 'registry' | 'airgap';
}

/**
 * auto: the official images when present (setup pulls them where a registry
 * answers), else the air-gapped substitutes setup built. Never a silent pull:
 * on an offline machine that would hang until a timeout.
 */
export async function resolveImages(images: ShipshapeConfig['images']): Promise<ResolvedImages> {
  const official = { base: images.base, postgres: images.postgres, source: 'registry' as const };
  const airgap = { ...images.airgap, source: 'airgap' as const };
  if (images.source === 'registry') return official;
  if (images.source === 'airgap') {
    await requirePresent(airgap);
    return airgap;
  }
  if (await allPresent(official)) return official;
  if (await allPresent(airgap)) return airgap;
  throw new HarnessError(
    `neither the official images (${official.base}, ${official.postgres}) nor the air-gapped substitutes ` +
      `(${airgap.base}, ${airgap.postgres}) are present; run \`npm run setup\` first`,
  );
}

async function imageExists(name: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.dockerode.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

async function allPresent(images: { base: string; postgres: string }): Promise<boolean> {
  const present = await Promise.all([imageExists(images.base), imageExists(images.postgres)]);
  return present.every(Boolean);
}

async function requirePresent(images: { base: string; postgres: string }): Promise<void> {
  for (const name of [images.base, images.postgres]) {
    if (!(await imageExists(name))) {
      throw new HarnessError(`image ${name} is missing; run \`npm run setup\` to build the air-gapped substitutes`);
    }
  }
}
