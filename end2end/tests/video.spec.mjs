// Live camera video in a real Chromium, inside the test's own network namespace (see
// video.config.mjs): camsim encodes the cathedral camera with ffmpeg, the server pulls it over RTSP
// and forwards H.264 over WebRTC (WHEP) to the page. Deadlines are generous: the benchmark measures.
import { test, expect } from '@playwright/test';
import { PNG } from 'pngjs';
import { signIn, screenshot, watchCsp } from './helpers.mjs';

const CONTROL = 'http://127.0.0.1:8557';
const CATHEDRAL = [106.69899, 10.77979];

/** Decoded frames and frame size of the video element's inbound stream (from getStats()). */
async function inbound(page, selector) {
  return page.evaluate(async (selector) => {
    const v = document.querySelector(selector);
    if (!v || !v.iocPeer) return { decoded: 0, width: 0, height: 0 };
    const stats = await v.iocPeer.getStats();
    let out = { decoded: 0, width: 0, height: 0 };
    stats.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        out = { decoded: r.framesDecoded || 0, width: r.frameWidth || 0, height: r.frameHeight || 0 };
      }
    });
    return out;
  }, selector);
}

/** In the page, in ms from when it starts (just before the click): the panel's peer connection made,
 *  connected, its first frame received, decoded and shown, and the player saying "live". */
async function timeline() {
  const t0 = performance.now();
  const at = {};
  while (performance.now() - t0 < 20_000 && !at.live) {
    const fig = document.querySelector('aside.details figure.player');
    if (fig && fig.dataset.state === 'live') at.live ??= Math.round(performance.now() - t0);
    const v = document.querySelector('aside.details video');
    const pc = v && v.iocPeer;
    if (pc) {
      at.peer ??= Math.round(performance.now() - t0);
      if (pc.connectionState === 'connected') at.connected ??= Math.round(performance.now() - t0);
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          if (r.framesReceived > 0) at.received ??= Math.round(performance.now() - t0);
          if (r.framesDecoded > 0) at.decoded ??= Math.round(performance.now() - t0);
        }
      });
      if (v.getVideoPlaybackQuality().totalVideoFrames > 0) at.shown ??= Math.round(performance.now() - t0);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return at;
}

async function metric(request, pattern) {
  const text = await (await request.get('/metrics')).text();
  const m = text.match(pattern);
  return m ? Number(m[1]) : 0;
}

test('an operator clicks the cathedral camera and watches it live, through an outage', async ({ page, request }) => {
  const blocked = watchCsp(page);
  await signIn(page, 'operator', '/ops');
  await expect(page.locator('#map')).toHaveAttribute('data-state', 'ready');
  await page.evaluate((c) => window.iocMap.jumpTo({ center: c, zoom: 18 }), CATHEDRAL);
  await page.waitForFunction(() => window.iocMap.loaded() &&
    window.iocMap.queryRenderedFeatures({ layers: ['cameras-points'] }).some((f) => f.id === 'cam-0001'));
  const target = await page.evaluate(() => {
    const m = window.iocMap;
    const f = m.queryRenderedFeatures({ layers: ['cameras-points'] }).find((x) => x.id === 'cam-0001');
    const p = m.project(f.geometry.coordinates);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  });
  const cold = page.evaluate(timeline);
  await page.mouse.click(target.x, target.y);
  const player = page.locator('aside.details figure.player');
  await expect(player).toHaveAttribute('data-camera', 'cam-0001');
  await expect(player).toHaveAttribute('data-state', 'live');
  console.log(`click to live video, cold pull (ffmpeg starts), ms: ${JSON.stringify(await cold)}`);
  await expect.poll(async () => (await inbound(page, 'aside.details video')).decoded).toBeGreaterThan(30);
  const first = await inbound(page, 'aside.details video');
  expect([first.width, first.height]).toEqual([640, 360]);
  await screenshot(page, 'video-live-panel');

  // a second viewer (the video wall in another tab): still one RTSP pull, two viewers
  const wall = await page.context().newPage();
  await wall.goto('/wall?size=2&cams=cam-0001');
  await expect(wall.locator('figure.player[data-camera="cam-0001"]')).toHaveAttribute('data-state', 'live');
  await expect.poll(() => metric(request, /^ioc_video_viewers\{camera="cam-0001"\} (\d+)$/m)).toBe(2);
  expect(await metric(request, /^ioc_video_active_pulls (\d+)$/m)).toBe(1);
  const sim = await (await request.get(`${CONTROL}/stats`)).json();
  expect(sim.cameras.find((c) => c.id === 'cam-0001').sessions).toBe(1);
  await screenshot(wall, 'video-wall');
  await wall.close();

  // again, as for a camera that is already streaming (a real camera, or this one within its grace
  // period): close the panel and click the hotspot once more
  await page.locator('aside.details .close').click();
  await expect(player).toHaveCount(0);
  const warm = page.evaluate(timeline);
  await page.mouse.click(target.x, target.y);
  await expect(player).toHaveAttribute('data-state', 'live');
  console.log(`click to live video, camera already pulled, ms: ${JSON.stringify(await warm)}`);

  // the camera fails in camsim: the panel says offline and /ops lists it
  expect((await request.post(`${CONTROL}/cameras/cam-0001/stop`)).status()).toBe(204);
  await expect(player).toHaveAttribute('data-state', 'offline');
  await expect(page.locator('.offline-cameras')).toContainText('cam-0001');
  await screenshot(page, 'video-offline');

  // it comes back: the same panel plays again
  expect((await request.post(`${CONTROL}/cameras/cam-0001/start`)).status()).toBe(204);
  await expect(player).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  const resumed = (await inbound(page, 'aside.details video')).decoded;
  await expect.poll(async () => (await inbound(page, 'aside.details video')).decoded).toBeGreaterThan(resumed + 15);
  await expect(page.locator('.offline-cameras')).not.toContainText('cam-0001');

  // closing the panel ends the session (and the pull, after its grace period)
  await page.locator('aside.details .close').click();
  await expect.poll(() => metric(request, /^ioc_video_viewers\{camera="cam-0001"\} (\d+)$/m)).toBe(0);
  // the player (WHEP fetch, RTCPeerConnection, <video>) works under the page's CSP
  expect(blocked).toEqual([]);
});

/** A screenshot over the raw DevTools protocol. Playwright's own page calls (evaluate, locators,
 *  page.screenshot) run with a simulated user gesture, which would let any video autoplay and hide
 *  the very defect this test is about: a kiosk has no gesture at all. */
async function rawShot(cdp) {
  const { data } = await cdp.send('Page.captureScreenshot', { format: 'png' });
  return PNG.sync.read(Buffer.from(data, 'base64'));
}

/** Share of a box's pixels that changed between two shots, and the box's mean brightness in the second. */
function compare(a, b, box) {
  let changed = 0, total = 0, light = 0;
  for (let y = Math.floor(box.y); y < box.y + box.height; y += 2) {
    for (let x = Math.floor(box.x); x < box.x + box.width; x += 2) {
      const i = (y * a.width + x) * 4;
      const d = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
      changed += d > 40 ? 1 : 0;
      light += (b.data[i] + b.data[i + 1] + b.data[i + 2]) / 3;
      total += 1;
    }
  }
  return { changed: changed / total, brightness: light / total };
}

test('the landmark wall plays unattended, opened as a kiosk opens it', async ({ page, browser }) => {
  const signIn = { data: { username: 'operator', password: 'operator-demo-2026' } };
  // where the tiles are, measured on another page (whatever Playwright does there stays there)
  const probe = await browser.newPage({ viewport: page.viewportSize() });
  expect((await probe.request.post('/api/session', signIn)).status()).toBe(200);
  await probe.goto('/wall');
  await expect(probe.locator('figure.player video')).toHaveCount(7); // the seven landmark cameras
  const boxes = [];
  for (const v of await probe.locator('figure.player video').all()) boxes.push(await v.boundingBox());
  await probe.close();

  // the kiosk: a session cookie, the page opened, nobody touches it and no script is run in it
  expect((await page.request.post('/api/session', signIn)).status()).toBe(200);
  const cdp = await page.context().newCDPSession(page);
  await page.goto('/wall');
  let verdict = [];
  const deadline = Date.now() + 60_000;
  let before = await rawShot(cdp);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await rawShot(cdp);
    verdict = boxes.map((box) => compare(before, after, box));
    before = after;
    // every tile shows moving pictures: the clock, the frame counter and the pattern change
    if (verdict.every((v) => v.changed > 0.01 && v.brightness > 40)) break;
  }
  console.log(`wall tiles (share of pixels changed in 1.5 s, brightness): ${JSON.stringify(verdict.map((v) => [+v.changed.toFixed(3), Math.round(v.brightness)]))}`);
  for (const [i, v] of verdict.entries()) {
    expect(v.changed, `tile ${i + 1}: frames are presented`).toBeGreaterThan(0.01);
    expect(v.brightness, `tile ${i + 1}: not black`).toBeGreaterThan(40);
  }
  // only now look inside the page: every badge says live
  const states = await page.locator('figure.player').evaluateAll((els) => els.map((e) => e.dataset.state));
  expect(states).toEqual(Array(7).fill('live'));
  await screenshot(page, 'video-wall-landmarks');
});
