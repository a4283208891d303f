// Drives the real mcp-server binary over stdio with the official TypeScript
// SDK client. The Go test TestTypeScriptClient runs this file with
// LFMCP_BINARY, LIGHTFIELD_BASE_URL (a fake Lightfield) and LIGHTFIELD_API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { LFMCP_BINARY, LIGHTFIELD_BASE_URL, LIGHTFIELD_API_KEY } = process.env;

async function connect() {
  const transport = new StdioClientTransport({
    command: LFMCP_BINARY,
    env: { LIGHTFIELD_API_KEY, LIGHTFIELD_BASE_URL },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr.on('data', (chunk) => { stderr += chunk; });
  const client = new Client({ name: 'e2e-typescript-sdk', version: '0.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

// The schema is refined once definitions arrive, beside the handshake.
async function refinedTools(client) {
  for (let i = 0; i < 200; i++) {
    const { tools } = await client.listTools();
    if (JSON.stringify(tools).includes('Proposal Sent')) return tools;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the tool schema never listed the organisation stages');
}

const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

test('the TypeScript SDK lists the tool and creates an opportunity', async () => {
  const { client, stderr } = await connect();
  try {
    const tools = await refinedTools(client);
    assert.deepEqual(tools.map((t) => t.name).sort(), ['create_account', 'create_contact', 'create_opportunity', 'find_accounts', 'find_opportunities', 'find_people', 'update_opportunity']);
    const tool = tools.find((t) => t.name === 'create_opportunity');
    assert.deepEqual(tool.annotations, {
      title: 'Create opportunity', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true,
    });
    assert.ok(tool.outputSchema, 'outputSchema declared');

    // callTool validates structuredContent against outputSchema, since listTools ran on this client.
    const created = await client.callTool({
      name: 'create_opportunity',
      arguments: {
        fields: { $name: 'Initech renewal', $stage: 'qualified', $amount: 40000, $closeDate: '2026-03-31', productLines: ['Platform'] },
        relationships: { $account: 'Initech', $owner: 'dana@ourco.example' },
      },
    });
    assert.equal(created.isError, undefined, text(created));
    assert.match(created.structuredContent.opportunity.id, /^opp_/);
    assert.match(text(created), /"Qualified"/);
    assert.deepEqual(created.structuredContent.resolved.map((r) => r.id), ['acc_01initech', 'mem_01dana']);

    // The same call again writes nothing and says so.
    const again = await client.callTool({
      name: 'create_opportunity',
      arguments: {
        fields: { $name: 'Initech renewal', $stage: 'qualified', $amount: 40000, $closeDate: '2026-03-31', productLines: ['Platform'] },
        relationships: { $account: 'Initech', $owner: 'dana@ourco.example' },
      },
    });
    assert.equal(again.structuredContent.replayed, true, text(again));
    assert.equal(again.structuredContent.opportunity.id, created.structuredContent.opportunity.id);
    assert.match(text(again), /^Already created at /);

    const found = await client.callTool({ name: 'find_accounts', arguments: { query: 'Globex' } });
    assert.deepEqual(found.structuredContent.accounts.map((a) => a.id), ['acc_01globex', 'acc_02globex']);

    const people = await client.callTool({ name: 'find_people', arguments: { query: 'sam', account: 'Acme Corp' } });
    assert.equal(people.isError, undefined, text(people));
    assert.deepEqual(people.structuredContent.people.map((p) => [p.id, p.matchedBy]), [['con_01samo', 'first name']]);
    assert.deepEqual(people.structuredContent.people[0].accounts, [{ id: 'acc_01acme', name: 'Acme Corp' }]);

    const byFirstName = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'Acme pilot', $stage: 'Discovery' }, relationships: { $account: 'Acme Corp', $evaluator: 'Sam' }, dryRun: true },
    });
    assert.equal(byFirstName.isError, undefined, text(byFirstName));
    assert.deepEqual(byFirstName.structuredContent.resolved.find((r) => r.relationship === '$evaluator'),
      { relationship: '$evaluator', input: 'Sam', id: 'con_01samo', name: 'Sam Ortiz', email: 'sam.ortiz@acme.example', matchedBy: "first name, at the deal's account" });

    const ambiguous = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'Globex pilot', $stage: 'Discovery' }, relationships: { $account: 'Globex' } },
    });
    assert.equal(ambiguous.isError, true);
    assert.match(text(ambiguous), /matches 2 accounts/);

    const dry = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'Dry', $stage: 'Discovery' }, relationships: { $account: 'acc_01acme' }, dryRun: true },
    });
    assert.equal(dry.structuredContent.dryRun, true);
    assert.equal(dry.structuredContent.request.fields.$stage, 'opt_st_disc');

    const wrong = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'Wrong', $stage: 'Discovery', $amount: 'forty grand' }, relationships: { $account: 'acc_01acme' } },
    });
    assert.equal(wrong.isError, true);
    assert.match(text(wrong), /fields\.\$amount/);

    // A new customer: the deal's refusal names create_account, which
    // creates the account once; the deal then carries a note and a task.
    const noAccount = await client.callTool({
      name: 'create_opportunity',
      arguments: { fields: { $name: 'Hooli platform', $stage: 'Discovery' }, relationships: { $account: 'Hooli' } },
    });
    assert.equal(noAccount.isError, true);
    assert.match(text(noAccount), /create_account/);
    const account = await client.callTool({ name: 'create_account', arguments: { fields: { $name: 'Hooli', $website: 'hooli.example' } } });
    assert.equal(account.isError, undefined, text(account));
    const accountID = account.structuredContent.account.id;
    const sameAccount = await client.callTool({ name: 'create_account', arguments: { fields: { $name: 'hooli', $website: 'https://www.hooli.example' } } });
    assert.equal(sameAccount.structuredContent.account.id, accountID, text(sameAccount));
    const withExtras = await client.callTool({
      name: 'create_opportunity',
      arguments: {
        fields: { $name: 'Hooli platform', $stage: 'Discovery' },
        relationships: { $account: accountID, $owner: 'dana@ourco.example' },
        note: { title: 'Discovery call', content: 'Needs SSO; budget approved.' },
        followUp: { title: 'Send the proposal', due: '2026-12-04' },
      },
    });
    assert.equal(withExtras.isError, undefined, text(withExtras));
    assert.match(withExtras.structuredContent.note.id, /./);
    assert.match(withExtras.structuredContent.followUp.id, /./);
    assert.match(text(withExtras), /Added follow-up task "Send the proposal"/);
    assert.ok(!stderr().includes(LIGHTFIELD_API_KEY), 'the API key must never be logged');
  } finally {
    await client.close();
  }
});

test('the TypeScript SDK creates an opportunity in the sandbox without a key', async () => {
  const transport = new StdioClientTransport({ command: LFMCP_BINARY, args: ['--sandbox'], env: {}, stderr: 'pipe' });
  transport.stderr.on('data', () => {});
  const client = new Client({ name: 'e2e-typescript-sdk-sandbox', version: '0.0.0' });
  await client.connect(transport);
  try {
    assert.match(client.getInstructions(), /SANDBOX/);
    await client.listTools();
    const created = await client.callTool({
      name: 'create_opportunity',
      arguments: {
        fields: { $name: 'Acme expansion', $stage: 'Discovery', $amount: 40000, 'Close Date': '2026-03-31' },
        relationships: { $account: 'Acme', $owner: 'dana@ourco.com' },
      },
    });
    assert.equal(created.isError, undefined, text(created));
    assert.match(created.structuredContent.opportunity.id, /^opp_/);
    assert.match(text(created), /Sandbox/);
    const again = await client.callTool({
      name: 'create_opportunity',
      arguments: {
        fields: { $name: 'Acme expansion', $stage: 'Discovery', $amount: 40000, 'Close Date': '2026-03-31' },
        relationships: { $account: 'Acme', $owner: 'dana@ourco.com' },
      },
    });
    assert.equal(again.structuredContent.opportunity.id, created.structuredContent.opportunity.id, 'a repeat returns the first opportunity');
  } finally {
    await client.close();
  }
});
