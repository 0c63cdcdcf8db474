// Shared steps of the browser tests.
import { expect } from '@playwright/test';

/** Demo accounts that the test server creates (IOC_DEMO_USERS=1). */
export const USERS = {
  operator: 'operator-demo-2026',
  planner: 'planner-demo-2026',
};

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
