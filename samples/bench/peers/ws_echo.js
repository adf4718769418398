// ws_echo.js - benchmark peer: a WebSocket echo server on Node.js and the npm package `ws`
// (no permessage-deflate, no pings). Every message goes back with the opcode it came with.
//
//   NODE_PATH=DIR/node_modules node ws_echo.js PORT
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node ws_echo.js PORT');
  process.exit(2);
}
const wss = new WebSocketServer({
  host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 64 << 20, clientTracking: false, backlog: 4096,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.error(`ws_echo.js (node ${process.version}) listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
