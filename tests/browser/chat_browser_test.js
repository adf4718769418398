#!/usr/bin/env node
// The chat sample in a real browser: headless Chromium (driven by playwright-core) loads the page
// that `chat` serves, two users join, talk, and leave, and the page reconnects after the server
// restarts.
//
//     node tests/browser/chat_browser_test.js        (from anywhere; usually through
//                                                     tests/browser/run_browser_tests.sh)
//
// Environment: TW_BIN_DIR (default build/bin/release) holds the `chat` binary; CHROMIUM
// (default /usr/bin/chromium). playwright-core comes from tests/interop/node_modules
// (tests/setup.sh installs it). The server runs from the repository's root with no --web, as in
// the README's demo, on a free port. Every wait is bounded; the server is stopped at the end, on
// failure too. Screenshots for humans: build/logs/chat_browser_{alice,bob}.png. The last line
// is "N passed, M failed", one per check group; the exit code is 1 when one failed.
'use strict';

const { spawn } = require('child_process');
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
const RECONNECT_MS = 20000;    // the page's backoff is 1, 2, 4 ... s
const WATCHDOG_MS = 150000;    // the whole test

let playwright;
try {
    playwright = require(path.join(ROOT, 'tests', 'interop', 'node_modules', 'playwright-core'));
} catch (e) {
    console.log('browser: playwright-core is not installed in tests/interop/node_modules (run: bash tests/setup.sh)');
    console.log('0 passed, 1 failed');
    process.exit(1);
}

// --- the chat server ------------------------------------------------------------------------

class ChatServer {
    constructor(port) {
        this.port = port;
        this.output = '';   // everything it printed, across restarts
        this.child = null;
    }

    // Starts it and waits for its "listening" line.
    start() {
        return new Promise((resolve, reject) => {
            const child = spawn(CHAT, ['--port', String(this.port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
                if (this.output.includes('chat: listening on ws://*:' + this.port)) finish();
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

    // SIGTERM (the server says goodbye with 1001), SIGKILL if it is still there after 3 s.
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

// --- page helpers ---------------------------------------------------------------------------

// The lines of a page's #log.
function logLines(page) {
    return page.$$eval('#log > div', (divs) => divs.map((d) => d.textContent));
}

// Waits until #log holds `count` lines equal to `text` (or starting with it, for prefix: true).
async function waitForLine(page, text, { prefix = false, count = 1, timeout = WAIT_MS } = {}) {
    try {
        await page.waitForFunction(({ text, prefix, count }) => {
            const lines = Array.from(document.querySelectorAll('#log > div'), (d) => d.textContent);
            return lines.filter((l) => (prefix ? l.startsWith(text) : l === text)).length >= count;
        }, { text, prefix, count }, { timeout, polling: 50 });
    } catch (e) {
        const lines = await logLines(page).catch(() => ['(page gone)']);
        throw new Error('no ' + (count > 1 ? count + ' lines ' : 'line ') + (prefix ? 'starting with ' : '') +
                        JSON.stringify(text) + ' within ' + timeout + ' ms; the log has:\n    ' + lines.join('\n    '));
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
    const started = Date.now();
    fs.mkdirSync(LOGS, { recursive: true });
    expect(fs.existsSync(CHAT), 'no chat binary at ' + CHAT + ' (build it: make -C build config=release chat)');
    const port = await freePort();
    const server = new ChatServer(port);
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickwire-chromium-'));
    let browserContext = null;   // alice's: the persistent context on the fresh profile
    let bobContext = null;       // bob's: a second, separate context
    let alice = null, bob = null;
    let aliceShot = false;
    const pageErrors = [];
    const results = [];
    let failedEarlier = null;

    const watchdog = setTimeout(() => {
        console.log('FAIL watchdog: the test did not finish in ' + WATCHDOG_MS / 1000 + ' s');
        server.killNow();
        console.log(results.filter((r) => r).length + ' passed, ' + (results.filter((r) => !r).length + 1) + ' failed');
        process.exit(1);
    }, WATCHDOG_MS);
    process.on('exit', () => server.killNow());

    // Runs one check group; after a failure the later groups (which build on it) are not run
    // and count as failed.
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

    const url = 'http://localhost:' + port + '/';
    try {
        await group('server starts and serves the page', async () => {
            await server.start();
            browserContext = await playwright.chromium.launchPersistentContext(userDataDir, {
                executablePath: CHROMIUM,
                headless: true,
                args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
                const response = await page.goto(url, { timeout: WAIT_MS });
                expect(response && response.status() === 200, 'GET ' + url + ' answered ' + (response && response.status()));
                expect((response.headers()['content-type'] || '').startsWith('text/html'),
                       'content-type ' + response.headers()['content-type']);
                expect(await page.title() === 'tickwire chat', 'title is ' + JSON.stringify(await page.title()));
                for (const id of ['#name', '#join', '#input', '#send', '#log', '#status'])
                    expect(await page.$(id), id + ' missing from the page');
                expect(await page.isDisabled('#input'), '#input is enabled before joining');
            }
        });

        await group('alice and bob join, join notices', async () => {
            await join(alice, 'alice');
            await waitForLine(alice, '* alice joined (1 online)');
            await join(bob, 'bob');
            await waitForLine(bob, '* bob joined (2 online)');
            await waitForLine(alice, '* bob joined (2 online)');
            expect(await alice.isEnabled('#input'), "alice's #input is still disabled after joining");
        });

        const hello = 'hello from alice, ünïcödé ✓';
        await group('a message reaches both tabs', async () => {
            await alice.fill('#input', hello);
            await alice.click('#send');
            await waitForLine(bob, 'alice: ' + hello);
            await waitForLine(alice, 'alice: ' + hello);
            expect(await alice.inputValue('#input') === '', "alice's #input was not cleared after sending");
            // And back, with the Enter key.
            await bob.fill('#input', 'hi alice');
            await bob.press('#input', 'Enter');
            await waitForLine(alice, 'bob: hi alice');
            await waitForLine(bob, 'bob: hi alice');
            const lines = await logLines(bob);
            expect(lines.filter((l) => l === 'alice: ' + hello).length === 1, 'bob got alice\'s message more than once');
        });

        await group('bob leaves, alice sees the leave notice', async () => {
            await bob.screenshot({ path: path.join(LOGS, 'chat_browser_bob.png') });
            await bobContext.close();
            bobContext = null;
            await waitForLine(alice, '* bob left (1 online)');
        });

        await group('the page reconnects after the server restarts', async () => {
            const how = await server.stop();
            expect(how === 0, 'chat did not exit 0 on SIGTERM (' + how + ')');
            await waitForLine(alice, '* disconnected (1001, server shutting down)', { prefix: true });
            await server.start();
            await waitForLine(alice, '* alice joined (1 online)', { count: 2, timeout: RECONNECT_MS });
            await waitForStatus(alice, 'connected as alice');
            await alice.fill('#input', 'back again');
            await alice.press('#input', 'Enter');
            await waitForLine(alice, 'alice: back again');
        });

        // For humans: the room after the restart (before the 4 KiB message fills the log).
        if (!failedEarlier) {
            await alice.screenshot({ path: path.join(LOGS, 'chat_browser_alice.png') });
            aliceShot = true;
        }

        await group('messages up to 4 KiB pass, larger ones close with 1009', async () => {
            // A raw WebSocket from alice's page (the page's own input refuses too long a text).
            const outcome = await alice.evaluate(async ({ port }) => {
                const ws = new WebSocket('ws://localhost:' + port + '/chat?name=big');
                const got = [];
                ws.onmessage = (ev) => got.push(String(ev.data));
                await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('no connection')); });
                ws.send('x'.repeat(4096));
                const deadline = Date.now() + 4000;
                while (!got.some((m) => m.startsWith('big: ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
                const closed = new Promise((res) => { ws.onclose = (ev) => res(ev.code); });
                ws.send('y'.repeat(4097));
                const code = await Promise.race([closed, new Promise((r) => setTimeout(() => r('no close in 4 s'), 4000))]);
                return { echoed: got.filter((m) => m.startsWith('big: ')).map((m) => m.length), code };
            }, { port });
            expect(outcome.echoed.length === 1 && outcome.echoed[0] === 5 + 4096,
                   'the 4096-byte message came back as ' + JSON.stringify(outcome.echoed));
            expect(outcome.code === 1009, 'the 4097-byte message closed with ' + outcome.code + ', not 1009');
            await waitForLine(alice, '* big joined (2 online)');
            await waitForLine(alice, '* big left (1 online)');
        });

        await group('the server logged joins, messages and leaves', async () => {
            for (const line of ['chat: alice joined (1 online)', 'chat: bob joined (2 online)', 'chat: alice: ' + hello,
                                'chat: bob: hi alice', 'chat: big: message too large', 'chat: bob left (1 online)',
                                'chat: shutting down, 1 online']) {
                expect(server.output.includes(line), 'the server\'s output lacks ' + JSON.stringify(line) + ':\n' + server.output);
            }
        });

        await group('no script errors in the pages', async () => {
            expect(pageErrors.length === 0, pageErrors.join('\n'));
        });
    } finally {
        if (alice && !aliceShot) await alice.screenshot({ path: path.join(LOGS, 'chat_browser_alice.png') }).catch(() => {});
        if (bobContext) await bobContext.close().catch(() => {});
        if (browserContext) await browserContext.close().catch(() => {});
        await server.stop();
        fs.rmSync(userDataDir, { recursive: true, force: true });
        clearTimeout(watchdog);
    }
    fs.writeFileSync(path.join(LOGS, 'chat_browser_server.log'), server.output);
    const passed = results.filter((r) => r).length;
    const failed = results.length - passed;
    const shots = ['chat_browser_alice.png', 'chat_browser_bob.png'].filter((f) => fs.existsSync(path.join(LOGS, f)) && fs.statSync(path.join(LOGS, f)).mtimeMs >= started);
    console.log('in ' + path.relative(process.cwd(), LOGS) + '/: ' + shots.concat(['chat_browser_server.log']).join(', '));
    console.log(passed + ' passed, ' + failed + ' failed');
    return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
    console.log('FAIL ' + (err && err.stack ? err.stack : err));
    console.log('0 passed, 1 failed');
    process.exit(1);
});
