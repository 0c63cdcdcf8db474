// Shared steps of the browser tests.
import { expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Screenshots land in end2end/screenshots/ for a person to look at. */
export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Demo accounts that the test server creates (IOC_DEMO_USERS=1), and its admin (serve-fresh.sh). */
export const USERS = {
  operator: 'operator-demo-2026',
  planner: 'planner-demo-2026',
  admin: 'admin-e2e-password',
};

/**
 * Collects what the page's Content Security Policy blocked (Chromium reports each on the console
 * and as a `securitypolicyviolation` event): the app, MapLibre and the player must need nothing it
 * forbids.
 */
export function watchCsp(page) {
  const blocked = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  return blocked;
}

/** Signs in through the sign-in page, as a person would, and lands on `next`. */
export async function signIn(page, username, next) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', USERS[username]);
  await page.click('button[type=submit].primary');
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

/** Screen position of a lon/lat on the live map. */
export async function screenPoint(page, lon, lat) {
  return page.evaluate(([lon, lat]) => {
    const m = window.iocMap;
    const p = m.project([lon, lat]);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
}
