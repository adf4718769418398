#!/usr/bin/env node
// Node's `ws` over https.createServer as a wss:// server for an echoing client (ws_echo_client).
//
//     node node_wss_server.js CERT_FILE KEY_FILE
//
// Listens on 127.0.0.1, a free port, and prints "listening PORT" once it does. Takes one client:
// sends it text and binary messages of 0 B .. 1 MiB one at a time and checks that each comes back
// identical and of the same kind, then closes with 1000 and waits for the client's close frame.
// Prints one line per group; exit 0 when everything held, 1 otherwise (the last line says why).
// Gives up after 30 s without a client or 60 s in all.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const path = require('path');

const { WebSocketServer } = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20];
const TIMEOUT_MS = 10000;

function fail(why) {
    console.log('node_wss_server: ' + why);
    process.exit(1);
}
setTimeout(() => fail('no client within 30 s'), 30000).unref();
setTimeout(() => fail('not done within 60 s'), 60000).unref();

function utf8Text(size) {
    const pool = ['a', 'Z', '~', 'é', '✓', '😀'];
    let out = '';
    let left = size;
    while (left > 0) {
        let c = pool[crypto.randomInt(pool.length)];
        if (Buffer.byteLength(c) > left) c = 'x';
        out += c;
        left -= Buffer.byteLength(c);
    }
    return out;
}

function withTimeout(promise, what) {
    let timer;
    return Promise.race([
        promise,
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what + ': nothing within ' + TIMEOUT_MS + ' ms')), TIMEOUT_MS); }),
    ]).finally(() => clearTimeout(timer));
}

async function serve(ws, req) {
    console.log('client connected: ' + req.socket.getProtocol() + ', path ' + req.url +
                ', extensions: ' + (ws.extensions || 'none'));
    const inbox = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
        const m = { data, isBinary };
        if (waiters.length) waiters.shift()(m); else inbox.push(m);
    });
    const closing = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', (err) => console.log('node_wss_server: error event: ' + err.message));
    const next = () => new Promise((resolve) => { if (inbox.length) resolve(inbox.shift()); else waiters.push(resolve); });

    for (const kind of ['text', 'binary']) {
        for (const size of SIZES) {
            const sent = kind === 'text' ? utf8Text(size) : crypto.randomBytes(size);
            ws.send(sent, { binary: kind === 'binary' });
            const got = await withTimeout(Promise.race([next(), closing.then((c) => { throw new Error('the client closed (' + c.code + ')'); })]),
                                          kind + ' ' + size + ' B echo');
            if (got.isBinary !== (kind === 'binary')) throw new Error(kind + ' ' + size + ' B came back as ' + (got.isBinary ? 'binary' : 'text'));
            const expected = kind === 'text' ? Buffer.from(sent, 'utf8') : sent;
            if (!Buffer.from(got.data).equals(expected)) throw new Error(kind + ' ' + size + ' B came back different (' + got.data.length + ' bytes)');
        }
        console.log(kind + ' echoes ok: ' + SIZES.join(', ') + ' bytes');
    }
    ws.close(1000, 'done');
    const how = await withTimeout(closing, 'closing handshake');
    if (how.code !== 1000) throw new Error('the client answered the close with ' + how.code + ', not 1000');
    console.log('closed with 1000');
}

const [certFile, keyFile] = process.argv.slice(2);
const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) });
const wss = new WebSocketServer({ server, maxPayload: 2 << 20 });
let taken = false;
wss.on('connection', (ws, req) => {
    if (taken) { ws.close(1013, 'one client only'); return; }
    taken = true;
    serve(ws, req).then(() => {
        server.close();
        process.exit(0);
    }, (err) => fail(err && err.message ? err.message : String(err)));
});
server.on('tlsClientError', (err) => console.log('node_wss_server: TLS error from a client: ' + err.message));
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
