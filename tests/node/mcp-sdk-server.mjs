// The bench's reference point for MCP (issue 5): the official TypeScript SDK
// serving one tool, stateless, JSON replies, as its README's stateless
// example does (a server and a transport per request).
//   tests/node/…/node tests/node/mcp-sdk-server.mjs PORT   (ES modules resolve
// from this folder's node_modules)
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const port = Number(process.argv[2] || 0);

function newServer() {
  const s = new McpServer({ name: 'sdk-bench', version: '1.0.0' });
  s.registerTool('echo', {
    description: 'Answers with its input',
    inputSchema: { email: z.string(), name: z.string() },
  }, async (args) => ({
    content: [{ type: 'text', text: JSON.stringify(args) }],
    structuredContent: args,
  }));
  return s;
}

const httpServer = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = newServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); server.close(); });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, JSON.parse(body));
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    }
  });
});
httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});
