#!/usr/bin/env node
// WebSocket peer for tickwire's interop tests, built on the `ws` package (tests/interop/
// node_modules, installed from the lock file by tests/setup.sh).
//
//   node_peer.js client URL [--stream]   talk to ws_echo_server: every message must come back
//                                        byte for byte with its opcode; pings get pongs; the
//                                        close code we send comes back
//   node_peer.js server                  serve one ws_echo_client: send a plan of messages,
//                                        check each echo, ping, then close with 1000; prints
//                                        "PORT n" first and "SENT n" (messages sent) at the end
//
// Each check prints "pass NAME" or "FAIL NAME: why"; the exit status is 0 only when all passed.
'use strict';
const path = require('path');
const WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const KIB = 1024;
const MIB = 1024 * 1024;
// Each length encoding's edges (7-bit, 16-bit, 64-bit), the samples' 64 KiB ring block, and the
// largest messages each mode takes.
const BASE_SIZES = [0, 1, 125, 126, 65535, 65536, MIB, 16 * MIB - KIB];
const STREAM_EXTRA = [16 * MIB, 16 * MIB + 1]; // streaming has no message limit
const RECV_TIMEOUT_MS = 10000; // a 16 MiB echo takes ~0.1 s on loopback; a stall must not eat the budget
const MAX_PAYLOAD = 64 * MIB;

let failures = 0;
function report(name, ok, why) {
    if (ok) {
        console.log(`pass ${name}`);
    } else {
        failures++;
        console.log(`FAIL ${name}: ${why}`);
    }
    return ok;
}

// Deterministic bytes (xorshift32 seeded by the size).
function binaryPayload(n) {
    const buf = Buffer.alloc(n);
    let x = (n * 2654435761) >>> 0 || 1;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
        x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
        buf.writeUInt32LE(x, i);
    }
    for (; i < n; i++) buf[i] = i & 0xff;
    return buf;
}

// Exactly n bytes of UTF-8 with 1-, 2-, 3- and 4-byte characters all through it.
function textPayload(n) {
    const unit = 'a\u00e9\u2713\u{1F600}'; // 1 + 2 + 3 + 4 = 10 bytes
    return unit.repeat(Math.floor(n / 10)) + 'a'.repeat(n % 10);
}

function describe(got, isBinary, want, wantBinary) {
    if (isBinary !== wantBinary) return `got a ${isBinary ? 'binary' : 'text'} message, want ${wantBinary ? 'binary' : 'text'}`;
    if (got.length !== want.length) return `got ${got.length} bytes, want ${want.length}`;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return `bytes differ from offset ${i}`;
    return 'differs';
}

// Messages, pongs and the close of one socket, as awaitable queues.
function inbox(ws) {
    const box = { messages: [], pongs: [], waiters: [], closed: null };
    const wake = () => { const w = box.waiters; box.waiters = []; w.forEach((f) => f()); };
    ws.on('message', (data, isBinary) => { box.messages.push({ data, isBinary }); wake(); });
    ws.on('pong', (data) => { box.pongs.push(data); wake(); });
    ws.on('close', (code, reason) => { box.closed = { code, reason: reason.toString() }; wake(); });
    ws.on('error', (err) => { box.error = err; wake(); });
    box.wait = (ready) => new Promise((resolve) => {
        const deadline = setTimeout(() => resolve(false), RECV_TIMEOUT_MS);
        const check = () => {
            if (ready()) { clearTimeout(deadline); resolve(true); return; }
            box.waiters.push(check);
        };
        check();
    });
    return box;
}

async function expectEcho(box, name, want, wantBinary) {
    const arrived = await box.wait(() => box.messages.length > 0 || box.closed);
    if (box.messages.length === 0) {
        return report(name, false, arrived ? `connection closed instead (code ${box.closed.code})` : `no echo within ${RECV_TIMEOUT_MS / 1000}s`);
    }
    const { data, isBinary } = box.messages.shift();
    const ok = isBinary === wantBinary && data.equals(want);
    return report(name, ok, ok ? '' : describe(data, isBinary, want, wantBinary));
}

async function expectPong(ws, box, name, data) {
    box.pongs = [];
    ws.ping(data);
    await box.wait(() => box.pongs.length > 0 || box.closed);
    if (box.pongs.length === 0) return report(name, false, box.closed ? 'connection closed instead' : 'no pong');
    return report(name, box.pongs[0].equals(data), `pong carried ${box.pongs[0].length} bytes, want the ping's ${data.length}`);
}

// Sends `frags` as one fragmented message: ws.send with fin:false, then fin:true.
function sendFragments(ws, frags, binary) {
    frags.forEach((f, i) => ws.send(f, { binary, fin: i === frags.length - 1, compress: false }));
}

// The messages both roles send, in order; each entry sends one message and names its echo.
function plan(sizes, label) {
    const steps = [];
    for (const n of sizes) {
        steps.push({ name: `${label} binary ${n}`, send: (ws) => ws.send(binaryPayload(n)), want: () => binaryPayload(n), binary: true });
        steps.push({ name: `${label} text ${n}`, send: (ws) => ws.send(textPayload(n)), want: () => Buffer.from(textPayload(n)), binary: false });
    }
    const frags = [Buffer.from('abc'), Buffer.alloc(0), binaryPayload(70000), Buffer.alloc(125, 0x78), Buffer.from('yz')];
    steps.push({ name: `${label} fragmented binary`, send: (ws) => sendFragments(ws, frags, true), want: () => Buffer.concat(frags), binary: true });
    // Text fragments cut inside characters: only the whole message is valid UTF-8.
    const text = Buffer.from('h\u00e9llo ' + textPayload(70001) + ' caf\u00e9 \u{1F600} \u2713');
    const c1 = 2, c2 = text.length - 5;
    const tfrags = [text.subarray(0, c1), text.subarray(c1, c2), Buffer.alloc(0), text.subarray(c2)];
    steps.push({ name: `${label} fragmented text (split inside characters)`, send: (ws) => sendFragments(ws, tfrags, false), want: () => text, binary: false });
    const words = 'h\u00e9llo w\u00f6rld \u2713 \u{1F600} \u2014 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u4e2d\u6587';
    steps.push({ name: `${label} non-ASCII text`, send: (ws) => ws.send(words), want: () => Buffer.from(words), binary: false });
    return steps;
}

async function runPlan(ws, box, steps) {
    let sent = 0;
    for (const s of steps) {
        s.send(ws);
        sent++;
        if (!(await expectEcho(box, s.name, s.want(), s.binary))) return { sent, ok: false };
    }
    return { sent, ok: true };
}

function open(url) {
    const ws = new WebSocket(url, { maxPayload: MAX_PAYLOAD });
    const box = inbox(ws);
    const opened = new Promise((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('error', () => resolve(false));
        ws.once('close', () => resolve(false));
    });
    return { ws, box, opened };
}

async function closeWith(url, label, code, reason) {
    const name = `${label} close ${code}${reason ? ' + reason' : ''}`;
    const { ws, box, opened } = open(url);
    if (!(await opened)) return report(name, false, `could not connect: ${box.error ? box.error.message : 'closed'}`);
    ws.send('bye');
    if (!(await expectEcho(box, `${name}: echo before close`, Buffer.from('bye'), false))) { ws.terminate(); return false; }
    ws.close(code, reason);
    if (!(await box.wait(() => box.closed))) { ws.terminate(); return report(name, false, 'no close answer'); }
    return report(name, box.closed.code === code, `server answered close code ${box.closed.code}`);
}

async function client(url, stream) {
    const label = stream ? 'stream' : 'whole';
    const t0 = Date.now();
    const { ws, box, opened } = open(url);
    if (!(await opened)) {
        report(`${label} connect`, false, box.error ? box.error.message : 'closed');
    } else {
        let { ok } = await runPlan(ws, box, plan(BASE_SIZES.concat(stream ? STREAM_EXTRA : []), label));
        for (const data of [Buffer.from('tw-ping'), Buffer.alloc(0), binaryPayload(125)]) {
            if (ok) ok = await expectPong(ws, box, `${label} ping ${data.length} bytes -> pong`, data);
        }
        if (ok) {
            ws.send(Buffer.from('after-ping'));
            await expectEcho(box, `${label} message after pings`, Buffer.from('after-ping'), true);
        }
        ws.terminate();
    }
    await closeWith(url, label, 1000, '');
    await closeWith(url, label, 4000, 'tickwire interop: custom code');
    console.log(`time ${((Date.now() - t0) / 1000).toFixed(2)}s`);
}

async function serve(ws) {
    const box = inbox(ws);
    let sent = 0;
    try {
        const r = await runPlan(ws, box, plan(BASE_SIZES, 'server'));
        sent = r.sent;
        if (!r.ok) return;
        if (!(await expectPong(ws, box, 'server ping -> client pong', Buffer.from('from-server')))) return;
        ws.send(Buffer.from('after-ping'));
        sent++;
        if (!(await expectEcho(box, 'server message after ping', Buffer.from('after-ping'), true))) return;
        ws.close(1000, 'done');
        await box.wait(() => box.closed);
        report('server close 1000 answered', box.closed && box.closed.code === 1000,
               `client answered close code ${box.closed ? box.closed.code : 'none'}`);
    } finally {
        console.log(`SENT ${sent}`);
        if (!box.closed) ws.terminate();
    }
}

function server() {
    return new Promise((resolve) => {
        const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, maxPayload: MAX_PAYLOAD });
        let served = false;
        wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
        wss.on('connection', async (ws) => {
            if (served) { ws.close(1013, 'busy'); return; } // one client per run
            served = true;
            await serve(ws);
            wss.close();
            resolve();
        });
    });
}

async function main(argv) {
    if (argv[0] === 'client' && (argv.length === 2 || argv.length === 3)) {
        await client(argv[1], argv[2] === '--stream');
    } else if (argv[0] === 'server' && argv.length === 1) {
        await server();
    } else {
        console.error('usage: node_peer.js client URL [--stream] | node_peer.js server');
        return 2;
    }
    return failures ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    console.log(`FAIL node peer: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
});
