// Every page against WCAG 2.2 AA with axe-core (@axe-core/playwright), as the person who uses it:
// the public map (desktop and phone), sign-in, the operators' map and video wall, the planner,
// the account page and the admin's users. A violation fails the test with its rule, its impact and
// the elements it names.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from './helpers.mjs';

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The page's violations, one line each, for a readable failure. */
async function violations(page) {
  const result = await new AxeBuilder({ page })
    .withTags(WCAG)
    // the map's canvas is drawn by WebGL: axe cannot read colours inside it
    .exclude('.maplibregl-canvas')
    .analyze();
  return result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

async function ready(page) {
  // hydrated and, where there is a map, drawn
  await page.waitForLoadState('networkidle').catch(() => {});
  const map = page.locator('#map');
  if (await map.count()) await expect(map).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

const PAGES = [
  { name: 'the public map', path: '/' },
  { name: 'sign-in', path: '/signin' },
  { name: 'the operators\' map', path: '/ops', user: 'operator' },
  { name: 'the video wall', path: '/wall', user: 'operator' },
  { name: 'the planner', path: '/planner', user: 'planner' },
  { name: 'the account page', path: '/account', user: 'planner' },
  { name: 'the users page', path: '/admin/users', user: 'admin' },
];

for (const p of PAGES) {
  test(`${p.name} (${p.path}) meets WCAG 2.2 AA`, async ({ page }) => {
    if (p.user) await signIn(page, p.user, p.path);
    else await page.goto(p.path);
    await ready(page);
    expect(await violations(page)).toEqual([]);
  });
}

test('the public map on a phone meets WCAG 2.2 AA', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('/');
  await ready(page);
  expect(await violations(page)).toEqual([]);
  await context.close();
});

test('the planner with a ward\'s results and a saved export meets WCAG 2.2 AA', async ({ page }) => {
  await signIn(page, 'planner', '/planner');
  await ready(page);
  await page.selectOption('select[name=ward]', '26743');
  await expect(page.locator('.results-panel table.features')).toBeVisible();
  await page.click('button[name=save-export]');
  const saved = page.locator('ul.saved-list li[data-id]').first();
  await expect(saved).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await saved.locator('button[name=delete-export]').click();
  await expect(page.locator('ul.saved-list li[data-id]')).toHaveCount(0);
});
