// Live video in Debian's Chromium: the base configuration with the video test only, its own servers
// (camsim + server, end2end/serve-video.sh) and WebRTC-friendly flags. Chromium runs with desktop
// Chrome's default autoplay policy, as a kiosk on the big screen has it: players must autoplay muted. Run it inside a network
// namespace made for the test (`unshare -n bash end2end/netns.sh npx playwright test --config
// end2end/video.config.mjs`): Chromium needs a non-loopback interface to gather WebRTC candidates, and
// nothing may leave the box.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.mjs';

const port = process.env.E2E_VIDEO_PORT || '3211';

export default defineConfig({
  ...base,
  testIgnore: undefined,
  testMatch: /video\.spec\.mjs/,
  timeout: 120_000,
  outputDir: './test-results-video',
  use: {
    ...base.use,
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      ...base.use.launchOptions,
      args: [
        ...base.use.launchOptions.args,
        // desktop Chrome's own policy, as the kiosk on the big screen has it (headless Chromium
        // would otherwise let unmuted video autoplay, and hide the defect this guards against)
        '--autoplay-policy=document-user-activation-required',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
    },
  },
  webServer: {
    ...base.webServer,
    command: 'bash end2end/serve-video.sh',
    url: `http://127.0.0.1:${port}/healthz`,
    env: { E2E_PORT: port },
  },
});
