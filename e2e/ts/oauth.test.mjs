// The TypeScript SDK's own OAuth client against the server's authorization
// server: discovery, dynamic registration, PKCE and the code exchange are the
// SDK's; only the person at the sign-in page is scripted, without a browser.
// The Go test TestTypeScriptOAuthClient runs this file with LFMCP_HTTP_URL
// (the server's /mcp, which has LIGHTFIELD_TOKEN_SECRET) and
// LIGHTFIELD_API_KEY (the key the person pastes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const { LFMCP_HTTP_URL, LIGHTFIELD_API_KEY } = process.env;
// Never visited: the sign-in below reads the code from the redirect itself.
const REDIRECT = 'http://127.0.0.1:1/callback';
const STATE = 'ts-sdk-state-1';
const timeout = () => AbortSignal.timeout(10_000);

// field reads a hidden form field of the sign-in page.
function field(page, name) {
  const m = page.match(new RegExp(`name="${name}" value="([^"]+)"`));
  assert.ok(m, `the page has no ${name} field:\n${page}`);
  return m[1].replace(/&#43;/g, '+').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// signIn plays the person: it opens the authorization URL, pastes the key,
// presses Connect and returns where the browser would be sent back.
async function signIn(authorizationUrl, key) {
  const open = await fetch(authorizationUrl, { redirect: 'manual', signal: timeout() });
  const first = await open.text();
  assert.equal(open.status, 200, first);
  assert.match(first, /ts-sdk e2e/, 'the page names the app');
  const post = (form) => fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST', body: new URLSearchParams(form), redirect: 'manual', signal: timeout(),
  });
  const checked = await (await post({ request: field(first, 'request'), api_key: key })).text();
  assert.match(checked, /full access/, checked);
  const connect = await post({ grant: field(checked, 'grant'), action: 'connect' });
  assert.equal(connect.status, 303);
  return new URL(connect.headers.get('location'));
}

// MemoryProvider is an OAuthClientProvider that keeps everything in memory.
class MemoryProvider {
  constructor() { this.authorizations = 0; }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return { client_name: 'ts-sdk e2e', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() { return STATE; }
  clientInformation() { return this.client; }
  saveClientInformation(info) { this.client = info; }
  tokens() { return this.savedTokens; }
  saveTokens(tokens) { this.savedTokens = tokens; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(url) {
    this.authorizations++;
    const back = await signIn(url, LIGHTFIELD_API_KEY);
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('state'), STATE);
    assert.equal(back.searchParams.get('error'), null, back.href);
    this.code = back.searchParams.get('code');
    assert.ok(this.code, `sent back without a code: ${back}`);
  }
}

test('the TypeScript SDK signs in with OAuth and creates an opportunity', { timeout: 60_000 }, async () => {
  const provider = new MemoryProvider();
  const url = new URL(LFMCP_HTTP_URL);
  const first = new Client({ name: 'e2e-typescript-oauth', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.equal(provider.authorizations, 1, 'the SDK did not send the person to sign in');
  assert.ok(provider.client?.client_id, 'the SDK did not register');
  await transport.finishAuth(provider.code);
  assert.ok(provider.savedTokens?.access_token, 'no access token');
  assert.ok(provider.savedTokens?.refresh_token, 'no refresh token');

  // A transport starts once: connect again with a new one and the tokens.
  const client = new Client({ name: 'e2e-typescript-oauth', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('create_opportunity') && names.includes('create_account'), names.join(', '));
    const created = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'OAuth deal', $stage: 'Discovery' }, relationships: { $account: 'Acme Corp' } },
    });
    assert.equal(created.isError, undefined, JSON.stringify(created));
    assert.match(created.structuredContent.opportunity.id, /^opp_/);
    assert.equal(provider.authorizations, 1, 'the person was asked to sign in twice');
  } finally {
    await client.close();
  }
});
