/**
 * Where shipshape reaches Railway: the GraphQL endpoint and the ids of the
 * project, environment and service, from the process environment (CI sets
 * them beside the token). RAILWAY_API_URL points the client at a stand-in.
 */
export const railwayApiUrl = 'https://backboard.railway.com/graphql/v2';

export interface RailwayIds {
  projectId: string;
  environmentId: string;
  serviceId: string;
}

export interface RailwaySettings extends RailwayIds {
  apiUrl: string;
}

export const idVariables = {
  projectId: 'RAILWAY_PROJECT_ID',
  environmentId: 'RAILWAY_ENVIRONMENT_ID',
  serviceId: 'RAILWAY_SERVICE_ID',
} as const;

export class RailwaySettingsError extends Error {
  override name = 'RailwaySettingsError';
}

/** The settings, or undefined when no id is set at all (the caller decides whether that is an error). */
export function railwaySettings(env: NodeJS.ProcessEnv = process.env): RailwaySettings | undefined {
  const values = Object.fromEntries(
    Object.entries(idVariables).map(([key, variable]) => [key, env[variable]?.trim() ?? '']),
  ) as Record<keyof RailwayIds, string>;
  const missing = Object.entries(idVariables)
    .filter(([key]) => values[key as keyof RailwayIds] === '')
    .map(([, variable]) => variable);
  if (missing.length === Object.keys(idVariables).length) return undefined;
  if (missing.length > 0) {
    throw new RailwaySettingsError(
      `${missing.join(', ')} not set: the project, environment and service ids come together (Railway dashboard: Settings of each, or \`railway status --json\`)`,
    );
  }
  const apiUrl = env.RAILWAY_API_URL?.trim() || railwayApiUrl;
  if (!/^https?:\/\//.test(apiUrl)) {
    throw new RailwaySettingsError(`RAILWAY_API_URL must be an http(s) URL, found "${apiUrl}"`);
  }
  return { ...values, apiUrl };
}

export function requireRailwaySettings(env: NodeJS.ProcessEnv = process.env): RailwaySettings {
  const settings = railwaySettings(env);
  if (!settings) {
    throw new RailwaySettingsError(
      `set ${Object.values(idVariables).join(', ')} (the service to deploy); RAILWAY_API_URL is optional (default ${railwayApiUrl})`,
    );
  }
  return settings;
}
