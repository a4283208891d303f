// The scenario of issue 20 with the official TypeScript SDK client: a rep
// logs a deal, asks right after whether it is logged, moves it to
// Negotiation with a note, adds a stakeholder, logs a deal for a new
// customer with a new champion, and adds a new person. The Go test
// TestTypeScriptDeals runs this file once per transport, against a fake
// Lightfield whose lists lag every write of the run, with LFMCP_TRANSPORT
// (stdio or http), LIGHTFIELD_API_KEY, and LFMCP_BINARY and
// LIGHTFIELD_BASE_URL (stdio) or LFMCP_HTTP_URL (http); it then checks what
// the fake received and holds, which the client cannot see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { LFMCP_TRANSPORT, LFMCP_BINARY, LIGHTFIELD_BASE_URL, LFMCP_HTTP_URL, LIGHTFIELD_API_KEY } = process.env;

// The deal's name holds an en dash.
const telemetry = 'Acme Rockets – Telemetry';

function transport() {
  if (LFMCP_TRANSPORT === 'stdio') {
    const t = new StdioClientTransport({ command: LFMCP_BINARY, env: { LIGHTFIELD_API_KEY, LIGHTFIELD_BASE_URL }, stderr: 'pipe' });
    t.stderr.on('data', () => {});
    return t;
  }
  if (LFMCP_TRANSPORT === 'http') {
    return new StreamableHTTPClientTransport(new URL(LFMCP_HTTP_URL), {
      requestInit: { headers: { Authorization: `Bearer ${LIGHTFIELD_API_KEY}` } },
    });
  }
  throw new Error(`LFMCP_TRANSPORT is ${JSON.stringify(LFMCP_TRANSPORT)}: run this file through the Go test TestTypeScriptDeals`);
}

// The tool list carries the organisation's stages once its definitions
// are read, beside the handshake; listTools also gives the client the
// output schemas that callTool checks structuredContent against.
async function refinedTools(client) {
  for (let i = 0; i < 600; i++) {
    const { tools } = await client.listTools();
    if (JSON.stringify(tools).includes('Proposal Sent')) return tools;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the tool list never carried the organisation\'s stages');
}

const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// call calls a tool that must succeed. The SDK client has validated its
// structuredContent against the tool's outputSchema (it throws otherwise,
// and when a tool with an outputSchema answers without structuredContent).
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, undefined, `${name} was refused:\n${text(result)}`);
  assert.ok(result.structuredContent, `${name} answered without structuredContent`);
  return result;
}

test(`a rep's day with deals, over ${LFMCP_TRANSPORT}`, async () => {
  const client = new Client({ name: `e2e-typescript-deals-${LFMCP_TRANSPORT}`, version: '0.0.0' });
  await client.connect(transport());
  try {
    const tools = await refinedTools(client);
    assert.deepEqual(tools.map((t) => t.name).sort(), ['create_account', 'create_contact', 'create_opportunity', 'find_accounts', 'find_opportunities', 'find_people', 'update_opportunity']);
    for (const name of ['create_opportunity', 'find_opportunities', 'update_opportunity', 'create_contact']) {
      assert.ok(tools.find((t) => t.name === name).outputSchema, `${name} declares no outputSchema`);
    }

    // 1. The rep logs a deal.
    const created = await call(client, 'create_opportunity', {
      fields: { $name: telemetry, $stage: 'Discovery', $amount: 40000 },
      relationships: { $account: 'Acme Corp', $owner: 'dana@ourco.example', stakeholders: ['Wile'] },
    });
    const id = created.structuredContent.opportunity.id;
    assert.match(id, /^opp_/);

    // 2. "Did I already log it?" right after: yes, although the list lags.
    const found = await call(client, 'find_opportunities', { query: 'Acme Telemetry' });
    assert.deepEqual(found.structuredContent.opportunities.map((o) => [o.id, o.name, o.stage]), [[id, telemetry, 'Discovery']], text(found));

    // 3. "Move it to Negotiation and note that legal approved": one call.
    const move = { opportunity: telemetry, fields: { $stage: 'Negotiation' }, note: { title: 'Legal approved' } };
    const moved = await call(client, 'update_opportunity', move);
    assert.match(text(moved), /"Discovery" → "Negotiation"/);
    assert.deepEqual(moved.structuredContent.changes, [{ key: '$stage', label: 'Stage', before: 'Discovery', after: 'Negotiation' }]);
    assert.equal(moved.structuredContent.opportunity.id, id);
    assert.match(moved.structuredContent.note.id, /./, 'the note is in the answer');
    assert.equal(moved.structuredContent.opportunity.relationships.$note.values.length, 1, 'the deal in the answer links its note');
    // Said again, it changes nothing and adds no second note (the Go test
    // counts the requests and notes the fake received).
    const again = await call(client, 'update_opportunity', move);
    assert.deepEqual(again.structuredContent.changes, [], text(again));
    assert.equal(again.structuredContent.opportunity.relationships.$note.values.length, 1, text(again));

    // 4. "Add Sam": added to the stakeholders, Wile kept.
    const added = await call(client, 'update_opportunity', { opportunity: id, relationships: { stakeholders: ['Sam'] } });
    assert.deepEqual(added.structuredContent.changes.map((c) => c.key), ['stakeholders'], text(added));
    assert.deepEqual(added.structuredContent.opportunity.relationships.stakeholders.values, ['con_01wile', 'con_01samo'], text(added));

    // 5. A new customer with a new champion, in one call.
    const stark = await call(client, 'create_opportunity', {
      fields: { $name: 'Stark pilot', $stage: 'Discovery' },
      relationships: { $owner: 'Dana' },
      new: {
        $account: { $name: 'Stark Industries', $website: 'starkindustries.example' },
        $champion: { firstName: 'Samir', lastName: 'Khan', email: 'samir@stark.example' },
      },
    });
    const starkRels = stark.structuredContent.opportunity.relationships;
    assert.match(starkRels.$account.values[0], /^acc_/, text(stark));
    assert.notEqual(starkRels.$account.values[0], 'acc_01acme');
    assert.match(starkRels.$champion.values[0], /^con_/, text(stark));
    assert.match(text(stark), /created in this call/);

    // 6. A new person at Acme, then the same person by the same email.
    const priya = await call(client, 'create_contact', {
      fields: { $name: { firstName: 'Priya', lastName: 'Raman' }, $email: 'priya@acme.example', $title: 'CFO' },
      relationships: { $account: 'Acme Corp' },
    });
    assert.equal(priya.structuredContent.existing, undefined, text(priya));
    const priyaID = priya.structuredContent.contact.id;
    assert.match(priyaID, /^con_/);
    const same = await call(client, 'create_contact', {
      fields: { $name: 'Priya Raman', $email: 'PRIYA@acme.example' },
      relationships: { $account: 'Acme Corp' },
    });
    assert.equal(same.structuredContent.existing, true, `the same email again did not return the contact there:\n${text(same)}`);
    assert.equal(same.structuredContent.matchedBy, 'email');
    assert.equal(same.structuredContent.contact.id, priyaID);
  } finally {
    await client.close();
  }
});
