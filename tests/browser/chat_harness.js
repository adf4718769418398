// What the chat sample's browser tests share (chat_browser_test.js over ws://, chat_https_test.js
// over https:// + wss://): where things are, playwright-core, the chat server process, a free
// port, headless Chromium with alice's and bob's contexts, the page helpers, and the check-group
// runner.
//
// Environment: TW_BIN_DIR (default build/bin/release) holds the `chat` binary; CHROMIUM (default
// /usr/bin/chromium). playwright-core comes from tests/interop/node_modules (tests/setup.sh
// installs it).
'use strict';

const { spawn } = require('child_process');
const net = require('net');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN_DIR = process.env.TW_BIN_DIR || path.join(ROOT, 'build', 'bin', 'release');
const CHAT = path.join(BIN_DIR, 'chat');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LOGS = path.join(ROOT, 'build', 'logs');
const WAIT_MS = 5000;          // one expected thing to show up

// playwright-core from tests/interop/node_modules; without it the test fails right away.
function loadPlaywright() {
    try {
        return require(path.join(ROOT, 'tests', 'interop', 'node_modules', 'playwright-core'));
    } catch (e) {
        console.log('browser: playwright-core is not installed in tests/interop/node_modules (run: bash tests/setup.sh)');
        console.log('0 passed, 1 failed');
        process.exit(1);
    }
}

// --- the chat server ------------------------------------------------------------------------

class ChatServer {
    // extraArgs: after `--port PORT` (e.g. --tls-cert FILE --tls-key FILE); scheme: 'ws' or
    // 'wss', the one its "listening on SCHEME://*:PORT" line names.
    constructor(port, { extraArgs = [], scheme = 'ws' } = {}) {
        this.port = port;
        this.args = ['--port', String(port)].concat(extraArgs);
        this.listening = 'chat: listening on ' + scheme + '://*:' + port;
        this.output = '';   // everything it printed, across restarts
        this.child = null;
    }

    // Starts it and waits for its "listening" line.
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
                if (this.output.includes(this.listening)) finish();
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
    // Resolves with the exit code or signal (null when it was not running).
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

// --- the browser ----------------------------------------------------------------------------

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                       '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Headless Chromium on the fresh profile userDataDir: alice's page in the persistent context,
// bob's in a second, separate context. extraArgs go after CHROMIUM_ARGS (e.g.
// --ignore-certificate-errors). onContext(name, context) is called as soon as a context exists,
// so that the caller can close it even when a later step fails.
async function launchChromium(playwright, userDataDir, { extraArgs = [], onContext = () => {} } = {}) {
    const browserContext = await playwright.chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS.concat(extraArgs),
        viewport: { width: 800, height: 700 },
        timeout: 30000,
    });
    onContext('alice', browserContext);
    const browser = browserContext.browser();
    expect(browser, 'no Browser object for the persistent context');
    const bobContext = await browser.newContext({ viewport: { width: 800, height: 700 } });
    onContext('bob', bobContext);
    const alice = browserContext.pages()[0] || await browserContext.newPage();
    const bob = await bobContext.newPage();
    return { browserContext, bobContext, alice, bob };
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

// --- check groups ---------------------------------------------------------------------------

// Runs check groups one after another and prints PASS/FAIL for each; after a failure the later
// groups (which build on it) are not run and count as failed.
class CheckGroups {
    constructor() {
        this.results = [];          // true/false per group
        this.failedEarlier = null;  // the name of the first group that failed
    }

    async group(name, fn) {
        if (this.failedEarlier) {
            console.log('FAIL ' + name + ': not run (' + this.failedEarlier + ' failed)');
            this.results.push(false);
            return;
        }
        const t0 = Date.now();
        try {
            await fn();
            console.log('PASS ' + name + ' (' + (Date.now() - t0) + ' ms)');
            this.results.push(true);
        } catch (e) {
            console.log('FAIL ' + name + ': ' + (e && e.message ? e.message : e));
            this.results.push(false);
            this.failedEarlier = name;
        }
    }

    get passed() { return this.results.filter((r) => r).length; }
    get failed() { return this.results.length - this.passed; }

    // Kills the server and exits 1 if the whole test takes longer than ms; the returned timer is
    // for clearTimeout. Also kills the server whenever the process exits.
    watchdog(ms, server) {
        process.on('exit', () => server.killNow());
        return setTimeout(() => {
            console.log('FAIL watchdog: the test did not finish in ' + ms / 1000 + ' s');
            server.killNow();
            console.log(this.passed + ' passed, ' + (this.failed + 1) + ' failed');
            process.exit(1);
        }, ms);
    }
}

// Runs main() (which resolves with the exit code) and exits with it; an exception is one failure.
function run(main) {
    main().then((code) => process.exit(code), (err) => {
        console.log('FAIL ' + (err && err.stack ? err.stack : err));
        console.log('0 passed, 1 failed');
        process.exit(1);
    });
}

module.exports = {
    ROOT, BIN_DIR, CHAT, CHROMIUM, LOGS, WAIT_MS, CHROMIUM_ARGS,
    loadPlaywright, ChatServer, freePort, launchChromium,
    logLines, waitForLine, waitForStatus, join, expect,
    CheckGroups, run,
};
