// An MCP client made of the official TypeScript SDK, driven line by line so
// that a test can act between two requests of one session (restart the
// server's workers, say). Each stdin line is a JSON command, each stdout line
// the JSON answer: {"ok":true,...} or {"ok":false,"error":"..."}.
//
//   {"op":"connect","url":"http://127.0.0.1:P/agents/agent_x/mcp","bearer":"k"?}
//   {"op":"listTools"} {"op":"call","name":"t","arguments":{}}
//   {"op":"listResources","cursor":"..."?} {"op":"listResourceTemplates"} {"op":"readResource","uri":"..."}
//   {"op":"listPrompts"} {"op":"getPrompt","name":"p","arguments":{}}
//   {"op":"ping"} {"op":"close"}
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

let client = null;
let transport = null;

async function perform(cmd) {
  switch (cmd.op) {
    case 'connect': {
      const headers = {};
      if (cmd.bearer) headers.Authorization = `Bearer ${cmd.bearer}`;
      transport = new StreamableHTTPClientTransport(new URL(cmd.url),
        { requestInit: { headers } });
      client = new Client({ name: 'orchestrix-test-client', version: '1.0.0' });
      await client.connect(transport);
      return { sessionId: transport.sessionId ?? null,
               serverVersion: client.getServerVersion(),
               capabilities: client.getServerCapabilities(),
               protocolVersion: transport.protocolVersion ?? null };
    }
    case 'listTools': return await client.listTools();
    case 'call': return await client.callTool({ name: cmd.name, arguments: cmd.arguments ?? {} });
    case 'listResources': return await client.listResources(cmd.cursor ? { cursor: cmd.cursor } : undefined);
    case 'listResourceTemplates': return await client.listResourceTemplates();
    case 'readResource': return await client.readResource({ uri: cmd.uri });
    case 'listPrompts': return await client.listPrompts();
    case 'getPrompt': return await client.getPrompt({ name: cmd.name, arguments: cmd.arguments ?? {} });
    case 'ping': return await client.ping();
    case 'close': {
      const sid = transport.sessionId;
      await transport.terminateSession();
      await client.close();
      return { terminated: sid ?? null };
    }
    default: throw new Error(`unknown op ${cmd.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let out;
  try {
    out = { ok: true, result: await perform(JSON.parse(line)) };
  } catch (e) {
    out = { ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
process.exit(0);
