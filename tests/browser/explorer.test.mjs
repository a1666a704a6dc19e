// Browser tests of the explorer in headless Chromium (Debian's, driven by playwright-core),
// against a running `ogcr up --demo` (scripts/browser-tests.sh starts one). Every check reads
// what it expects from the JSON API of the same server, so nothing here is hard-coded to
// the demo's values: the pages must say what the API says.
//
//   OGCR_URL=http://127.0.0.1:8080 node tests/browser/explorer.test.mjs
//
// Screenshots of each page type go to $OGCR_SCREENSHOTS (default target/browser-screenshots).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const BASE = (process.env.OGCR_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const SHOTS = process.env.OGCR_SCREENSHOTS || "target/browser-screenshots";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(SHOTS, { recursive: true });

async function api(path) {
  const r = await fetch(BASE + path, { headers: { accept: "application/json" } });
  assert.equal(r.status, 200, `GET ${path} (JSON) answered ${r.status}`);
  return r.json();
}

async function all(path) {
  const out = [];
  for (let offset = 0; ; offset += 100) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=100&offset=${offset}`);
    out.push(...page.data);
    if (out.length >= page.pagination.total || page.data.length === 0) return out;
  }
}

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n  ${String(e && e.stack || e).split("\n").join("\n  ")}`);
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });

// Opens `path` in a new page, failing on a console error, a failed request or an error answer
// of any request the page makes (assets included).
async function open(path, { shot, phone } = {}) {
  const page = await context.newPage();
  if (phone) await page.setViewportSize({ width: 390, height: 844 });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`); });
  const resp = await page.goto(BASE + path, { waitUntil: "networkidle" });
  assert.equal(resp.status(), 200, `${path} answered ${resp.status()}`);
  assert.match(resp.headers()["content-type"], /text\/html/, `${path} is not HTML`);
  // The API's own URLs have two representations; the explorer-only pages one.
  if (!path.startsWith("/explorer/") && !path.endsWith("/check")) {
    assert.match(resp.headers()["vary"] || "", /accept/i, `${path} has no Vary: Accept`);
  }
  await page.waitForTimeout(150);
  assert.deepEqual(problems, [], `${path}: ${problems.join("; ")}`);
  if (shot) await page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
  return page;
}

async function axe(page, what) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`),
    [], `${what}: axe-core violations`);
}

const projects = await all("/projects");
const credits = await all("/credits");
const retirements = await all("/retirements");
const retiredEvents = await all("/events?event=CRURetired");
assert.ok(projects.length > 0 && credits.length > 0 && retirements.length > 0, "the demo has data");
const account = retirements[0].owner;

const pageTypes = [
  ["home", "/"],
  ["projects", "/projects"],
  ["project", `/projects/${projects[0].id}`],
  ["credits", "/credits"],
  ["credit", `/credits/${(credits.find((c) => c.parent_id) || credits[0]).id}`],
  ["retirements", "/retirements"],
  ["certificate", `/retirements/${retirements[0].credit_id}`],
  ["certificate-check", `/retirements/${retirements[0].credit_id}/check`],
  ["account", `/accounts/${account}`],
  ["validation", "/explorer/validation"],
];

await test("every page type loads with no console error, no failed request, no serious axe-core violation", async () => {
  const failures = [];
  for (const [name, path] of pageTypes) {
    try {
      const page = await open(path, { shot: name });
      await axe(page, path);
      await page.close();
    } catch (e) {
      failures.push(e.message);
    }
  }
  assert.deepEqual(failures, [], "pages with problems");
  const phone = await open(`/retirements/${retirements[0].credit_id}`, { shot: "certificate-phone", phone: true });
  await phone.close();
});

await test("the same URLs still answer JSON to programs", async () => {
  for (const [, path] of pageTypes.filter(([n]) => !["certificate-check", "validation"].includes(n))) {
    const r = await fetch(BASE + path, { headers: { accept: "*/*" } });
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get("content-type"), /json/, `${path} with Accept: */*`);
  }
});

await test("the project map draws every demo boundary", async () => {
  const page = await open("/projects");
  await page.waitForSelector(".map.map-ready");
  const drawn = Number(await page.getAttribute(".map", "data-boundaries"));
  const withGeometry = projects.filter((p) => p.geometry).length;
  assert.equal(drawn, withGeometry, "boundaries drawn");
  assert.equal(await page.locator(".leaflet-overlay-pane path.boundary").count(), withGeometry);
  await page.close();
});

await test("search and filters change the results as the API does", async () => {
  const page = await open("/projects");
  assert.equal(await page.locator("#project-list tbody tr").count(), projects.length);
  const target = projects[projects.length - 1];
  const word = target.properties.name.split(/\s+/).find((w) => w.length > 4);
  await page.fill("#f-q", word);
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  const expected = (await api(`/projects?q=${encodeURIComponent(word)}&limit=100`)).data.map((p) => p.id);
  const shown = await page.locator("#project-list tbody tr td:first-child code").allTextContents();
  assert.deepEqual(shown, expected, `search ${word}`);
  assert.ok(shown.includes(target.id));
  assert.ok(shown.length < projects.length, "the search narrowed the list");
  // The country filter: the first country the registry offers, as the API filters it.
  await page.goto(BASE + "/projects");
  const code = await page.locator("#f-country option").nth(1).getAttribute("value");
  await page.selectOption("#f-country", code);
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  const inCountry = (await api(`/projects?country=${code}&limit=100`)).data.map((p) => p.id);
  assert.ok(inCountry.length > 0, `projects in ${code}`);
  assert.deepEqual(await page.locator("#project-list tbody tr td:first-child code").allTextContents(), inCountry);
  await page.goto(BASE + "/projects");
  await page.selectOption("#f-status", "approved");
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  const approved = (await api("/projects?status=approved&limit=100")).data.map((p) => p.id);
  assert.deepEqual(await page.locator("#project-list tbody tr td:first-child code").allTextContents(), approved);
  await page.close();
});

await test("a project page's timeline matches /projects/{id}/history", async () => {
  for (const p of projects) {
    const history = await api(`/projects/${p.id}/history`);
    const page = await open(`/projects/${p.id}`);
    const shown = await page.locator("#timeline li").evaluateAll((lis) => lis.map((li) => li.dataset.to));
    assert.deepEqual(shown, history.status_history.map((s) => s.to), p.id);
    for (const s of history.status_history) {
      assert.ok((await page.content()).includes(s.ledger_reference.transaction_id), `${p.id}: tx ${s.ledger_reference.transaction_id}`);
    }
    await page.close();
  }
});

await test("a credit's provenance matches the chain", async () => {
  const splits = await all("/events?event=CRUSplit");
  const transfers = await all("/events?event=Transfer");
  const split = credits.find((c) => c.parent_id) || credits[0];
  const page = await open(`/credits/${split.id}`);
  const tokens = await page.locator("#provenance > li").evaluateAll((lis) => lis.map((li) => li.dataset.token));
  // Every block split from a block of this tree is in it, and nothing else.
  const tree = new Set([tokens[0]]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of splits) {
      const parent = String(e.args.parentId ?? e.args.tokenId);
      const child = String(e.args.newTokenId ?? e.args.childId ?? e.args.newId);
      if (tree.has(parent) && !tree.has(child)) { tree.add(child); grew = true; }
    }
  }
  assert.deepEqual([...tokens].sort(), [...tree].sort(), "the tree's blocks");
  assert.ok(tokens.includes(split.id), "the block itself is in its tree");
  const html = await page.content();
  for (const e of transfers.filter((t) => tree.has(String(t.args.tokenId)) && !/^0x0+$/.test(t.args.from))) {
    assert.ok(html.includes(e.transaction_hash), `transfer ${e.transaction_hash} shown`);
  }
  for (const e of retiredEvents.filter((r) => tree.has(String(r.args.tokenId)))) {
    assert.ok(html.includes(e.transaction_hash), `retirement ${e.transaction_hash} shown`);
  }
  await page.close();
});

await test("each retirement's certificate states its CRURetired event, checks against the chain and has a one-page PDF", async () => {
  assert.equal(retirements.length, retiredEvents.length, "one certificate per CRURetired event");
  for (const e of retiredEvents) {
    const id = String(e.args.tokenId);
    const page = await open(`/retirements/${id}`);
    assert.equal((await page.textContent("#beneficiary")).trim(), e.args.info.beneficiary || "(no beneficiary named)");
    const first = Number(e.args.serialStart), last = first + Number(e.args.amount) - 1;
    assert.match(await page.textContent("#serials"), new RegExp(`-${first}-${last}$`));
    assert.equal((await page.textContent("#tx")).trim(), e.transaction_hash);
    assert.ok(await page.locator(".qr svg").count() === 1, "a QR code");
    await Promise.all([page.waitForNavigation(), page.click("text=Check against the chain")]);
    assert.match(await page.textContent("#verdict"), /matches the chain/);
    await page.close();
    const pdf = await fetch(`${BASE}/retirements/${id}/certificate.pdf`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get("content-type"), "application/pdf");
    const bytes = Buffer.from(await pdf.arrayBuffer()).toString("latin1");
    assert.ok(bytes.startsWith("%PDF-"), "a PDF");
    assert.equal((bytes.match(/\/Type\s*\/Page(?![s\w])/g) || []).length, 1, `${id}: one page`);
    for (const fact of [e.transaction_hash, `${first}-${last}`]) {
      assert.ok(bytes.includes(fact), `${id}: the PDF states ${fact}`);
    }
    const name = e.args.info.beneficiary;
    if (name && /^[\x20-\x7e]*$/.test(name)) {
      assert.ok(bytes.includes(name.replace(/[()\\]/g, (c) => "\\" + c)), `${id}: the PDF names ${name}`);
    }
  }
});

await test("the certificate prints on one A4 page", async () => {
  const page = await open(`/retirements/${retirements[0].credit_id}`);
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
  const text = pdf.toString("latin1");
  assert.equal((text.match(/\/Type\s*\/Page(?![s\w])/g) || []).length, 1, "printed pages");
  await page.close();
});

await test("pages work without JavaScript", async () => {
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const page = await noJs.newPage();
  const r = await page.goto(`${BASE}/projects?status=approved`);
  assert.equal(r.status(), 200);
  const approved = (await api("/projects?status=approved&limit=100")).data.length;
  assert.equal(await page.locator("#project-list tbody tr").count(), approved);
  await page.goto(`${BASE}/retirements/${retirements[0].credit_id}`);
  assert.ok((await page.textContent("#tx")).includes(retirements[0].ledger_reference.transaction_id));
  await noJs.close();
});

await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${SHOTS}`);
process.exit(failed.length ? 1 : 0);
