/**
 * What a secret looks like, shared by the Dockerfile rules and the image
 * checks: secret-looking variable names, values shaped like credentials, and
 * the run's own canary values. Findings name the variable or the kind of
 * value, never the value itself.
 */

/** A value the run knows to be secret (a canary locally), and whose it is. */
export interface SecretNeedle {
  /** What the value belongs to, for evidence: `COHERE_API_KEY`, `the password in DATABASE_URL`. */
  owner: string;
  value: string;
}

// Shorter values (a password like "test") would match by accident all over an image.
const minNeedleLength = 8;

/**
 * The secret values of a run: each secret variable's value, and the password
 * inside a URL-valued one (DATABASE_URL), which leaks on its own as well.
 */
export function secretNeedles(environment: Record<string, string>, secretNames: readonly string[]): SecretNeedle[] {
  const needles: SecretNeedle[] = [];
  for (const name of secretNames) {
    const value = environment[name];
    if (!value) continue;
    if (value.length >= minNeedleLength) needles.push({ owner: name, value });
    const password = urlPassword(value);
    if (password && password.length >= minNeedleLength && password !== value) {
      needles.push({ owner: `the password in ${name}`, value: password });
    }
  }
  return needles;
}

function urlPassword(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    return undefined;
  }
}

/** The needles found in a text, by owner. */
export function needlesIn(text: string, needles: readonly SecretNeedle[]): string[] {
  return needles.filter((needle) => text.includes(needle.value)).map((needle) => needle.owner);
}

/** Text safe to print: canary values and credential-shaped values replaced by what they are. */
export function redact(text: string, needles: readonly SecretNeedle[] = []): string {
  let safe = text;
  for (const needle of needles) safe = safe.split(needle.value).join(`[canary for ${needle.owner}]`);
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
