// Boundaries with dates (issue #13) as a planner sees them: today's four wards by default; a day in
// 2024 lists and draws the ten wards of then, and a ward of then is answered with its own area.
import { test, expect } from '@playwright/test';
import { signIn } from './helpers.mjs';

async function wardOptions(page) {
  return page.locator('select[name=ward] option:not([value=""])').allTextContents();
}

async function drawnWards(page) {
  return page.evaluate(() => new Set(window.iocMap.queryRenderedFeatures({ layers: ['wards-fill'] })
    .map((f) => f.properties.code)).size);
}

test('the planner answers with the wards of the day asked', async ({ page }) => {
  await signIn(page, 'planner', '/planner');
  await expect(page.locator('#map')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect.poll(() => wardOptions(page), { timeout: 30_000 }).toHaveLength(4);
  expect(await wardOptions(page)).toContain('Phường Sài Gòn');
  await expect.poll(() => drawnWards(page), { timeout: 30_000 }).toBe(4);

  await page.fill('input[name=on]', '2024-06-01');
  await page.locator('input[name=on]').dispatchEvent('change');
  await expect.poll(() => wardOptions(page), { timeout: 30_000 }).toHaveLength(10);
  expect(await wardOptions(page)).toContain('Phường Đa Kao');
  await expect.poll(() => drawnWards(page), { timeout: 30_000 }).toBe(10);

  await page.selectOption('select[name=ward]', '26737');
  await expect(page.locator('.results-panel .area-title')).toContainText('Phường Đa Kao');
  await expect(page.locator('.results-panel .boundaries-on')).toContainText('2024-06-01');
});
