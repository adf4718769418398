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
// What it shares with chat_https_test.js (the server process, the browser, the page helpers) is
// in chat_harness.js.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { CHAT, LOGS, WAIT_MS, loadPlaywright, ChatServer, freePort, launchChromium,
        logLines, waitForLine, waitForStatus, join, expect, CheckGroups, run } = require('./chat_harness');

const RECONNECT_MS = 20000;    // the page's backoff is 1, 2, 4 ... s
const WATCHDOG_MS = 150000;    // the whole test

const playwright = loadPlaywright();

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
    const checks = new CheckGroups();
    const group = (name, fn) => checks.group(name, fn);
    const watchdog = checks.watchdog(WATCHDOG_MS, server);

    const url = 'http://localhost:' + port + '/';
    try {
        await group('server starts and serves the page', async () => {
            await server.start();
            ({ alice, bob } = await launchChromium(playwright, userDataDir, {
                onContext: (who, context) => { if (who === 'alice') browserContext = context; else bobContext = context; },
            }));
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
        if (!checks.failedEarlier) {
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
    const passed = checks.passed;
    const failed = checks.failed;
    const shots = ['chat_browser_alice.png', 'chat_browser_bob.png'].filter((f) => fs.existsSync(path.join(LOGS, f)) && fs.statSync(path.join(LOGS, f)).mtimeMs >= started);
    console.log('in ' + path.relative(process.cwd(), LOGS) + '/: ' + shots.concat(['chat_browser_server.log']).join(', '));
    console.log(passed + ' passed, ' + failed + ' failed');
    return failed === 0 ? 0 : 1;
}

run(main);
