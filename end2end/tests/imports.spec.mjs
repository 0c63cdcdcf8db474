// Layers from files (issue #13) as an admin and a tourist meet them: the admin picks a CSV, reads its
// preview, names a public layer and imports it; the page meets WCAG 2.2 AA; the tourist's map lists
// the layer and draws its points.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from './helpers.mjs';

const CSV = 'code,name,lon,lat\nW1,Điểm nước 1,106.69802,10.77252\nW2,Điểm nước 2,106.69899,10.77979\nW3,Điểm nước 3,106.70472,10.78806\n';

test('an admin imports a CSV as a public layer and the tourist map draws it', async ({ page, browser }) => {
  await signIn(page, 'admin', '/admin/imports');
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.setInputFiles('input[name=file]', { name: 'water-points.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await expect(page.locator('.import-preview table.first-rows tbody tr')).toHaveCount(3);
  await expect(page.locator('.import-preview')).toContainText('lon/lat');
  await page.fill('input[name=layer]', 'water-points');
  await page.fill('input[name=title_vi]', 'Điểm cấp nước');
  await page.fill('input[name=title_en]', 'Water points');
  await page.selectOption('select[name=access]', 'public');
  await page.selectOption('select[name=id_field]', 'code');
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await page.click('button[name=import]');
  await expect(page.locator('p.form-ok')).toContainText('water-points');
  await expect(page.locator('table.layers tr[data-layer="water-points"]')).toContainText('3');

  const tourist = await browser.newPage();
  await tourist.goto('/');
  await expect(tourist.locator('#map')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(tourist.locator('input[name="imported-water-points"]')).toBeVisible();
  await expect.poll(() => tourist.evaluate(() =>
    window.iocMap.queryRenderedFeatures({ layers: ['imported-water-points-points'] }).length), { timeout: 30_000 }).toBe(3);
  await tourist.close();
});
