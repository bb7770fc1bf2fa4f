/**
 * .dockerignore rules as the Docker CLI applies them (@balena/dockerignore
 * follows its matcher), shared by the build-context packer and the 1.1 rule
 * that judges what the file leaves in.
 */
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';

export type { Ignore };

// CommonJS (module.exports = factory) while its typings declare a default export: require it as it is.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => Ignore;

/** The rules of a .dockerignore text. Docker matches them case-sensitively on Linux. */
export function dockerignoreRules(text: string): Ignore {
  return dockerignore({ ignorecase: false }).add(text);
}
