// Two signed-in operators on /ops: A reports an incident by clicking the map; B sees the marker and
// the list entry at once; A acknowledges it and B sees the new status. Deadlines are generous: latency
// is measured by the benchmark, not here.
import { test, expect } from '@playwright/test';
import { signIn, screenPoint, screenshot } from './helpers.mjs';

async function openOps(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'operator', '/ops');
  await expect(page.locator('#map[data-state="ready"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.live-badge')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  return page;
}

test('an incident reported by one operator reaches another at once, and so does its status', async ({ browser }) => {
  const a = await openOps(browser);
  const b = await openOps(browser);
  await a.click('button[name=report]');
  // by Bến Thành market (away from the hotspots other tests click)
  const p = await screenPoint(a, 106.6975, 10.7738);
  await a.mouse.click(p.x, p.y);
  await a.selectOption('select[name=kind]', 'fire');
  await a.selectOption('select[name=severity]', '4');
  await a.fill('textarea[name=description]', 'Cháy thử nghiệm');
  await a.click('.report-form button[type=submit]');
  const ok = a.locator('.report .form-ok');
  await expect(ok).toContainText('inc-');
  const id = (await ok.textContent()).match(/inc-\d+/)[0];

  const entry = b.locator(`.incident-list li[data-id="${id}"]`);
  await expect(entry).toBeVisible({ timeout: 20_000 });
  await expect(entry).toHaveAttribute('data-status', 'new');
  await expect(b.locator('.toast')).toContainText(id);
  await expect.poll(() => b.evaluate((id) => window.iocMap.queryRenderedFeatures({ layers: ['incidents-points'] })
    .some((f) => f.properties.id === id), id), { timeout: 20_000 }).toBe(true);

  await a.click(`.incident-list li[data-id="${id}"] button`);
  await a.click('.incident-actions button[name=acknowledged]');
  await expect(entry).toHaveAttribute('data-status', 'acknowledged', { timeout: 20_000 });
  await screenshot(b, 'ops-live');
});
