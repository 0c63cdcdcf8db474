// Browser tests in Debian's Chromium (never a downloaded browser), against the server built by
// `cargo leptos build` and a fresh database created for this run.
import { defineConfig } from '@playwright/test';

const port = process.env.E2E_PORT || '3210';
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  // the video tests need a network namespace of their own: video.config.mjs
  testIgnore: /video\.spec\.mjs/,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL,
    viewport: { width: 1400, height: 900 },
    // The district's operators and planners work in Vietnamese (the pages follow Accept-Language).
    locale: 'vi-VN',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'bash end2end/serve-fresh.sh',
    cwd: '..',
    url: `${baseURL}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: { E2E_PORT: port },
  },
});
