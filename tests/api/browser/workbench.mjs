// Drives real headless Chromium through the registry office's workbench: sign in with a personal
// token, read the inbox, refuse (and see the rule next to its field), register with a document
// hashed in the browser, cancel; the burned-supply view (publish its CSV's digest), findings
// triage (resolve with a note) and node health; axe-core checks every page; screenshots in three
// languages. Usage: node workbench.mjs BASE_URL SCREENSHOT_DIR TOKEN RECORD_KEY BURNED_KEY
import { auditor, launch } from "./common.mjs";

const [base, shots, token, key, burnedKey] = process.argv.slice(2);
const browser = await launch();
const result = { cspViolations: [], axe: {}, overflows: {}, pageErrors: [], requests: [] };

const audit = auditor(result);

try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  await page.exposeFunction("reportViolation", (v) => result.cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on("pageerror", (e) => result.pageErrors.push(String(e)));
  page.on("response", (r) => {
    if (r.url().includes("/v1/")) result.requests.push(`${r.request().method()} ${r.url()} ${r.status()}`);
  });
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) result.cspViolations.push(m.text());
  });

  const first = await page.goto(`${base}/workbench?lang=en`);
  result.csp = first.headers()["content-security-policy"];
  await audit(page, "signin");
  await page.fill("#token", "tmg_000000000000_not-a-token-at-all-000000000000000000");
  await page.click("#signin button[type=submit]");
  await page.waitForFunction(() => document.getElementById("signin-error").textContent !== "");
  result.badSignIn = (await page.textContent("#signin-error")).trim();
  await page.fill("#token", token);
  await Promise.all([page.waitForNavigation(), page.click("#signin button[type=submit]")]);
  result.staff = (await page.textContent("#staff-name")).trim();
  result.cookies = (await context.cookies()).map((c) => ({
    name: c.name,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite,
  }));
  result.inboxHasKey = (await page.locator(`tr[data-key="${key}"]`).count()) > 0;
  await audit(page, "inbox");
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-inbox-${lang}.png`, fullPage: true });
    await page.goto(`${base}/workbench/deadlines?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-deadlines-${lang}.png`, fullPage: true });
  }
  await audit(page, "deadlines");

  // the record: a refusal without grounds is refused by the rules, shown next to the field
  await page.goto(`${base}/workbench/records/${key}?lang=en`);
  await audit(page, "record");
  await page.selectOption("#kind", "emission.refused");
  await page.fill("#basis-number", "F-1");
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("#event .error")).some((e) => e.textContent !== ""),
  );
  result.refusalError = (await page.textContent("#refused-grounds-error")).trim();
  result.refusalInvalid = await page.getAttribute("#event .kind-fields[data-kind='emission.refused'] .field[data-field=grounds] input", "aria-invalid");
  // register, resting on a decision whose file is hashed in the browser (it never leaves it)
  // decided on a day the collateral's appraisal was still current (Reg. §3-6)
  await page.selectOption("#kind", "emission.registered");
  await page.fill("#effective_on", "2026-10-15");
  await page.fill("#basis-date", "2026-10-15");
  await page.fill("#basis-number", "R-77");
  await page.setInputFiles("#basis-file", {
    name: "decision.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4 decision R-77"),
  });
  await page.waitForFunction(() => document.getElementById("basis-sha256").value.length === 64);
  result.sha256 = await page.inputValue("#basis-sha256");
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() => document.getElementById("form-ok").textContent !== "");
  result.registered = (await page.textContent("#form-ok")).trim();
  result.statusAfter = (await page.textContent("#record-status")).trim();
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench/records/${key}?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-record-${lang}.png`, fullPage: true });
  }
  // ...and cancel it on the authority's decision (Reg. §45, §47, §64)
  await page.goto(`${base}/workbench/records/${key}?lang=en`);
  await page.selectOption("#kind", "emission.cancelled");
  await page.selectOption("#cancelled-ground", "authority_decision");
  await page.fill("#basis-number", "C-78");
  await page.click("#event button[type=submit]");
  await page.waitForFunction(
    () =>
      document.getElementById("form-ok").textContent !== "" ||
      document.getElementById("form-error").textContent !== "",
  );
  result.cancelled = (await page.textContent("#form-ok")).trim();
  result.cancelError = (await page.textContent("#form-error")).trim();
  result.statusCancelled = (await page.textContent("#record-status")).trim();

  // a new record: an issuer (Reg. §9.5-9.7) as `tamga issuer add` files it; first without its
  // address (refused, shown at the field), then complete
  await page.goto(`${base}/workbench/new?lang=en`);
  await audit(page, "new");
  await page.selectOption("#kind", "issuer");
  result.basisHiddenForFiling = await page.isHidden("fieldset.basis");
  await page.fill("#issuer-name", "Aizada Browser");
  await page.selectOption("#issuer-issuer_kind", "individual_entrepreneur");
  await page.selectOption("#issuer-region", "naryn");
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("#event .error")).some((e) => e.textContent !== ""),
  );
  result.issuerError = (await page.textContent("#issuer-legal_address-error")).trim();
  await page.fill("#issuer-legal_address", "Naryn, Lenin street 2");
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() => document.getElementById("form-ok").textContent !== "");
  result.issuerFiled = (await page.textContent("#form-ok")).trim();
  await page.selectOption("#kind", "calendar");
  result.basisShownForDecree = await page.isVisible("fieldset.basis");
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench/new?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-new-${lang}.png`, fullPage: true });
  }

  // burned supply: table, chart, CSV; publish its SHA-256 into the log
  await page.goto(`${base}/workbench/supply?lang=en`);
  await audit(page, "supply");
  result.supplyHasKey = (await page.locator(`#supply tr[data-key="${burnedKey}"]`).count()) > 0;
  result.chart = (await page.locator("#supply-chart polyline").count()) === 2;
  await page.click("#publish button[type=submit]");
  await page.waitForFunction(
    () =>
      document.querySelector("#publish .form-ok").textContent !== "" ||
      document.querySelector("#publish .form-error").textContent !== "",
  );
  result.publishError = (await page.textContent("#publish .form-error")).trim();
  await page.waitForSelector("#publications");
  result.publications = await page.locator("#publications tbody tr").count();
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench/supply?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-supply-${lang}.png`, fullPage: true });
    // wider than the phone (390 px): a mobile viewport would grow to fit, so compare with 390
    result.overflows[`supply-${lang}`] = await page.evaluate(
      () => document.documentElement.scrollWidth > 391,
    );
  }
  // findings: resolve the critical one with a note
  await page.goto(`${base}/workbench/findings?lang=en`);
  await audit(page, "findings");
  result.findingsBefore = await page.locator("tr[data-finding]").count();
  const row = page.locator('tr[data-finding="supply.exceeds-register"]');
  await row.locator("textarea").fill("Checked with the issuer: the burn was entered late.");
  await Promise.all([
    page.waitForNavigation(),
    row.locator("button[type=submit]").click(),
  ]);
  result.findingsAfter = await page.locator("tr[data-finding]").count();
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench/findings?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-findings-${lang}.png`, fullPage: true });
    // wider than the phone (390 px): a mobile viewport would grow to fit, so compare with 390
    result.overflows[`findings-${lang}`] = await page.evaluate(
      () => document.documentElement.scrollWidth > 391,
    );
  }
  // node health
  await page.goto(`${base}/workbench/health?lang=en`);
  await audit(page, "health");
  result.balance = (await page.textContent("#health-balance")).trim();
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/workbench/health?lang=${lang}`);
    await page.screenshot({ path: `${shots}/workbench-health-${lang}.png`, fullPage: true });
    // wider than the phone (390 px): a mobile viewport would grow to fit, so compare with 390
    result.overflows[`health-${lang}`] = await page.evaluate(
      () => document.documentElement.scrollWidth > 391,
    );
  }

  // sign out: the session ends, the workbench asks to sign in again
  await page.click("#sign-out");
  await page.waitForURL(`${base}/workbench`);
  result.signedOut = (await page.locator("#signin").count()) === 1;
} catch (error) {
  result.error = String(error);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    result.errorsShown = await pages[0].evaluate(() =>
      Array.from(document.querySelectorAll(".error")).map((e) => e.textContent).filter(Boolean),
    );
  } catch (e) {
    result.errorsShown = String(e);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
