#!/usr/bin/env node
// The chat sample over TLS in a real browser: `chat --tls-cert --tls-key` serves the page on
// https:// and the room on wss:// (the page picks wss:// when it was loaded over https). Headless
// Chromium (driven by playwright-core) loads https://localhost:PORT/ in two separate contexts,
// two users join, one sends a message, the other sees it.
//
//     node tests/browser/chat_https_test.js        (from anywhere; tests/interop/run_tls_interop.sh
//                                                  runs it as one of its cases)
//
// Environment: TW_BIN_DIR (default build/bin/release) holds the `chat` binary; CHROMIUM (default
// /usr/bin/chromium); TW_TLS_DIR, a folder made by tests/interop/make_test_certs.sh (default: one
// is generated into a temporary folder and removed afterwards). Chromium does not trust the test
// CA (--ignore-certificate-errors), so the certificate is checked here instead: the page's TLS
// details must name the test CA as issuer and "localhost" as subject. Every wait is bounded; the
// server and the browser are stopped at the end, on failure too. The last line is
// "N passed, M failed", one per check group; the exit code is 1 when one failed. The server's
// output goes to build/logs/chat_https_server.log.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN_DIR = process.env.TW_BIN_DIR || path.join(ROOT, 'build', 'bin', 'release');
const CHAT = path.join(BIN_DIR, 'chat');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LOGS = path.join(ROOT, 'build', 'logs');
const WAIT_MS = 5000;          // one expected thing to show up
const WATCHDOG_MS = 90000;     // the whole test

let playwright;
try {
    playwright = require(path.join(ROOT, 'tests', 'interop', 'node_modules', 'playwright-core'));
} catch (e) {
    console.log('browser: playwright-core is not installed in tests/interop/node_modules (run: bash tests/setup.sh)');
    console.log('0 passed, 1 failed');
    process.exit(1);
}

// --- the chat server (with TLS) ---------------------------------------------------------------

class ChatServer {
    constructor(port, cert, key) {
        this.port = port;
        this.args = ['--port', String(port), '--tls-cert', cert, '--tls-key', key];
        this.output = '';
        this.child = null;
    }

    // Starts it and waits for its "listening on wss://" line.
    start() {
        return new Promise((resolve, reject) => {
            const child = spawn(CHAT, this.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
            this.child = child;
            let done = false;
            const finish = (err) => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                if (err) reject(err); else resolve();
            };
            const timer = setTimeout(() => finish(new Error('chat printed no "listening" line in ' + WAIT_MS + ' ms')), WAIT_MS);
            const take = (chunk) => {
                this.output += chunk.toString();
                if (this.output.includes('chat: listening on wss://*:' + this.port)) finish();
            };
            child.stdout.on('data', take);
            child.stderr.on('data', take);
            child.on('error', (err) => finish(err));
            child.on('exit', (code, signal) => {
                if (this.child === child) this.child = null;
                finish(new Error('chat exited (' + (signal || code) + ') before listening:\n' + this.output));
            });
        });
    }

    // SIGTERM, SIGKILL if it is still there after 3 s. Resolves with the exit code or signal.
    stop() {
        const child = this.child;
        if (!child) return Promise.resolve(null);
        return new Promise((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', (code, signal) => {
                clearTimeout(timer);
                resolve(signal || code);
            });
            child.kill('SIGTERM');
        });
    }

    killNow() {
        if (this.child) this.child.kill('SIGKILL');
    }
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const port = s.address().port;
            s.close(() => resolve(port));
        });
    });
}

// --- page helpers (as in chat_browser_test.js) ------------------------------------------------

function logLines(page) {
    return page.$$eval('#log > div', (divs) => divs.map((d) => d.textContent));
}

async function waitForLine(page, text, timeout = WAIT_MS) {
    try {
        await page.waitForFunction((t) => Array.from(document.querySelectorAll('#log > div'), (d) => d.textContent).includes(t),
                                   text, { timeout, polling: 50 });
    } catch (e) {
        const lines = await logLines(page).catch(() => ['(page gone)']);
        throw new Error('no line ' + JSON.stringify(text) + ' within ' + timeout + ' ms; the log has:\n    ' + lines.join('\n    '));
    }
}

async function waitForStatus(page, text, timeout = WAIT_MS) {
    try {
        await page.waitForFunction((t) => document.getElementById('status').textContent === t, text, { timeout, polling: 50 });
    } catch (e) {
        const now = await page.textContent('#status').catch(() => '(page gone)');
        throw new Error('#status is ' + JSON.stringify(now) + ', not ' + JSON.stringify(text) + ' after ' + timeout + ' ms');
    }
}

async function join(page, name) {
    await page.fill('#name', name);
    await page.click('#join');
    await waitForStatus(page, 'connected as ' + name);
}

function expect(cond, what) {
    if (!cond) throw new Error(what);
}

// --- the test -------------------------------------------------------------------------------

async function main() {
    fs.mkdirSync(LOGS, { recursive: true });
    expect(fs.existsSync(CHAT), 'no chat binary at ' + CHAT + ' (build it: make -C build config=release chat)');
    let tlsDir = process.env.TW_TLS_DIR;
    let ownTlsDir = null;
    if (!tlsDir) {
        ownTlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickwire-https-certs-'));
        execFileSync('sh', [path.join(ROOT, 'tests', 'interop', 'make_test_certs.sh'), ownTlsDir], { stdio: 'ignore', timeout: 30000 });
        tlsDir = ownTlsDir;
    }
    const port = await freePort();
    const server = new ChatServer(port, path.join(tlsDir, 'server.pem'), path.join(tlsDir, 'server.key'));
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickwire-chromium-'));
    let browserContext = null, bobContext = null;
    let alice = null, bob = null;
    const pageErrors = [];
    const sockets = [];      // every WebSocket URL the pages opened
    const results = [];
    let failedEarlier = null;

    const watchdog = setTimeout(() => {
        console.log('FAIL watchdog: the test did not finish in ' + WATCHDOG_MS / 1000 + ' s');
        server.killNow();
        console.log(results.filter((r) => r).length + ' passed, ' + (results.filter((r) => !r).length + 1) + ' failed');
        process.exit(1);
    }, WATCHDOG_MS);
    process.on('exit', () => server.killNow());

    async function group(name, fn) {
        if (failedEarlier) {
            console.log('FAIL ' + name + ': not run (' + failedEarlier + ' failed)');
            results.push(false);
            return;
        }
        const t0 = Date.now();
        try {
            await fn();
            console.log('PASS ' + name + ' (' + (Date.now() - t0) + ' ms)');
            results.push(true);
        } catch (e) {
            console.log('FAIL ' + name + ': ' + (e && e.message ? e.message : e));
            results.push(false);
            failedEarlier = name;
        }
    }

    const url = 'https://localhost:' + port + '/';
    try {
        await group('the page is served over https with the test certificate', async () => {
            await server.start();
            browserContext = await playwright.chromium.launchPersistentContext(userDataDir, {
                executablePath: CHROMIUM,
                headless: true,
                args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                       '--disable-background-networking', '--disable-component-update', '--disable-sync',
                       '--ignore-certificate-errors'],
                viewport: { width: 800, height: 700 },
                timeout: 30000,
            });
            const browser = browserContext.browser();
            expect(browser, 'no Browser object for the persistent context');
            bobContext = await browser.newContext({ viewport: { width: 800, height: 700 } });
            alice = browserContext.pages()[0] || await browserContext.newPage();
            bob = await bobContext.newPage();
            for (const [who, page] of [['alice', alice], ['bob', bob]]) {
                page.on('pageerror', (err) => pageErrors.push(who + ': ' + err.message));
                page.on('websocket', (ws) => sockets.push(who + ' ' + ws.url()));
                const response = await page.goto(url, { timeout: WAIT_MS });
                expect(response && response.status() === 200, 'GET ' + url + ' answered ' + (response && response.status()));
                expect(await page.title() === 'tickwire chat', 'title is ' + JSON.stringify(await page.title()));
                expect(await page.evaluate(() => location.protocol) === 'https:', 'the page is not on https:');
                const tls = await response.securityDetails();
                expect(tls, 'no TLS details for ' + url);
                expect(/tickwire test ca/.test(tls.issuer || ''), 'the certificate was issued by ' + JSON.stringify(tls.issuer) + ', not the test CA');
                expect(tls.subjectName === 'localhost', 'the certificate names ' + JSON.stringify(tls.subjectName));
                if (who === 'alice') console.log('    ' + tls.protocol + ', issuer ' + tls.issuer + ', subject ' + tls.subjectName);
            }
        });

        await group('alice and bob join over wss://', async () => {
            await join(alice, 'alice');
            await waitForLine(alice, '* alice joined (1 online)');
            await join(bob, 'bob');
            await waitForLine(bob, '* bob joined (2 online)');
            await waitForLine(alice, '* bob joined (2 online)');
            const expected = ['alice wss://localhost:' + port + '/chat?name=alice', 'bob wss://localhost:' + port + '/chat?name=bob'];
            for (const e of expected) expect(sockets.includes(e), 'no WebSocket ' + e + '; the pages opened: ' + JSON.stringify(sockets));
        });

        const hello = 'hello over TLS, ünïcödé ✓';
        await group('a message from alice reaches bob', async () => {
            await alice.fill('#input', hello);
            await alice.click('#send');
            await waitForLine(bob, 'alice: ' + hello);
            await waitForLine(alice, 'alice: ' + hello);
            await bob.fill('#input', 'hi alice');
            await bob.press('#input', 'Enter');
            await waitForLine(alice, 'bob: hi alice');
        });

        await group('the server logged it; no script errors', async () => {
            for (const line of ['chat: alice joined (1 online)', 'chat: bob joined (2 online)', 'chat: alice: ' + hello, 'chat: bob: hi alice'])
                expect(server.output.includes(line), 'the server\'s output lacks ' + JSON.stringify(line) + ':\n' + server.output);
            expect(pageErrors.length === 0, pageErrors.join('\n'));
        });
    } finally {
        if (bobContext) await bobContext.close().catch(() => {});
        if (browserContext) await browserContext.close().catch(() => {});
        await server.stop();
        fs.rmSync(userDataDir, { recursive: true, force: true });
        if (ownTlsDir) fs.rmSync(ownTlsDir, { recursive: true, force: true });
        clearTimeout(watchdog);
    }
    fs.writeFileSync(path.join(LOGS, 'chat_https_server.log'), server.output);
    const passed = results.filter((r) => r).length;
    const failed = results.length - passed;
    console.log(passed + ' passed, ' + failed + ' failed');
    return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
    console.log('FAIL ' + (err && err.stack ? err.stack : err));
    console.log('0 passed, 1 failed');
    process.exit(1);
});
