// The three kinds of user in a real Chromium: a tourist searches the public map, a planner draws an
// area, downloads CSV and saves it for the team, an operator signs in and reaches /ops.
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { signIn, screenPoint, screenshot, watchCsp } from './helpers.mjs';

test('a tourist finds the cathedral without typing diacritics and reads its card in both languages', async ({ page }) => {
  const blocked = watchCsp(page);
  await page.goto('/');
  await expect(page.locator('#map[data-state="ready"]')).toBeVisible({ timeout: 60_000 });
  // the public map holds no camera, recorder or incident source
  const sources = await page.evaluate(() => Object.keys(window.iocMap.getStyle().sources));
  expect(sources).not.toContain('cameras');
  expect(sources).not.toContain('recorders');
  expect(sources).toContain('tourism');
  await page.fill('input[name=q]', 'nha tho duc ba');
  await page.press('input[name=q]', 'Enter');
  const first = page.locator('ul.results button.result').first();
  await expect(first).toContainText('Nhà thờ Đức Bà');
  await first.click();
  const card = page.locator('aside.details');
  await expect(card).toHaveClass(/open/);
  await expect(card.locator('.feature-title')).toHaveText('Nhà thờ Đức Bà Sài Gòn');
  await expect(card.locator('.feature-subtitle')).toHaveText('Saigon Notre-Dame Cathedral Basilica');
  await page.getByRole('button', { name: 'EN' }).click();
  await expect(card.locator('.feature-title')).toHaveText('Saigon Notre-Dame Cathedral Basilica');
  await expect(card.locator('.feature-subtitle')).toHaveText('Nhà thờ Đức Bà Sài Gòn');
  await screenshot(page, 'public-card');
  const html = await page.content();
  expect(html).not.toContain('cam-0');
  expect(html).not.toContain('rtsp://');
  expect(blocked).toEqual([]);
});

test('a phone-sized visitor gets English from Accept-Language', async ({ browser }) => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' },
  });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('input[name=q]')).toBeVisible();
  await expect(page.locator('.notices')).toContainText('Notices');
  await expect(page.locator('#map[data-state="ready"]')).toBeVisible({ timeout: 60_000 });
  await screenshot(page, 'public-phone');
  await context.close();
});

test('a planner draws a polygon around Bến Thành market and downloads CSV', async ({ page }) => {
  await signIn(page, 'planner', '/planner');
  await expect(page.locator('#map[data-state="ready"]')).toBeVisible({ timeout: 60_000 });
  await page.evaluate(() => window.iocMap.jumpTo({ center: [106.6980, 10.7725], zoom: 16 }));
  await page.click('button[name=draw]');
  const corners = [[106.6972, 10.7718], [106.6988, 10.7718], [106.6988, 10.7732], [106.6972, 10.7732]];
  for (const [lon, lat] of corners) {
    const p = await screenPoint(page, lon, lat);
    await page.mouse.click(p.x, p.y);
    await page.waitForTimeout(350); // slower than a double click
  }
  await page.click('button[name=finish]');
  const results = page.locator('.results-panel');
  await expect(results.locator('tr[data-layer="tourism"] td')).toHaveText('1');
  await expect(results.locator('table.features')).toContainText('Chợ Bến Thành');
  await expect(results.locator('.pager')).toHaveText(/Trước.*Sau/);
  await screenshot(page, 'planner-polygon');
  const downloading = page.waitForEvent('download');
  await page.click('button[name=export-csv]');
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toBe('layer,id,name_vi,name_en,kind,lon,lat,wkt');
  expect(csv).toContain('Chợ Bến Thành');

  // saved for the team: it shows in the list, and its link downloads the file it keeps
  await page.click('button[name=save-export]');
  await expect(page.locator('.saved-exports [role=status]')).toContainText('Vùng đã vẽ');
  const saved = page.locator('ul.saved-list li[data-id]').first();
  await expect(saved).toContainText('CSV');
  const count = Number((await saved.locator('a').innerText()).match(/(\d+) đối tượng/)[1]);
  const again = page.waitForEvent('download');
  await saved.locator('a').click();
  const file = await again;
  expect(file.suggestedFilename()).toMatch(/^ioc-area-drawn-\d{8}-[0-9a-f]{8}\.csv$/);
  const kept = fs.readFileSync(await file.path(), 'utf8');
  expect(kept.trim().split(/\r?\n/)).toHaveLength(count + 1);
  expect(kept).toContain('Chợ Bến Thành');
  await screenshot(page, 'planner-saved-export');
  await saved.locator('button[name=delete-export]').click();
  await expect(page.locator('ul.saved-list li[data-id]')).toHaveCount(0);
});

test('an operator signs in and reaches /ops; a planner may not', async ({ page }) => {
  await signIn(page, 'operator', '/ops');
  await expect(page.locator('#map')).toBeVisible();
  await expect(page.locator('.topbar .user-name')).toBeVisible();
  await page.click('.topbar form button[type=submit]');
  await expect(page).toHaveURL(/\/$/);
  await signIn(page, 'planner', '/planner');
  const resp = await page.goto('/ops');
  expect(resp.status()).toBe(403);
});

test('anonymous visitors are sent to sign in', async ({ page }) => {
  await page.goto('/planner');
  await expect(page).toHaveURL(/\/signin\?next=%2Fplanner|\/signin\?next=\/planner/);
  await expect(page.locator('input[name=username]')).toBeVisible();
});
