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
// output goes to build/logs/chat_https_server.log. What it shares with chat_browser_test.js (the
// server process, the browser, the page helpers) is in chat_harness.js.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, CHAT, LOGS, WAIT_MS, loadPlaywright, ChatServer, freePort, launchChromium,
        waitForLine, join, expect, CheckGroups, run } = require('./chat_harness');

const WATCHDOG_MS = 90000;     // the whole test

const playwright = loadPlaywright();

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
    const server = new ChatServer(port, {
        extraArgs: ['--tls-cert', path.join(tlsDir, 'server.pem'), '--tls-key', path.join(tlsDir, 'server.key')],
        scheme: 'wss',
    });
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickwire-chromium-'));
    let browserContext = null, bobContext = null;
    let alice = null, bob = null;
    const pageErrors = [];
    const sockets = [];      // every WebSocket URL the pages opened
    const checks = new CheckGroups();
    const group = (name, fn) => checks.group(name, fn);
    const watchdog = checks.watchdog(WATCHDOG_MS, server);

    const url = 'https://localhost:' + port + '/';
    try {
        await group('the page is served over https with the test certificate', async () => {
            await server.start();
            ({ alice, bob } = await launchChromium(playwright, userDataDir, {
                extraArgs: ['--ignore-certificate-errors'],
                onContext: (who, context) => { if (who === 'alice') browserContext = context; else bobContext = context; },
            }));
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
    const passed = checks.passed;
    const failed = checks.failed;
    console.log(passed + ' passed, ' + failed + ' failed');
    return failed === 0 ? 0 : 1;
}

run(main);
