/**
 * A real browser at the team's chat page: Debian's Chromium, headless,
 * driven by playwright-core, with a fresh profile each time. It asks one
 * question over HTTP and one over the WebSocket, exactly as the page does,
 * and reports what the page rendered, what went over the wire, and how long
 * the page took to show each answer.
 */
import type { Page, Response } from 'playwright-core';
import { launchChromium } from '../../support/chromium.ts';
import { recordHttpResponse, recordWebSocketFrame, trackRecording } from '../../target/recorder.ts';
import { frontendFile } from './frontend.ts';

export interface SideResult {
  /** What the page shows: answered, failed, or still asking when the wait ran out. */
  state: string;
  /** The page's status line (its own timing, an error). */
  status: string;
  answer: string;
  /** The sources the page rendered, as it rendered them. */
  sources: string[];
  /** From the click to the answer (or failure) on the page. */
  tookMs: number;
  /** What went over the wire, for evidence. */
  wire: string[];
  conversationId?: string;
}

export interface ChatRun {
  pageUrl: string;
  http: SideResult;
  ws: SideResult;
  screenshot: Buffer;
  console: string[];
}

export interface ChatOptions {
  /** The origin the page is loaded from. */
  origin: string;
  /** true: the browser answers the page's own requests (an origin the harness cannot serve, e.g. https). */
  fulfilPage: boolean;
  baseUrl: string;
  queryPath: string;
  wsPath: string;
  question: string;
  /** Where an answer names its conversation (deleted afterwards). */
  conversationIdField: string;
  /** How long the page may take to show each answer. */
  answerWithinMs: number;
  signal: AbortSignal;
}

async function waitForOutcome(page: Page, section: 'http' | 'ws', withinMs: number): Promise<void> {
  await page
    .waitForSelector(`#${section} .state[data-state="answered"], #${section} .state[data-state="failed"]`, {
      timeout: withinMs,
    })
    .catch(() => undefined);
}

async function readSide(page: Page, section: 'http' | 'ws'): Promise<Omit<SideResult, 'tookMs' | 'wire'>> {
  const root = page.locator(`#${section}`);
  const status = root.locator('.state');
  return {
    state: (await status.getAttribute('data-state')) ?? '',
    status: (await status.textContent()) ?? '',
    answer: (await root.locator('.answer').textContent()) ?? '',
    sources: await root.locator('.sources li').allTextContents(),
  };
}

export async function askThroughChatPage(options: ChatOptions): Promise<ChatRun> {
  const browser = await launchChromium();
  const abort = () => void browser.close().catch(() => undefined);
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    if (options.fulfilPage) {
      await context.route(`${options.origin}/**`, async (route) => {
        const file = await frontendFile(new URL(route.request().url()).pathname);
        await (file
          ? route.fulfill({ status: 200, contentType: file.type, body: file.body })
          : route.fulfill({ status: 404, body: 'not found' }));
      });
    }
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    const httpWire: string[] = [];
    const wsWire: string[] = [];
    let httpConversation: string | undefined;
    let wsConversation: string | undefined;
    const queryUrl = `${options.baseUrl}${options.queryPath}`;
    page.on('response', (response) => {
      // What the browser received from the target is searched for canaries too (5.3).
      if (response.url().startsWith(options.baseUrl)) recordBrowserResponse(response);
      if (!response.url().startsWith(queryUrl)) return;
      const allowed = response.headers()['access-control-allow-origin'];
      httpWire.push(
        `${response.request().method()} ${options.queryPath} -> ${response.status()} (Access-Control-Allow-Origin: ${allowed ?? 'none'})`,
      );
      if (response.request().method() === 'POST') {
        void response
          .json()
          .then((body: Record<string, unknown>) => {
            const id = body[options.conversationIdField];
            if (typeof id === 'string') httpConversation = id;
          })
          .catch(() => undefined);
      }
    });
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(queryUrl)) {
        httpWire.push(
          `${request.method()} ${options.queryPath} failed in the browser: ${request.failure()?.errorText ?? '?'}`,
        );
      }
    });
    page.on('websocket', (socket) => {
      wsWire.push(`WebSocket ${socket.url().replace(options.baseUrl.replace(/^http/, 'ws'), '')} opening`);
      socket.on('framesent', () => wsWire.push('frame sent'));
      socket.on('framereceived', (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8');
        recordWebSocketFrame(socket.url(), text);
        try {
          const parsed = JSON.parse(text) as Record<string, unknown>;
          wsWire.push(`frame received: type ${String(parsed.type)}`);
          const id = parsed[options.conversationIdField];
          if (typeof id === 'string') wsConversation = id;
        } catch {
          wsWire.push('frame received (not JSON)');
        }
      });
      socket.on('socketerror', (error) => wsWire.push(`socket error: ${error}`));
      socket.on('close', () => wsWire.push('closed'));
    });

    const params = new URLSearchParams({ api: options.baseUrl, query: options.queryPath, ws: options.wsPath });
    const pageUrl = `${options.origin}/index.html?${params}`;
    await page.goto(pageUrl, { timeout: 30_000 });
    await page.fill('#question', options.question);

    let started = performance.now();
    await page.click('#ask-http');
    await waitForOutcome(page, 'http', options.answerWithinMs);
    const httpTook = performance.now() - started;
    const http: SideResult = { ...(await readSide(page, 'http')), tookMs: httpTook, wire: httpWire };

    started = performance.now();
    await page.click('#ask-ws');
    await waitForOutcome(page, 'ws', options.answerWithinMs);
    const wsTook = performance.now() - started;
    const ws: SideResult = { ...(await readSide(page, 'ws')), tookMs: wsTook, wire: wsWire };
    // Let a pending response body be read before the page goes.
    await page.waitForTimeout(100);
    if (httpConversation) http.conversationId = httpConversation;
    if (wsConversation) ws.conversationId = wsConversation;

    const screenshot = await page.screenshot({ fullPage: true });
    return { pageUrl, http, ws, screenshot, console: consoleLines };
  } finally {
    options.signal.removeEventListener('abort', abort);
    await browser.close().catch(() => undefined);
  }
}

/** One line per side, for evidence. */
export function describeRun(run: ChatRun): string {
  const side = (name: string, result: SideResult) =>
    [
      `${name}: page shows "${result.status}" after ${Math.round(result.tookMs)} ms; ` +
        `${result.sources.length} sources rendered; answer ${JSON.stringify(result.answer.slice(0, 160))}`,
      ...result.wire.map((line) => `  ${line}`),
    ].join('\n');
  return [
    `page ${run.pageUrl}`,
    side('HTTP', run.http),
    side('WebSocket', run.ws),
    ...(run.console.length ? ['console:', ...run.console.slice(0, 10).map((line) => `  ${line}`)] : []),
  ].join('\n');
}

/** Records one answer the page received; a body the browser no longer holds (a preflight's) records as empty. */
function recordBrowserResponse(response: Response): void {
  const request = response.request();
  trackRecording(
    response
      .text()
      .catch(() => '')
      .then((body) =>
        recordHttpResponse(request.method(), response.url(), response.status(), response.headers(), body),
      ),
  );
}
