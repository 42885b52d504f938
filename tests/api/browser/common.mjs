// What the Chromium scripts share: Debian's Chromium launched headless through playwright-core,
// and the page audit (axe-core's WCAG 2.x A/AA rules, and overflow past a 390 px phone).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
}

// axe-core run through the DevTools protocol, so the page's own Content-Security-Policy stays
// exactly what the server sent; a mobile viewport grows to fit its content, so overflow is
// measured against the phone's 390 px
export function auditor(result) {
  result.axe = result.axe ?? {};
  result.overflows = result.overflows ?? {};
  return async function audit(page, name) {
    result.axe[name] = await page.evaluate(
      axeSource +
        ";axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})" +
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length))",
    );
    result.overflows[name] = await page.evaluate(() => document.documentElement.scrollWidth > 391);
  };
}
