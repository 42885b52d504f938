// Drives real headless Chromium through the issuers' portal with an injected EIP-1193 provider
// (window.ethereum) backed by an anvil dev account: sign in (personal_sign of the EIP-4361
// message), file an application (one field wrong first: the rule at the field; the draft kept
// across a reload), sign the wallet proof (eth_signTypedData_v4), file the contract's source,
// sign out; axe-core on every page; screenshots in three languages.
// Usage: node portal.mjs BASE_URL SCREENSHOT_DIR ANVIL_URL ACCOUNT ISSUER KEY FILING_JSON
import { auditor, launch } from "./common.mjs";

const [base, shots, anvil, account, issuer, key, filingJson] = process.argv.slice(2);
const filing = JSON.parse(filingJson);
const browser = await launch();
const result = { cspViolations: [], axe: {}, overflows: {}, pageErrors: [], walletCalls: [] };

const audit = auditor(result);

async function fillField(page, name, value) {
  const id = `#emission-${name}`;
  const multi = page.locator(`.kind-fields[data-kind=emission] .field[data-field="${name}"] input[type=checkbox]`);
  if ((await multi.count()) > 0 && Array.isArray(value)) {
    for (const v of value) await page.check(`.field[data-field="${name}"] input[value="${v}"]`);
    return;
  }
  const tag = await page.$eval(id, (e) => e.tagName.toLowerCase() + ":" + (e.getAttribute("data-type") || ""));
  if (tag.startsWith("select")) await page.selectOption(id, String(value));
  else if (tag.endsWith(":json")) await page.fill(id, JSON.stringify(value));
  else if (tag.endsWith(":bool")) await page.setChecked(id, Boolean(value));
  else await page.fill(id, String(value));
}

try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  // the wallet: accounts from the page's point of view, signatures made by anvil's dev account
  await page.exposeFunction("__anvilRpc", async (method, params) => {
    result.walletCalls.push(method);
    const answer = await fetch(anvil, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: method, params: params }),
    });
    const body = await answer.json();
    if (body.error) throw new Error(body.error.message);
    return body.result;
  });
  await page.exposeFunction("reportViolation", (v) => result.cspViolations.push(v));
  await page.addInitScript((address) => {
    window.ethereum = {
      request: async ({ method, params }) => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
        return window.__anvilRpc(method, params || []);
      },
    };
    document.addEventListener("securitypolicyviolation", (e) =>
      window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  }, account);
  page.on("pageerror", (e) => result.pageErrors.push(String(e)));

  // sign in with the wallet
  const first = await page.goto(`${base}/portal?lang=en`);
  result.csp = first.headers()["content-security-policy"];
  await audit(page, "signin");
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/portal?lang=${lang}`);
    await page.screenshot({ path: `${shots}/portal-signin-${lang}.png`, fullPage: true });
  }
  await page.fill("#issuer-code", issuer);
  await Promise.all([page.waitForNavigation(), page.click("#wallet-button")]);
  result.user = (await page.textContent("#portal-user")).trim();
  result.listsKey = (await page.locator(`tr[data-key="${key}"]`).count()) === 1;
  await audit(page, "home");

  // the application: one field wrong first, shown at the field; the draft survives a reload
  await page.goto(`${base}/portal/apply?lang=en`);
  await audit(page, "apply");
  // a collateral item added by its button carries every member of Reg. §3-6 to fill in
  await page.click('button[data-add-item="emission-collateral"]');
  result.collateralItem = JSON.parse(await page.inputValue("#emission-collateral"));
  for (const [name, value] of Object.entries(filing)) {
    if (name === "issuer") continue;
    await fillField(page, name, name === "symbol" ? "not a symbol!" : value);
  }
  // the white paper is named by its SHA-256, computed in the browser from the chosen file
  await page.setInputFiles("#emission-whitepaper-file", {
    name: "whitepaper.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4 white paper of Browser Filed Som"),
  });
  await page.waitForFunction(
    () => (JSON.parse(document.getElementById("emission-whitepaper").value).sha256 || "").length === 64,
  );
  result.whitepaper = JSON.parse(await page.inputValue("#emission-whitepaper"));
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("#event .error")).some((e) => e.textContent !== ""),
  );
  result.symbolError = (await page.textContent("#emission-symbol-error")).trim();
  result.formError = (await page.textContent("#form-error")).trim();
  await page.reload();
  result.draftName = await page.inputValue("#emission-name");
  result.draftStatus = (await page.textContent("#draft-status")).trim();
  await page.fill("#emission-symbol", filing.symbol);
  await page.click("#event button[type=submit]");
  await page.waitForFunction(() => document.getElementById("form-ok").textContent !== "");
  result.filed = (await page.textContent("#form-ok")).trim();
  result.draftAfter = await page.evaluate(
    (k) => window.localStorage.getItem(k),
    `tamga-draft:application-${issuer}`,
  );
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/portal/apply?lang=${lang}`);
    await page.screenshot({ path: `${shots}/portal-apply-${lang}.png`, fullPage: true });
    await page.goto(`${base}/portal?lang=${lang}`);
    await page.screenshot({ path: `${shots}/portal-home-${lang}.png`, fullPage: true });
  }

  // prove the token's wallet in the browser wallet (EIP-712), then file the source
  await page.goto(`${base}/portal/emissions/${key}?lang=en`);
  await audit(page, "emission");
  await page.click("#proof-sign");
  await page.waitForFunction(
    () =>
      document.getElementById("token-proof-ok").textContent !== "" ||
      document.getElementById("token-proof-error").textContent !== "",
  );
  result.proof = (await page.textContent("#token-proof-ok")).trim();
  result.proofError = (await page.textContent("#token-proof-error")).trim();
  await page.setInputFiles("#source-file", {
    name: "standard-input.json",
    mimeType: "application/json",
    buffer: Buffer.from(
      JSON.stringify({
        language: "Solidity",
        sources: { "src/Token.sol": { content: "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract Token {}\n" } },
        settings: { optimizer: { enabled: true, runs: 200 } },
      }),
    ),
  });
  await page.fill("#source-compiler", "0.8.28");
  await page.fill("#source-contract", "src/Token.sol:Token");
  await page.click("#source button[type=submit]");
  await page.waitForFunction(
    () =>
      document.getElementById("source-ok").textContent !== "" ||
      document.getElementById("source-error").textContent !== "",
  );
  result.source = (await page.textContent("#source-ok")).trim();
  result.sourceError = (await page.textContent("#source-error")).trim();
  for (const lang of ["ky", "ru", "en"]) {
    await page.goto(`${base}/portal/emissions/${key}?lang=${lang}`);
    await page.screenshot({ path: `${shots}/portal-emission-${lang}.png`, fullPage: true });
  }

  await page.click("#sign-out");
  await page.waitForURL(`${base}/portal`);
  result.signedOut = (await page.locator("#wallet-signin").count()) === 1;
} catch (error) {
  result.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
