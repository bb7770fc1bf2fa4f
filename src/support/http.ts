export interface HttpAnswer {
  status: number;
  body: unknown;
  text: string;
}

export type HttpResult = { ok: true; answer: HttpAnswer } | { ok: false; error: string };

/** GET with a bound; never throws, so a probe can turn any outcome into a verdict. */
export async function getJson(url: string, timeoutMs: number): Promise<HttpResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { ok: true, answer: { status: response.status, body: parseJson(text), text } };
  } catch (error) {
    return { ok: false, error: describeFetchError(error) };
  }
}

/** The body as JSON, or undefined when it is not: a probe judges a non-JSON answer, it does not crash on it. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function excerpt(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** undici hides the reason in `cause` (an AggregateError when both IPv4 and IPv6 were tried). */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
}
