/**
 * What a secret looks like, shared by the Dockerfile rules and the image
 * checks: secret-looking variable names, values shaped like credentials, and
 * the run's own canary values. Findings name the variable or the kind of
 * value, never the value itself.
 */

/** A value the run knows to be secret (a canary locally), and whose it is. */
export interface Secret {
  /** What the report may print: the variable's name (never the value), e.g. `DATABASE_URL (its password)`. */
  name: string;
  value: string;
}

/** Shorter values are not treated as secrets: masking them would garble evidence without protecting anything. */
export const minSecretLength = 4;
/** Searching images byte by byte, a short value (a password like "test") would match by accident everywhere. */
export const minImageNeedleLength = 8;

/**
 * The secret values of an environment: each `secretNames` variable that is
 * set, and the password inside a URL-valued one (DATABASE_URL's), which can
 * leak on its own, as written and decoded.
 */
export function secretsOf(
  environment: Record<string, string>,
  secretNames: readonly string[],
  minLength = minSecretLength,
): Secret[] {
  const secrets: Secret[] = [];
  for (const name of secretNames) {
    const value = environment[name];
    if (!value) continue;
    secrets.push({ name, value });
    const password = urlPassword(value);
    if (password) {
      secrets.push({ name: `${name} (its password)`, value: password });
      const decoded = safeDecode(password);
      if (decoded !== password) secrets.push({ name: `${name} (its password)`, value: decoded });
    }
  }
  return secrets.filter((secret) => secret.value.length >= minLength);
}

/** The run's secrets as needles to search an image for (the longer ones only). */
export function secretNeedles(environment: Record<string, string>, secretNames: readonly string[]): Secret[] {
  return secretsOf(environment, secretNames, minImageNeedleLength);
}

function urlPassword(value: string): string | undefined {
  try {
    return new URL(value).password || undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Replaces every secret value with `[NAME masked]`, longest first (a URL before the password inside it). */
export function maskSecretValues(text: string, secrets: readonly Secret[]): string {
  return [...secrets]
    .sort((a, b) => b.value.length - a.value.length)
    .reduce((masked, secret) => masked.replaceAll(secret.value, `[${secret.name} masked]`), text);
}

/** Names of the variables whose secret values appear in `text` (deduplicated, in `secrets` order). */
export function leakedSecrets(text: string, secrets: readonly Secret[]): string[] {
  return [...new Set(secrets.filter((secret) => text.includes(secret.value)).map((secret) => secret.name))];
}

/** One line of evidence: masked and cut to `max` characters. */
export function evidenceLine(text: string, secrets: readonly Secret[], max = 300): string {
  const masked = maskSecretValues(text, secrets);
  return masked.length > max ? `${masked.slice(0, max)}...` : masked;
}

/** Text safe to print: canary values and credential-shaped values replaced by what they are. */
export function redact(text: string, needles: readonly Secret[] = []): string {
  let safe = text;
  for (const needle of [...needles].sort((a, b) => b.value.length - a.value.length)) {
    safe = safe.split(needle.value).join(`[canary for ${needle.name}]`);
  }
  for (const shape of valueShapes) safe = safe.replace(globalCopy(shape.pattern), `[${shape.what}]`);
  safe = safe.replace(assignment, (whole, name: string) => (isSecretName(name) ? `${name}=[redacted]` : whole));
  return safe.replace(credentialsInUrl, '$1[credentials]@');
}

// NAME=value in a command line or history step; the value ends at whitespace or its closing quote.
const assignment = /\b([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s'"]+)/g;

function globalCopy(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
}

// *_KEY, *TOKEN*, *SECRET*, *PASSWORD*: the shapes dockle and trivy treat as credentials.
const secretName = /(^|_)(KEY|APIKEY|PASS)$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY/i;
// Names that contain a secret word but hold no secret: a public key id, where a secret lives, a checksum.
const notASecretName =
  /GPG_KEYS?$|PUBLIC_KEY|_(FILE|PATH|DIR|URL|URI|HOST|PORT|ENDPOINT|TTL|TIMEOUT|EXPIRY|EXPIRES|LENGTH|NAME|HEADER|ID|TYPE)$/i;
/** Names whose values are checksums or versions: long hex there is expected. */
const checksumName = /SHA(1|256|512)?$|CHECKSUM|HASH|DIGEST|FINGERPRINT|VERSION|GPG_KEYS?$/i;

export function isSecretName(name: string): boolean {
  return secretName.test(name) && !notASecretName.test(name);
}

interface ValueShape {
  what: string;
  pattern: RegExp;
}

/** Credential shapes recognisable anywhere (a RUN line, a label, a history entry). */
const valueShapes: ValueShape[] = [
  { what: 'a private key block', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: 'an sk-… API key', pattern: /\b[sr]k[-_](live_|test_|proj-)?[A-Za-z0-9_-]{20,}/ },
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/ },
  { what: 'a Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { what: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { what: 'an npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/ },
];

// scheme://user:password@host; a user alone (scheme://user@host) is no secret.
const credentialsInUrl = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi;
const longHex = /^[0-9a-f]{32,}$/i;
const longBase64 = /^[A-Za-z0-9+/_-]{32,}={0,2}$/;

/** What kind of credential a text contains, or undefined. Looks for shapes only, not entropy. */
export function credentialShapeIn(text: string): string | undefined {
  for (const shape of valueShapes) if (shape.pattern.test(text)) return shape.what;
  if (new RegExp(credentialsInUrl.source, 'i').test(text)) return 'a URL with a user and password';
  return undefined;
}

/**
 * Why a variable assignment looks like it bakes a secret in, or undefined.
 * Used for ARG/ENV in a Dockerfile and for the environment of a built image.
 */
export function secretAssignment(name: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value.trim() === '' || value === '""' || value === "''") {
    return undefined;
  }
  if (isSecretName(name)) {
    return /\$\{?[A-Za-z_]/.test(value)
      ? 'a secret-looking name given a value from a build argument, which stays in the image'
      : 'a secret-looking name with a value';
  }
  const shape = credentialShapeIn(value);
  if (shape) return `a value that looks like ${shape}`;
  if (checksumName.test(name)) return undefined;
  const bare = value.replace(/^["']|["']$/g, '');
  if (longHex.test(bare)) return 'a value that looks like a key (32+ hex digits)';
  if (longBase64.test(bare) && /\d/.test(bare) && /[a-z]/.test(bare) && /[A-Z]/.test(bare)) {
    return 'a value that looks like a key (32+ base64 characters)';
  }
  return undefined;
}
