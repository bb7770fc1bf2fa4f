/** Small helpers the 5.3 probes share. */
import type { CheckContext } from '../../checks/context.ts';
import type { TargetSpec } from '../../config/target-spec.ts';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The admin ingestion route (`POST /api/v1/documents`, bearer ADMIN_TOKEN):
 * the reference backend's; the seed's shape has none.
 */
export function documentsPath(target: Pick<TargetSpec, 'profile'>): string | null {
  return target.profile === 'reference' ? '/api/v1/documents' : null;
}

/** Names an answer must never carry: each dependency's `alias:port` and every URL host:port the target is given. */
export function internalHosts(ctx: CheckContext): string[] {
  if (ctx.kind !== 'local') return [];
  const hosts = new Set<string>();
  for (const dependency of Object.values(ctx.local.dependencies ?? {}))
    hosts.add(`${dependency.alias}:${dependency.port}`);
  for (const value of Object.values(ctx.local.environment)) {
    try {
      const url = new URL(value);
      if (url.hostname && url.port) hosts.add(`${url.hostname}:${url.port}`);
    } catch {
      // not a URL
    }
  }
  if (ctx.local.containerId) hosts.add(ctx.local.containerId.slice(0, 12));
  return [...hosts];
}

/**
 * The origins the target allows, from its configuration: locally its CORS_ORIGINS (the config's made-up
 * https://allowed.example first, suite 5.1's loopback frontend after it); for a deployed service the
 * environment's frontendOrigin (shipshape.config.ts, environments.<name>.frontendOrigin).
 */
export function configuredOrigins(ctx: CheckContext): string[] {
  if (ctx.kind !== 'local') return ctx.environment.frontendOrigin ? [ctx.environment.frontendOrigin] : [];
  return (ctx.local.environment.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}
