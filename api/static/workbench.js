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
      await send("DELETE", "/v1/staff/session");
      window.location.assign("/workbench");
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
  kind.addEventListener("change", showKind);
  showKind();

  const file = document.getElementById("basis-file");
  file.addEventListener("change", async function () {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    const digest = await crypto.subtle.digest("SHA-256", await chosen.arrayBuffer());
    document.getElementById("basis-sha256").value = Array.from(new Uint8Array(digest))
      .map(function (b) {
        return b.toString(16).padStart(2, "0");
      })
      .join("");
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
    const data = {};
    const set = current();
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
    if (basisType) {
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
    const top = field.split(".")[0].replace(/\[.*$/, "");
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
    const body = { kind: kind.value, data: data };
    const on = document.getElementById("effective_on").value;
    if (on) body.effective_on = on;
    const answer = await send("POST", form.getAttribute("data-endpoint"), body);
    if (answer.status === 201) {
      const b = answer.body || {};
      document.getElementById("form-ok").textContent =
        (b.kind || kind.value) + " · #" + b.index + " · " + (b.tree_size || "");
      const status = b.emission ? b.emission.status : b.licence ? b.licence.status : b.miner ? b.miner.status : null;
      if (status) document.getElementById("record-status").textContent = status;
      return;
    }
    showProblem(answer.body);
  });
})();
