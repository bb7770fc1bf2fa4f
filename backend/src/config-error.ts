/** A missing or malformed environment variable: names the variable, never its value. */
export class ConfigError extends Error {
  readonly variables: string[];
  readonly details: string[];
  constructor(variables: string[], details: string[]) {
    super(`invalid environment: ${details.join('; ')}`);
    this.variables = variables;
    this.details = details;
  }
}
