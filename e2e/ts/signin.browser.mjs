// Drives the OAuth sign-in page in Debian's headless Chromium (playwright-core,
// no browser download): the page as a person sees it, with its real form
// posts, redirects and Content-Security-Policy. The Go test
// TestSignInPageInBrowser runs this file with
//   LFMCP_CHROMIUM         the browser (/usr/bin/chromium)
//   LFMCP_AUTHORIZE_URL    an /authorize URL of a registered client, PKCE S256
//   LFMCP_REDIRECT_URI     where that client is sent back (the Go test listens)
//   LFMCP_STATE            the state in the URL
//   LIGHTFIELD_API_KEY     a key with full access
//   LFMCP_LIMITED_KEY      a key that lacks opportunities:create
// and then redeems the code the browser brought back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = process.env;
const wait = { timeout: 10_000 };

test('a person signs in through the page in Chromium', { timeout: 120_000 }, async () => {
  const browser = await chromium.launch({
    executablePath: env.LFMCP_CHROMIUM,
    timeout: 30_000,
    // Only loopback: any other host name resolves to nothing.
    args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(wait.timeout);
    page.setDefaultNavigationTimeout(wait.timeout);

    // submit presses a button and waits for the document it leads to.
    const submit = async (selector) => {
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), ...wait });
      await page.click(selector);
      await navigated;
      await page.waitForLoadState('load', wait);
    };
    const text = (selector) => page.locator(selector).innerText(wait);
    const absent = async (selector) => assert.equal(await page.locator(selector).count(), 0, `${selector} is on the page:\n${await page.locator('body').innerText(wait)}`);
    const landed = () => {
      const u = new URL(page.url());
      assert.equal(u.origin + u.pathname, env.LFMCP_REDIRECT_URI, `the browser ended at ${page.url()}`);
      assert.equal(u.searchParams.get('state'), env.LFMCP_STATE);
      assert.ok(!page.url().includes(env.LIGHTFIELD_API_KEY), 'the key is in the address');
      return u.searchParams;
    };

    const response = await page.goto(env.LFMCP_AUTHORIZE_URL, wait);
    assert.equal(response.status(), 200);
    assert.match(await page.locator('body').innerText(wait), /browser e2e/, 'the page names the app');

    // A key Lightfield refuses: a problem, and nothing to connect with.
    await page.fill('#api_key', 'sk_lf_wrong_key');
    await submit('#check');
    assert.match(await text('#problem'), /Lightfield does not accept this key/);
    await absent('#connect');

    // A key without opportunities:create: named, and still no Connect.
    await page.fill('#api_key', env.LFMCP_LIMITED_KEY);
    await submit('#check');
    assert.match(await text('#missing-essential'), /opportunities:create/);
    await absent('#connect');
    await absent('#problem');

    // The right key: full access, Connect sends the browser back with a code.
    await page.fill('#api_key', env.LIGHTFIELD_API_KEY);
    await submit('#check');
    assert.match(await text('#scopes'), /full access/);
    await absent('#missing-essential');
    await absent('#missing');
    await submit('#connect');
    const back = landed();
    assert.ok(back.get('code'), `no code in ${page.url()}`);
    assert.equal(back.get('error'), null);

    // Cancel sends the browser back with access_denied and no code.
    await page.goto(env.LFMCP_AUTHORIZE_URL, wait);
    await page.fill('#api_key', env.LIGHTFIELD_API_KEY);
    await submit('#check');
    await submit('#cancel');
    const denied = landed();
    assert.equal(denied.get('error'), 'access_denied');
    assert.equal(denied.get('code'), null);
  } finally {
    await browser.close();
  }
});
