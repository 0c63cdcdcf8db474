// The operator's map at /ops, in a real Chromium: it loads, draws cameras, toggles layers and opens the
// details of a clicked camera.
import { test, expect } from '@playwright/test';
import { signIn, watchCsp } from './helpers.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Screenshots land in end2end/screenshots/ for a person to look at.
const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

/** Waits until MapLibre has loaded and drawn everything ("idle" sets data-state=ready). */
async function openMap(page) {
  await signIn(page, 'operator', '/ops');
  const started = Date.now();
  await page.goto('/ops');
  await expect(page.locator('#map[data-state="ready"]')).toBeVisible({ timeout: 60_000 });
  return Date.now() - started;
}

test('the ops map draws District 1 with clustered camera hotspots', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const blocked = watchCsp(page);
  const ms = await openMap(page);
  console.log(`navigation to rendered map: ${ms} ms`);
  const counts = await page.evaluate(() => {
    const m = window.iocMap;
    const count = (layer) => m.queryRenderedFeatures({ layers: [layer] }).length;
    return {
      wards: new Set(m.queryRenderedFeatures({ layers: ['wards-fill'] }).map((f) => f.properties.code)).size,
      clusters: count('cameras-clusters'),
      clusteredCameras: m.queryRenderedFeatures({ layers: ['cameras-clusters'] })
        .reduce((n, f) => n + f.properties.point_count, 0),
      cameraPoints: count('cameras-points'),
      streets: count('streets-line'),
    };
  });
  expect(counts.wards).toBe(4); // the wards of today (ten until 30 June 2025)
  expect(counts.streets).toBeGreaterThan(20);
  // at district zoom the 1,132 cameras are drawn as clusters (plus a few lone hotspots)
  expect(counts.clusters).toBeGreaterThan(3);
  expect(counts.clusteredCameras + counts.cameraPoints).toBe(1132);
  // labels come from the shipped glyphs: no glyph request failed
  expect(errors).toEqual([]);
  // the page's CSP (nonce for the hydration script, wasm, MapLibre's blob workers) blocked nothing
  expect(blocked).toEqual([]);
  await expect(page.locator('.map-status.error')).toHaveCount(0);
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'ops-district.png') });
});

test('a layer switch hides and shows its layer', async ({ page }) => {
  await openMap(page);
  const visibility = () => page.evaluate(() => window.iocMap.getLayoutProperty('cameras-clusters', 'visibility') || 'visible');
  const drawn = () => page.evaluate(() => window.iocMap.queryRenderedFeatures({ layers: ['cameras-clusters'] }).length);
  expect(await drawn()).toBeGreaterThan(0);
  await page.locator('input[data-layer="cameras"]').uncheck();
  await expect.poll(visibility).toBe('none');
  await expect.poll(drawn).toBe(0);
  await page.locator('input[data-layer="cameras"]').check();
  await expect.poll(drawn).toBeGreaterThan(0);
});

test('clicking the cathedral camera hotspot opens its details', async ({ page }) => {
  await openMap(page);
  // Zoom to street level at the cathedral, where cameras are drawn one by one.
  await page.evaluate(() => window.iocMap.jumpTo({ center: [106.69899, 10.77979], zoom: 18 }));
  await expect(page.locator('#map')).toHaveAttribute('data-state', 'ready');
  await page.waitForFunction(() => window.iocMap.loaded() &&
    window.iocMap.queryRenderedFeatures({ layers: ['cameras-points'] }).some((f) => f.properties.kind === 'long_range'));
  const target = await page.evaluate(() => {
    const m = window.iocMap;
    const f = m.queryRenderedFeatures({ layers: ['cameras-points'] })
      .find((x) => x.properties.name_en === 'Long-range camera, Notre-Dame Cathedral');
    const p = m.project(f.geometry.coordinates);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y, id: f.id };
  });
  await page.mouse.click(target.x, target.y);
  const panel = page.locator('aside.details');
  await expect(panel).toHaveClass(/open/);
  await expect(panel.locator('.feature-title')).toHaveText('Camera tầm xa Nhà thờ Đức Bà');
  await expect(panel).toContainText('Tầm xa');
  await expect(panel).toContainText(target.id);
  // English on demand
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(panel.locator('.feature-title')).toHaveText('Long-range camera, Notre-Dame Cathedral');
  await expect(panel).toContainText('Long-range');
  // the stream URL never reaches the browser
  expect(await page.content()).not.toContain('rtsp://');
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'ops-camera-panel.png') });
});
