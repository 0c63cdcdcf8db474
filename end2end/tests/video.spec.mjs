// Live camera video in a real Chromium, inside the test's own network namespace (see
// video.config.mjs): camsim encodes the cathedral camera with ffmpeg, the server pulls it over RTSP
// and forwards H.264 over WebRTC (WHEP) to the page. Deadlines are generous: the benchmark measures.
import { test, expect } from '@playwright/test';
import { signIn, screenshot } from './helpers.mjs';

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
});

/** Per tile of the page: its camera, badge, whether it plays, its media time and presented frames. */
async function tiles(page) {
  return page.evaluate(() => [...document.querySelectorAll('figure.player')].map((fig) => {
    const v = fig.querySelector('video');
    return {
      camera: fig.dataset.camera,
      state: fig.dataset.state,
      playing: !!v && !v.paused,
      time: v ? v.currentTime : 0,
      frames: v ? v.getVideoPlaybackQuality().totalVideoFrames : 0,
    };
  }));
}

test('the landmark wall plays unattended, opened as a kiosk opens it', async ({ page }) => {
  // signed in without touching the page (a kiosk has a session cookie, nobody clicks)
  const signed = await page.request.post('/api/session', { data: { username: 'operator', password: 'operator-demo-2026' } });
  expect(signed.status()).toBe(200);
  await page.goto('/wall');
  const players = page.locator('figure.player');
  await expect(players).toHaveCount(7); // the seven long-range landmark cameras
  await expect.poll(async () => (await tiles(page)).every((t) => t.playing && t.state === 'live'), { timeout: 60_000 }).toBe(true);
  const before = await tiles(page);
  await page.waitForTimeout(2_000);
  const after = await tiles(page);
  for (const [i, t] of after.entries()) {
    expect(t.camera).toBe(before[i].camera);
    expect(t.playing, `${t.camera} plays`).toBe(true);
    expect(t.time, `${t.camera}: its media time advances`).toBeGreaterThan(before[i].time + 1);
    expect(t.frames, `${t.camera}: frames are presented`).toBeGreaterThan(before[i].frames + 10);
    expect(t.state).toBe('live');
  }
  await screenshot(page, 'video-wall-landmarks');
});
