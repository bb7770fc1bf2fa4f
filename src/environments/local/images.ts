import { getContainerRuntimeClient } from 'testcontainers';
import type { ShipshapeConfig } from '../../config/schema.ts';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

export const imageRoles = ['base', 'runtime', 'postgres', 'qdrant', 'cohere'] as const;
export type ImageRole = (typeof imageRoles)[number];

/** The image name per role, and which roles run a substitute (reports name what actually ran). */
export type ResolvedImages<R extends ImageRole> = Record<R, string> & { substituted: R[] };

/**
 * Per role: the official image when present (setup pulls it where a registry
 * answers), else its substitute. Never a silent pull: on an offline machine
 * that hangs until a timeout.
 */
export async function resolveImages<R extends ImageRole>(
  images: ShipshapeConfig['images'],
  roles: readonly R[],
): Promise<ResolvedImages<R>> {
  const resolved = { substituted: [] as R[] } as ResolvedImages<R>;
  for (const role of roles) {
    const official = images[role];
    const substitute = images.substitutes[role];
    if (official && images.source === 'registry') {
      (resolved as Record<R, string>)[role] = official;
    } else if (official && images.source === 'auto' && (await imageExists(official))) {
      (resolved as Record<R, string>)[role] = official;
    } else if (await imageExists(substitute)) {
      (resolved as Record<R, string>)[role] = substitute;
      resolved.substituted.push(role);
    } else {
      const wanted = official ? `neither ${official} nor its substitute ${substitute} is` : `${substitute} is not`;
      throw new HarnessError(`the ${role} image is missing: ${wanted} present; run \`npm run setup\``);
    }
  }
  return resolved;
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

/** Build args of the reference Dockerfile; other targets ignore what they do not declare. */
export function targetBuildArgs(images: { base: string; runtime: string }): Record<string, string> {
  return { BASE_IMAGE: images.base, RUNTIME_IMAGE: images.runtime };
}
