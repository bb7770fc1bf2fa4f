/**
 * Environment variables that override shipshape.config.ts. A table rather than
 * a naming convention, so the README can list every one and a typo is not
 * silently ignored.
 */
export interface Override {
  variable: string;
  /** Path into the config; `<env>` stands for the selected environment. */
  path: string[];
  description: string;
}

export const overrides: readonly Override[] = [
  {
    variable: 'SHIPSHAPE_BASE_URL',
    path: ['environments', '<env>', 'baseUrl'],
    description: 'URL of the deployed service (remote environments)',
  },
  {
    variable: 'SHIPSHAPE_FRONTEND_ORIGIN',
    path: ['environments', '<env>', 'frontendOrigin'],
    description:
      "origin of the deployed frontend, which the service's CORS_ORIGINS lists (remote environments; suite 5.1)",
  },
  {
    variable: 'SHIPSHAPE_DOCKERFILE',
    path: ['target', 'dockerfile'],
    description: 'Dockerfile of the target',
  },
  {
    variable: 'SHIPSHAPE_BUILD_CONTEXT',
    path: ['target', 'context'],
    description: 'build context of the target',
  },
  {
    variable: 'SHIPSHAPE_TARGET_PORT',
    path: ['target', 'port'],
    description: 'port the target listens on by default',
  },
  {
    variable: 'SHIPSHAPE_IMAGES',
    path: ['images', 'source'],
    description: 'auto, registry or substitutes',
  },
  {
    variable: 'SHIPSHAPE_IMAGE_BASE',
    path: ['images', 'base'],
    description: "the harness's base image (the Qdrant and Cohere stand-ins' and helper containers')",
  },
  {
    variable: 'SHIPSHAPE_IMAGE_RUNTIME',
    path: ['images', 'runtime'],
    description: 'the runtime image role (kept for older configs; the target builds from its own FROM lines)',
  },
  {
    variable: 'SHIPSHAPE_IMAGE_POSTGRES',
    path: ['images', 'postgres'],
    description: 'PostgreSQL image',
  },
  {
    variable: 'SHIPSHAPE_IMAGE_QDRANT',
    path: ['images', 'qdrant'],
    description: 'Qdrant image',
  },
  {
    variable: 'SHIPSHAPE_HEALTHY_WITHIN_MS',
    path: ['thresholds', 'healthyWithinMs'],
    description: 'bound for the container to answer /health',
  },
  {
    variable: 'SHIPSHAPE_REPORT_DIR',
    path: ['reportDir'],
    description: 'where reports are written',
  },
];
