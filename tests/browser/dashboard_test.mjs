// evchargerd's web UI in a real headless Chromium (Debian's /usr/bin/chromium), driven by puppeteer-core, against
// evchargerd + `evhil sim alfen` + `evhil sim gx` started by tests/cli/evchargerd_web_browser_test.sh:
//
//   the page loads with no console errors; the graph draws live points; the slider, Stop/Start and the mode reach
//   the simulated station (its register 1210 read with mbpoll, the Venus /Mode read with busctl); a bad value on the
//   configuration page shows its error at its field; the charger's "disconnected" badge appears when the simulator
//   stops, and the daemon's "connection lost" banner when evchargerd stops. Screenshots go to OUT (and DOCS).
//
// node dashboard_test.mjs URL ALFEN_PORT SIM_PID DAEMON_PID BUS_ADDRESS OUT [DOCS]

import {execFileSync} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import puppeteer from 'puppeteer-core';

const [url, alfenPort, simPid, daemonPid, busAddress, out, docs] = process.argv.slice(2);
mkdirSync(out, {recursive: true});
const consoleErrors = [];
let failures = 0;

function ok(what) {
  console.log('ok   ' + what);
}

function fail(what) {
  console.log('FAIL: ' + what);
  failures += 1;
}

// The simulator's socket setpoint, as tests/cli/daemon_test_helpers.sh reads it: an independent Modbus master.
function setpoint() {
  const text = execFileSync('mbpoll', ['-m', 'tcp', '-0', '-1', '-q', '-o', '1', '-p', alfenPort, '-a', '1', '-r',
    '1210', '-t', '4:float', '-B', '127.0.0.1'], {encoding: 'utf8'});
  const match = text.match(/\]:\s+([-0-9.]+)/);
  return match ? Number(match[1]) : NaN;
}

function venusMode() {
  const text = execFileSync('busctl', ['--address=' + busAddress, 'call', 'com.victronenergy.evcharger.alfen', '/Mode',
    'com.victronenergy.BusItem', 'GetValue'], {encoding: 'utf8'});
  return text.trim();
}

async function until(what, check, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last === true) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`${what} (last: ${JSON.stringify(last)})`);
  return false;
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({path: `${out}/${name}.png`, fullPage});
  if (docs) {
    await page.screenshot({path: `${docs}/${name}.png`, fullPage});
  }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Root in CI has no user namespace sandbox; the page is our own, on loopback.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1100, height: 900});
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));

  await page.goto(url, {waitUntil: 'load'});
  await page.waitForSelector('.charger .link-state', {timeout: 10000});
  if (await until('the charger shows connected', () =>
    page.$eval('.charger .link-state', (e) => e.textContent === 'connected' || e.textContent))) {
    ok('the dashboard loads and shows the charger connected');
  }

  const points = () => page.$eval('.charger svg.graph', (svg) => Number(svg.dataset.points || 0));
  const first = await points();
  await until('the graph draws new points', async () => (await points()) >= first + 2 || await points());
  const lines = await page.$$eval('.charger svg.graph polyline', (all) => all.map((l) => l.getAttribute('class')));
  if (lines.includes('actual') && lines.includes('allowed')) {
    ok(`the graph is live: ${await points()} points, lines ${lines.join(', ')}`);
  } else {
    fail('the graph has lines ' + lines.join(', '));
  }

  // The slider, as a user moves it with the keyboard: Home goes to its lowest (6 A), four steps right to 8 A.
  await page.focus('.charger input.current');
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  if (await until('the slider reaches the simulator at 8 A', () => setpoint() === 8 || setpoint())) {
    ok('moving the slider to 8 A sets the simulated station to 8 A');
  }
  await page.evaluate(() => document.activeElement.blur());

  await page.click('.charger .startstop');
  if (await until('Stop reaches the simulator', () => setpoint() === 0 || setpoint()) &&
      await until('the button says Start', () => page.$eval('.charger .startstop', (b) => b.textContent === 'Start'))) {
    ok('Stop sets the simulated station to 0 A');
  }
  await page.click('.charger .startstop');
  if (await until('Start reaches the simulator', () => setpoint() === 8 || setpoint())) {
    ok('Start brings back 8 A');
  }

  await page.click('.charger .modes button[data-mode="1"]');
  if (await until('Auto is the active mode', () =>
    page.$eval('.charger .modes button[data-mode="1"]', (b) => b.classList.contains('active'))) &&
      await until('the Venus /Mode reads 1', () => venusMode() === 'v i 1' || venusMode())) {
    ok('the Auto button sets the mode on the station (Venus /Mode 1)');
  }
  await page.click('.charger .modes button[data-mode="0"]');
  await until('the Venus /Mode reads 0', () => venusMode() === 'v i 0' || venusMode());
  await until('Manual is the active mode', () =>
    page.$eval('.charger .modes button[data-mode="0"]', (b) => b.classList.contains('active')));
  // A few seconds back at 8 A, so that the screenshot's graph shows the steps this test made.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  await shot(page, 'web-dashboard');
  // The same on a phone: one column, nothing wider than the screen.
  await page.setViewport({width: 390, height: 844, isMobile: true, hasTouch: true});
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) {
    fail(`on a 390 px phone the page is ${overflow} px wider than the screen`);
  }
  await shot(page, 'web-phone', false);
  await page.setViewport({width: 1100, height: 900});
  ok('dashboard screenshots taken, on a desktop and on a 390 px phone (no horizontal scrolling)');
  if (consoleErrors.length) {
    fail('console errors on the dashboard: ' + consoleErrors.join(' | '));
  } else {
    ok('the dashboard ran with no console errors');
  }
  consoleErrors.length = 0;

  // The configuration page: a bad duration is refused with the loader's message at its field.
  await page.goto(url + '#config', {waitUntil: 'load'});
  const field = '#config-form [data-path="log.status_interval"] input';
  await page.waitForSelector(field, {timeout: 10000});
  await page.$eval(field, (input) => { input.value = 'banana'; });
  await page.click('#config-save');
  await page.waitForSelector('[data-path="log.status_interval"] .field-error', {timeout: 5000});
  const error = await page.$eval('[data-path="log.status_interval"] .field-error', (e) => e.textContent);
  if (error.includes('banana') || error.includes('duration')) {
    ok('a bad value on the configuration page shows its error at the field: ' + error);
  } else {
    fail('the field error says ' + error);
  }
  await shot(page, 'web-config', false);  // the view around the error, not the whole long form

  // The charger goes away: its badge says so.
  await page.goto(url, {waitUntil: 'load'});
  await page.waitForSelector('.charger .link-state');
  process.kill(Number(simPid), 'SIGTERM');
  if (await until('the charger shows disconnected', () =>
    page.$eval('.charger .link-state', (e) => e.classList.contains('lost') || e.textContent), 15000)) {
    ok('the disconnected indicator appears when the simulator stops');
  }
  await shot(page, 'web-charger-lost');

  process.kill(Number(daemonPid), 'SIGTERM');
  if (await until('the daemon banner shows', () => page.$eval('#daemon-lost', (e) => !e.hidden), 10000)) {
    ok('the connection-lost banner appears when evchargerd stops');
  }

  // The 422 of the bad configuration and the refused connections after the daemon stopped are the browser's
  // network messages; anything else is a script error.
  const unexpected = consoleErrors.filter((text) => !/Failed to load resource|net::ERR/.test(text));
  if (unexpected.length) {
    fail('console errors: ' + unexpected.join(' | '));
  } else {
    ok(`no script errors (${consoleErrors.length} network messages from the 422 and the stopped daemon)`);
  }
} catch (error) {
  fail(String(error && error.stack || error));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
