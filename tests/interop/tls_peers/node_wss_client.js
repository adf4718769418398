#!/usr/bin/env node
// Node's `ws` (on Node's OpenSSL) as a wss:// client of an echo server.
//
//     node node_wss_client.js wss://localhost:PORT/ CA_FILE
//
// Trusts only CA_FILE (the `ca` option; the host name is checked too). Sends text and binary
// messages of 0 B .. 1 MiB, one at a time, and checks that each comes back identical and of the
// same kind; then a ping whose pong must carry the same payload, then a closing handshake that
// must end with 1000. `ws` offers permessage-deflate by default: the server may decline it.
// Prints one line per group; exit 0 when everything held, 1 otherwise (the last line says why).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20];
const TIMEOUT_MS = 10000;

// A string whose UTF-8 encoding is exactly `size` bytes, mixing 1- to 4-byte characters.
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

async function main() {
    const [url, caFile] = process.argv.slice(2);
    const ws = new WebSocket(url, { ca: fs.readFileSync(caFile), maxPayload: 2 << 20 });
    const inbox = [];       // messages that arrived before anyone waited
    const waiters = [];     // who waits for the next one
    let closed = null;
    ws.on('message', (data, isBinary) => {
        const m = { data, isBinary };
        if (waiters.length) waiters.shift()(m); else inbox.push(m);
    });
    const closing = new Promise((resolve) => ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; resolve(closed); }));
    const next = () => new Promise((resolve) => { if (inbox.length) resolve(inbox.shift()); else waiters.push(resolve); });

    await withTimeout(new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
    }), 'connect');
    ws.on('error', (err) => console.log('node_wss_client: error event: ' + err.message));
    console.log('connected: ' + ws._socket.getProtocol() + ', extensions: ' + (ws.extensions || 'none'));

    for (const kind of ['text', 'binary']) {
        for (const size of SIZES) {
            const sent = kind === 'text' ? utf8Text(size) : crypto.randomBytes(size);
            ws.send(sent, { binary: kind === 'binary' });
            const got = await withTimeout(next(), kind + ' ' + size + ' B echo');
            if (got.isBinary !== (kind === 'binary')) throw new Error(kind + ' ' + size + ' B came back as ' + (got.isBinary ? 'binary' : 'text'));
            const expected = kind === 'text' ? Buffer.from(sent, 'utf8') : sent;
            if (!Buffer.from(got.data).equals(expected)) throw new Error(kind + ' ' + size + ' B came back different (' + got.data.length + ' bytes)');
        }
        console.log(kind + ' echoes ok: ' + SIZES.join(', ') + ' bytes');
    }

    const payload = Buffer.from('tickwire-ping');
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping(payload);
    const pongData = await withTimeout(pong, 'pong');
    if (!Buffer.from(pongData).equals(payload)) throw new Error('the pong carried ' + JSON.stringify(pongData.toString()));
    console.log('ping answered');

    ws.close(1000, 'done');
    const how = await withTimeout(closing, 'closing handshake');
    if (how.code !== 1000) throw new Error('closed with ' + how.code + ' (' + how.reason + '), not 1000');
    console.log('closed with 1000');
}

main().then(() => process.exit(0), (err) => {
    console.log('node_wss_client: ' + (err && err.message ? err.message : err));
    process.exit(1);
});
