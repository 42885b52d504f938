// The registry office's workbench: sends the forms to the API routes (the same ones every
// client uses) with the session's CSRF token, shows a refusal next to its field. No framework.
"use strict";

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.getAttribute("content") : "";

  async function send(method, url, body) {
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Idempotency-Key"] = crypto.randomUUID();
    }
    const response = await fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (e) {
      payload = null;
    }
    return { status: response.status, body: payload };
  }

  function problemText(p) {
    if (!p) return "error";
    const parts = [p.detail || p.title || "error"];
    if (p.rule) parts.push("[" + p.rule + (p.paragraph ? "; " + p.paragraph : "") + "]");
    return parts.join(" ");
  }
  // the issuers' portal (api/static/portal.js) sends with the same two helpers
  window.tamga = { send: send, problemText: problemText };

  // ---- sign-in, sign-out ------------------------------------------------------------------
  const signin = document.getElementById("signin");
  if (signin) {
    signin.addEventListener("submit", async function (event) {
      event.preventDefault();
      const token = document.getElementById("token").value;
      const answer = await fetch("/v1/staff/session", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ token: token }),
      });
      if (answer.status === 200) {
        window.location.reload();
        return;
      }
      let p = null;
      try {
        p = await answer.json();
      } catch (e) {
        p = null;
      }
      document.getElementById("signin-error").textContent = problemText(p);
    });
  }
  const out = document.getElementById("sign-out");
  if (out) {
    out.addEventListener("click", async function () {
      await send("DELETE", out.getAttribute("data-endpoint") || "/v1/staff/session");
      window.location.assign(out.getAttribute("data-home") || "/workbench");
    });
  }

  // ---- a miner's wallet proof: the statement to sign, then the miner's signature ------------
  const proof = document.getElementById("wallet-proof");
  if (proof) {
    const endpoint = proof.getAttribute("data-endpoint");
    const shown = document.getElementById("proof-error");
    document.getElementById("proof-statement").addEventListener("click", async function () {
      shown.textContent = "";
      const answer = await send("GET", endpoint + "/statement");
      if (answer.status !== 200) {
        shown.textContent = problemText(answer.body);
        return;
      }
      document.getElementById("proof-typed-data").value = JSON.stringify(answer.body.typed_data);
      document.getElementById("proof-nonce").value = answer.body.nonce;
      document.getElementById("proof-expiry").value = answer.body.expiry;
    });
    proof.addEventListener("submit", async function (event) {
      event.preventDefault();
      shown.textContent = "";
      document.getElementById("proof-ok").textContent = "";
      const answer = await send("POST", endpoint, {
        signature: document.getElementById("proof-signature").value.trim(),
        nonce: Number(document.getElementById("proof-nonce").value),
        expiry: Number(document.getElementById("proof-expiry").value),
      });
      if (answer.status === 201) {
        document.getElementById("proof-ok").textContent =
          (answer.body.kind || "miner.wallet_proved") + " · #" + answer.body.index;
        return;
      }
      shown.textContent = ((answer.body && answer.body.field) ? answer.body.field + ": " : "") +
        problemText(answer.body);
    });
  }

  // ---- small forms posting JSON to one API route (resolve a finding, publish a report) ------
  document.querySelectorAll("form.api-form").forEach(function (small) {
    small.addEventListener("submit", async function (event) {
      event.preventDefault();
      const error = small.querySelector(".form-error");
      const ok = small.querySelector(".form-ok");
      error.textContent = "";
      ok.textContent = "";
      small.querySelectorAll("[aria-invalid]").forEach(function (e) {
        e.removeAttribute("aria-invalid");
      });
      const body = {};
      small.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (i) {
        body[i.name] = i.value;
      });
      const answer = await send("POST", small.getAttribute("data-endpoint"), body);
      if (answer.status === 201) {
        const b = answer.body || {};
        ok.textContent = "#" + b.index + " · " + (b.tree_size || "");
        window.setTimeout(function () {
          window.location.reload();
        }, 600);
        return;
      }
      const p = answer.body;
      const field = (p && p.field) || "";
      const input = field ? small.querySelector('[name="' + field + '"]') : null;
      if (input) input.setAttribute("aria-invalid", "true");
      error.textContent = (field ? field + ": " : "") + problemText(p);
    });
  });

  // ---- the event form ----------------------------------------------------------------------
  const form = document.getElementById("event");
  if (!form) return;
  const kind = document.getElementById("kind");

  function current() {
    return form.querySelector('.kind-fields[data-kind="' + kind.value + '"]');
  }
  function showKind() {
    form.querySelectorAll(".kind-fields").forEach(function (set) {
      set.hidden = set.getAttribute("data-kind") !== kind.value;
    });
  }
  const dateLabel = form.querySelector('label[for="effective_on"]');
  function showKindAndBasis() {
    showKind();
    // a filing carries no decision basis (the API refuses one); a decree and an event do;
    // an application is dated by its filing, not by an effective date
    const set = current();
    document.querySelector(".basis").hidden = set.getAttribute("data-basis") === "no";
    const undated = set.getAttribute("data-dated") === "no";
    const date = document.getElementById("effective_on");
    if (date.type !== "hidden") date.hidden = undated;
    if (dateLabel) dateLabel.hidden = undated;
  }
  kind.addEventListener("change", showKindAndBasis);
  showKindAndBasis();

  // a document is named by its SHA-256, computed here: the file itself never leaves the browser
  async function sha256Hex(chosen) {
    const digest = await crypto.subtle.digest("SHA-256", await chosen.arrayBuffer());
    return Array.from(new Uint8Array(digest))
      .map(function (b) {
        return b.toString(16).padStart(2, "0");
      })
      .join("");
  }
  const file = document.getElementById("basis-file");
  file.addEventListener("change", async function () {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    document.getElementById("basis-sha256").value = await sha256Hex(chosen);
  });
  // a document member of a filing (the white paper …): its hash goes into its JSON
  form.querySelectorAll("input[data-hash-into]").forEach(function (input) {
    input.addEventListener("change", async function () {
      const chosen = input.files && input.files[0];
      if (!chosen) return;
      const target = document.getElementById(input.getAttribute("data-hash-into"));
      let value = {};
      try {
        value = JSON.parse(target.value || "{}");
      } catch (e) {
        value = {};
      }
      value.sha256 = await sha256Hex(chosen);
      target.value = JSON.stringify(value);
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  // a list of objects (collateral items): one more item, its members to fill in
  form.querySelectorAll("button[data-add-item]").forEach(function (button) {
    button.addEventListener("click", function () {
      const target = document.getElementById(button.getAttribute("data-add-item"));
      let items = [];
      try {
        items = JSON.parse(target.value || "[]");
      } catch (e) {
        items = [];
      }
      if (!Array.isArray(items)) items = [items];
      items.push(JSON.parse(button.getAttribute("data-item")));
      target.value = JSON.stringify(items, null, 1);
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    });
  });

  function clearErrors() {
    form.querySelectorAll(".error").forEach(function (e) {
      e.textContent = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) {
      e.removeAttribute("aria-invalid");
    });
    document.getElementById("form-ok").textContent = "";
  }

  function collect() {
    const set = current();
    // members the page fixes (the portal's issuer) are sent as given, never typed
    const data = JSON.parse(set.getAttribute("data-fixed") || "{}");
    set.querySelectorAll(".field").forEach(function (div) {
      const name = div.getAttribute("data-field");
      const inputs = div.querySelectorAll("input, select, textarea");
      if (!inputs.length) return;
      const type = inputs[0].getAttribute("data-type");
      if (type === "multi") {
        const chosen = Array.from(inputs)
          .filter(function (i) {
            return i.checked;
          })
          .map(function (i) {
            return i.value;
          });
        if (chosen.length) data[name] = chosen;
      } else if (type === "bool") {
        data[name] = inputs[0].checked;
      } else if (type === "json") {
        if (inputs[0].value.trim()) data[name] = JSON.parse(inputs[0].value);
      } else if (type === "integer") {
        if (inputs[0].value !== "") data[name] = Number(inputs[0].value);
      } else if (inputs[0].value !== "") {
        data[name] = inputs[0].value;
      }
    });
    const basisType = document.getElementById("basis-type").value;
    if (basisType && set.getAttribute("data-basis") !== "no") {
      const basis = {
        type: basisType,
        number: document.getElementById("basis-number").value,
        date: document.getElementById("basis-date").value,
        issued_by: document.getElementById("basis-issued_by").value,
      };
      const sha = document.getElementById("basis-sha256").value;
      if (sha) basis.sha256 = sha;
      data.basis = basis;
    }
    return data;
  }

  function showProblem(p) {
    const field = (p && p.field) || "";
    const top = field.replace(/^filing\./, "").split(".")[0].replace(/\[.*$/, "");
    let target = null;
    if (top === "effective_on") target = document.getElementById("effective_on-error");
    else if (top === "basis") target = document.getElementById("basis-error");
    else if (top) {
      const div = current().querySelector('.field[data-field="' + top + '"]');
      if (div) {
        target = div.querySelector(".error");
        div.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.setAttribute("aria-invalid", "true");
        });
      }
    }
    (target || document.getElementById("form-error")).textContent =
      (field ? field + ": " : "") + problemText(p);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clearErrors();
    let data;
    try {
      data = collect();
    } catch (e) {
      document.getElementById("form-error").textContent = "JSON: " + e.message;
      return;
    }
    // an event: {kind, data}; a filing (the new-record forms): {filing}; a decree: its fields
    const set = current();
    const wrap = set.getAttribute("data-wrap");
    let body;
    if (wrap === "filing") body = { filing: data };
    else if (wrap === "top") body = data;
    else body = { kind: kind.value, data: data };
    const on = document.getElementById("effective_on").value;
    if (on && set.getAttribute("data-dated") !== "no") body.effective_on = on;
    const endpoint = set.getAttribute("data-endpoint") || form.getAttribute("data-endpoint");
    const answer = await send("POST", endpoint, body);
    if (answer.status === 201) {
      const b = answer.body || {};
      const opened = b.code || b.certificate || b.number || b.application_no || "";
      document.getElementById("form-ok").textContent =
        (b.kind || kind.value) + (opened ? " · " + opened : "") + " · #" + b.index;
      const status = b.emission ? b.emission.status : b.licence ? b.licence.status : b.miner ? b.miner.status : null;
      const shown = document.getElementById("record-status");
      if (status && shown) shown.textContent = status;
      return;
    }
    showProblem(answer.body);
  });
})();
