// Drives the server's Streamable HTTP transport with the official TypeScript
// SDK client. The Go test TestTypeScriptHTTPClient runs this file with
// LFMCP_HTTP_URL (the server's /mcp) and LIGHTFIELD_API_KEY (the caller's key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { LFMCP_HTTP_URL, LIGHTFIELD_API_KEY } = process.env;

test('the TypeScript SDK creates an opportunity over Streamable HTTP with its own key', async () => {
  const transport = new StreamableHTTPClientTransport(new URL(LFMCP_HTTP_URL), {
    requestInit: { headers: { Authorization: `Bearer ${LIGHTFIELD_API_KEY}` } },
  });
  const client = new Client({ name: 'e2e-typescript-sdk-http', version: '0.0.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['create_account', 'create_contact', 'create_opportunity', 'find_accounts', 'find_opportunities', 'find_people', 'update_opportunity']);
    assert.match(JSON.stringify(tools), /Proposal Sent/, 'the caller sees its organisation\'s stages');
    const created = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'HTTP deal', $stage: 'Discovery' }, relationships: { $account: 'Acme Corp' } },
    });
    assert.equal(created.isError, undefined, JSON.stringify(created));
    assert.match(created.structuredContent.opportunity.id, /^opp_/);
  } finally {
    await client.close();
  }
});

test('a request without a key is refused with 401', async () => {
  const transport = new StreamableHTTPClientTransport(new URL(LFMCP_HTTP_URL));
  const client = new Client({ name: 'e2e-no-key', version: '0.0.0' });
  await assert.rejects(client.connect(transport));
});
