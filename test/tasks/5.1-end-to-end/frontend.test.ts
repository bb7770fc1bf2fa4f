import { afterEach, describe, expect, it } from 'vitest';
import { allowOrigin } from '../../../src/environments/local/frontend-origin.ts';
import { citedPagesOf } from '../../../src/tasks/5.1-end-to-end/corpus.ts';
import { frontendFile, serveFrontend, type ServedFrontend } from '../../../src/tasks/5.1-end-to-end/frontend.ts';

describe('the frontend origin in the target allowlist', () => {
  it('adds the origin to what the config set, once, and leaves a wildcard alone', () => {
    expect(allowOrigin({}, 'CORS_ORIGINS', 'http://127.0.0.1:5000')).toEqual({ CORS_ORIGINS: 'http://127.0.0.1:5000' });
    expect(allowOrigin({ CORS_ORIGINS: 'https://app.example' }, 'CORS_ORIGINS', 'http://127.0.0.1:5000')).toEqual({
      CORS_ORIGINS: 'https://app.example,http://127.0.0.1:5000',
    });
    expect(allowOrigin({ CORS_ORIGINS: '*' }, 'CORS_ORIGINS', 'http://127.0.0.1:5000')).toEqual({ CORS_ORIGINS: '*' });
  });
});

describe('the chat page', () => {
  let served: ServedFrontend | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('serves its own files only, on loopback', async () => {
    served = await serveFrontend('http://127.0.0.1:0');
    const page = await fetch(`${served.origin}/index.html?api=http://x`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('chat.js');
    expect((await fetch(`${served.origin}/chat.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${served.origin}/../../package.json`)).status).toBe(404);
    expect(await frontendFile('/secrets.env')).toBeUndefined();
    await expect(serveFrontend('https://app.example')).rejects.toThrow(/loopback http only/);
  });

  it('makes exactly the calls the team frontend makes', async () => {
    const script = (await frontendFile('/chat.js'))!.body.toString();
    expect(script).toContain("type: 'message', content: query");
    expect(script).toContain('body.selected_text = selected');
    expect(script).toMatch(/frame\.type === 'response'[\s\S]*frame\.message, frame\.sources/);
    expect(script).toContain('data.answer, data.sources');
  });
});

describe('citedPagesOf', () => {
  it('reads citations best first, each page once, else the sources', () => {
    const body = {
      citations: [{ file_path: 'b.md' }, { file_path: 'b.md' }, { url: 'https://x/a' }, { title: 'T' }],
      sources: ['ignored'],
    };
    expect(citedPagesOf(body, 'sources')).toEqual(['b.md', 'https://x/a', 'T']);
    expect(citedPagesOf({ sources: ['Intro (01-introduction.md)'] }, 'sources')).toEqual([
      'Intro (01-introduction.md)',
    ]);
  });
});
