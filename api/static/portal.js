// The issuers' portal: sign-in with the browser's wallet (EIP-1193 `window.ethereum`: EIP-4361
// message signed with personal_sign) or a signature made elsewhere; the proof of wallet control
// (EIP-712, eth_signTypedData_v4); the contract's source; drafts of the application kept in the
// browser. Sends with workbench.js's helpers (loaded first) to the same API routes. No framework.
"use strict";

(function () {
  const tamga = window.tamga;

  function hexOf(text) {
    return (
      "0x" +
      Array.from(new TextEncoder().encode(text))
        .map(function (b) {
          return b.toString(16).padStart(2, "0");
        })
        .join("")
    );
  }

  function wallet() {
    if (!window.ethereum || typeof window.ethereum.request !== "function") {
      throw new Error(document.body.getAttribute("data-no-wallet") || "no browser wallet");
    }
    return window.ethereum;
  }

  async function challenge(issuer, address, chainId) {
    const answer = await tamga.send("POST", "/v1/auth/challenge", {
      issuer: issuer,
      address: address,
      chain_id: chainId,
    });
    if (answer.status !== 200) throw new Error(tamga.problemText(answer.body));
    return answer.body.message;
  }

  async function finish(message, signature, shown) {
    const answer = await tamga.send("POST", "/v1/auth/signin", {
      message: message,
      signature: signature,
      cookie: true,
    });
    if (answer.status === 200) {
      window.location.reload();
      return;
    }
    shown.textContent = tamga.problemText(answer.body);
  }

  // ---- sign-in with the browser's wallet -------------------------------------------------
  const signin = document.getElementById("wallet-signin");
  if (signin) {
    const shown = document.getElementById("signin-error");
    signin.addEventListener("submit", async function (event) {
      event.preventDefault();
      shown.textContent = "";
      try {
        const eth = wallet();
        const accounts = await eth.request({ method: "eth_requestAccounts" });
        const address = accounts[0];
        const chainId = parseInt(await eth.request({ method: "eth_chainId" }), 16) || 1;
        const issuer = document.getElementById("issuer-code").value.trim().toUpperCase();
        const message = await challenge(issuer, address, chainId);
        const signature = await eth.request({
          method: "personal_sign",
          params: [hexOf(message), address],
        });
        await finish(message, signature, shown);
      } catch (e) {
        shown.textContent = e && e.message ? e.message : String(e);
      }
    });
  }

  // ---- ...or with a signature made elsewhere (e.g. `cast wallet sign "<message>"`) ---------
  const manual = document.getElementById("manual-signin");
  if (manual) {
    const shown = document.getElementById("manual-error");
    document.getElementById("manual-message").addEventListener("click", async function () {
      shown.textContent = "";
      try {
        const issuer = document.getElementById("issuer-code").value.trim().toUpperCase();
        const address = document.getElementById("manual-address").value.trim();
        document.getElementById("manual-text").value = await challenge(issuer, address, 1);
      } catch (e) {
        shown.textContent = e.message;
      }
    });
    manual.addEventListener("submit", async function (event) {
      event.preventDefault();
      shown.textContent = "";
      await finish(
        document.getElementById("manual-text").value,
        document.getElementById("manual-signature").value.trim(),
        shown,
      );
    });
  }

  // ---- the proof of wallet control (EIP-712) ---------------------------------------------
  const proof = document.getElementById("token-proof");
  if (proof) {
    const endpoint = proof.getAttribute("data-endpoint");
    const shown = document.getElementById("token-proof-error");
    const ok = document.getElementById("token-proof-ok");

    async function statement() {
      const answer = await tamga.send("GET", endpoint + "/statement");
      if (answer.status !== 200) throw new Error(tamga.problemText(answer.body));
      document.getElementById("token-proof-typed-data").value = JSON.stringify(
        answer.body.typed_data,
      );
      document.getElementById("token-proof-nonce").value = answer.body.nonce;
      document.getElementById("token-proof-expiry").value = answer.body.expiry;
      return answer.body;
    }

    async function submit() {
      const answer = await tamga.send("POST", endpoint, {
        signature: document.getElementById("token-proof-signature").value.trim(),
        nonce: Number(document.getElementById("token-proof-nonce").value),
        expiry: Number(document.getElementById("token-proof-expiry").value),
      });
      if (answer.status === 201) {
        const p = answer.body.verification && answer.body.verification.wallet_proof;
        ok.textContent =
          (answer.body.kind || "verification.wallet_proved") +
          " · #" +
          answer.body.index +
          (p ? " · " + p.method : "");
        return;
      }
      shown.textContent =
        (answer.body && answer.body.field ? answer.body.field + ": " : "") +
        tamga.problemText(answer.body);
    }

    document.getElementById("proof-statement-only").addEventListener("click", async function () {
      shown.textContent = "";
      try {
        await statement();
      } catch (e) {
        shown.textContent = e.message;
      }
    });
    document.getElementById("proof-sign").addEventListener("click", async function () {
      shown.textContent = "";
      ok.textContent = "";
      try {
        const eth = wallet();
        const accounts = await eth.request({ method: "eth_requestAccounts" });
        const body = await statement();
        const signature = await eth.request({
          method: "eth_signTypedData_v4",
          params: [accounts[0], JSON.stringify(body.typed_data)],
        });
        document.getElementById("token-proof-signature").value = signature;
        await submit();
      } catch (e) {
        shown.textContent = e && e.message ? e.message : String(e);
      }
    });
    proof.addEventListener("submit", async function (event) {
      event.preventDefault();
      shown.textContent = "";
      ok.textContent = "";
      await submit();
    });
  }

  // ---- the contract's source (solc standard-JSON input) -----------------------------------
  const source = document.getElementById("source");
  if (source) {
    const shown = document.getElementById("source-error");
    const ok = document.getElementById("source-ok");
    source.addEventListener("submit", async function (event) {
      event.preventDefault();
      shown.textContent = "";
      ok.textContent = "";
      const file = document.getElementById("source-file").files[0];
      if (!file) {
        shown.textContent = "standard_json: " + document.body.getAttribute("data-choose-file");
        return;
      }
      let standard;
      try {
        standard = JSON.parse(await file.text());
      } catch (e) {
        shown.textContent = "standard_json: JSON: " + e.message;
        return;
      }
      const answer = await tamga.send("POST", source.getAttribute("data-endpoint"), {
        standard_json: standard,
        compiler: document.getElementById("source-compiler").value.trim(),
        contract: document.getElementById("source-contract").value.trim(),
      });
      if (answer.status === 201) {
        const d = answer.body;
        ok.textContent = (d.kind || "verification.source_filed") + " · #" + d.index + " · " +
          ((d.detail && d.detail.sha256) || "");
        return;
      }
      shown.textContent =
        (answer.body && answer.body.field ? answer.body.field + ": " : "") +
        tamga.problemText(answer.body);
    });
  }

  // ---- drafts of the application, kept in this browser until filed -----------------------
  const draft = document.querySelector("form[data-draft]");
  if (draft) {
    const key = "tamga-draft:" + draft.getAttribute("data-draft");
    const status = document.getElementById("draft-status");
    const inputs = function () {
      // a chosen file is not kept (a browser never sets one from a script): its hash is
      return Array.from(
        draft.querySelectorAll(".kind-fields input, .kind-fields select, .kind-fields textarea"),
      ).filter(function (input) {
        return input.type !== "file";
      });
    };
    const saved = window.localStorage.getItem(key);
    if (saved) {
      const values = JSON.parse(saved);
      inputs().forEach(function (input) {
        const id = input.id || input.name + ":" + input.value;
        if (!(id in values)) return;
        if (input.type === "checkbox") input.checked = values[id];
        else input.value = values[id];
      });
      status.textContent = document.body.getAttribute("data-draft-restored") || "draft restored";
    }
    draft.addEventListener("input", function () {
      const values = {};
      inputs().forEach(function (input) {
        const id = input.id || input.name + ":" + input.value;
        values[id] = input.type === "checkbox" ? input.checked : input.value;
      });
      window.localStorage.setItem(key, JSON.stringify(values));
    });
    document.getElementById("draft-clear").addEventListener("click", function () {
      window.localStorage.removeItem(key);
      window.location.reload();
    });
    // filed: the draft has served its purpose
    new MutationObserver(function () {
      if (document.getElementById("form-ok").textContent !== "") window.localStorage.removeItem(key);
    }).observe(document.getElementById("form-ok"), { childList: true, characterData: true, subtree: true });
  }
})();
