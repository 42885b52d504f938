// Drives real headless Chromium (Debian's /usr/bin/chromium) through the public pages with
// Playwright's core: search the register, open an emission, switch language, keep a screenshot.
// Usage: node register.mjs BASE_URL SCREENSHOT_DIR QUERY
import { chromium } from "playwright-core";

const [base, shots, query] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
const result = {};
try {
  // a phone-sized viewport: the pages must be readable without horizontal scrolling
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  // every Content-Security-Policy violation on every page visited (the pages must work under
  // the strict policy the server sends), from the DOM event and from the console
  result.cspViolations = [];
  await page.exposeFunction("reportViolation", (v) => result.cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) result.cspViolations.push(message.text());
  });
  const first = await page.goto(`${base}/?lang=en`);
  result.csp = first.headers()["content-security-policy"];
  result.title = await page.title();
  await page.fill("input[name=q]", query);
  await Promise.all([page.waitForNavigation(), page.click("form.search button[type=submit]")]);
  result.rows = await page.locator("table.register tbody tr").count();
  result.firstKey = (await page.locator("a.key").first().textContent()).trim();
  result.registerOverflows = await page.evaluate(
    () => document.documentElement.scrollWidth > window.innerWidth + 1,
  );
  await page.screenshot({ path: `${shots}/register-search.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.locator("a.key").first().click()]);
  result.key = (await page.textContent("#emission-key")).trim();
  result.statusEn = (await page.textContent("#emission-status")).trim();
  result.timeline = await page.locator("#timeline li").count();
  result.findings = (await page.textContent("#findings")).trim();
  result.findingRows = await page.locator("#findings tbody tr").count();
  result.lastRun = (await page.textContent("#last-run")).trim();
  await Promise.all([page.waitForNavigation(), page.click("a[data-lang=ru]")]);
  result.lang = await page.getAttribute("html", "lang");
  result.statusRu = (await page.textContent("#emission-status")).trim();
  result.findingsRu = (await page.textContent("#findings")).trim();
  result.emissionOverflows = await page.evaluate(
    () => document.documentElement.scrollWidth > window.innerWidth + 1,
  );
  await page.screenshot({ path: `${shots}/emission-ru.png`, fullPage: true });
  // the language choice is remembered (cookie) on the next page
  await Promise.all([page.waitForNavigation(), page.click("nav a[href='/']")]);
  result.langAfter = await page.getAttribute("html", "lang");
  await Promise.all([page.waitForNavigation(), page.click("nav a[href='/checkpoints']")]);
  result.checkpointHeading = (await page.textContent("h1")).trim();
  await page.screenshot({ path: `${shots}/checkpoints-ru.png`, fullPage: true });
  // the register of miners (Law art. 14-15), in Russian, and one miner's page
  await Promise.all([page.waitForNavigation(), page.click("nav a[href='/miners']")]);
  result.minersHeading = (await page.textContent("h1")).trim();
  result.minerRows = await page.locator("table.register").first().locator("tbody tr").count();
  await Promise.all([
    page.waitForNavigation(),
    page.locator("table.register").first().locator("tbody tr a").first().click(),
  ]);
  result.minerHeading = (await page.textContent("h1")).trim();
  result.minerOverflows = await page.evaluate(
    () => document.documentElement.scrollWidth > window.innerWidth + 1,
  );
  await page.screenshot({ path: `${shots}/miner-ru.png`, fullPage: true });
  // the register of service providers (Law art. 30.6), and one licence
  await Promise.all([page.waitForNavigation(), page.click("nav a[href='/licences']")]);
  result.licencesHeading = (await page.textContent("h1")).trim();
  await Promise.all([
    page.waitForNavigation(),
    page.locator("table.register tbody tr a").first().click(),
  ]);
  result.licenceHeading = (await page.textContent("h1")).trim();
  result.licenceOverflows = await page.evaluate(
    () => document.documentElement.scrollWidth > window.innerWidth + 1,
  );
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
