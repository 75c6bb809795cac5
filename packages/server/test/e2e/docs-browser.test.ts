import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, ROOT, type Served, serve } from "./cli.js";

/*
 * The interactive API reference at /docs in a real browser: the real `tessera serve` process, Debian's
 * Chromium driven by playwright-core. It renders our /openapi.json, authorizes with the demo tenant's
 * development key, runs "Try it out", and loads nothing from outside this machine.
 * The browser is TESSERA_CHROMIUM or /usr/bin/chromium (`.ci/run` installs Debian's `chromium`).
 * With neither, these tests are reported as skipped on a developer's machine, and FAIL under CI
 * (CI set): a browser test that silently does not run proves nothing.
 */

const CHROMIUM = process.env.TESSERA_CHROMIUM || "/usr/bin/chromium";
const noBrowser = !existsSync(CHROMIUM);
const skipNote = noBrowser
  ? ` [skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or set TESSERA_CHROMIUM]`
  : "";
if (noBrowser && process.env.CI) {
  throw new Error(
    `CI is set but there is no Chromium at ${CHROMIUM}: install Debian's chromium or set TESSERA_CHROMIUM`,
  );
}
if (noBrowser) console.warn(`docs-browser.test.ts:${skipNote}`);
const SCREENSHOTS = join(ROOT, ".tmp");
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

describe("the API reference at /docs in Chromium", () => {
  let dir: string | undefined;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let devKey: string;
  /** What the page did over the whole walk: every URL it asked for, error statuses, page and console errors. */
  const requested: string[] = [];
  const failedResponses: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (noBrowser) return;
    dir = mkdtempSync(join(tmpdir(), "tessera-docs-"));
    // `serve` passes --port 0 (a free port the OS picks; the banner names it) and waits for /readyz.
    server = await serve(["--database-url", `sqlite:${join(dir, "t.db")}`, "--log-level", "warn"], {});
    const demo = JSON.parse(readFileSync(join(dir, "demo-tenant.json"), "utf8")) as { keys: Record<string, string> };
    devKey = demo.keys.development!;
    expect(devKey).toMatch(/^tsk_development_/);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // playwright-core gives each launch a new, empty profile directory (--user-data-dir) of its own.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => {
      requested.push(request.url());
    });
    page.on("response", (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
    });
    page.on("pageerror", (error) => {
      pageErrors.push(error.message);
    });
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(noBrowser)(`renders /openapi.json: the title, the tag sections, the operations${skipNote}`, async () => {
    const response = await page.goto(`${server.url}/docs`);
    expect(response?.status()).toBe(200);
    // A strict policy: only this origin's scripts (and the page's one inline script, by hash).
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'sha256-[^']+'(;|$)/);
    expect(headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(await page.title()).toBe("Tessera API reference");

    // Everything below is drawn by swagger-ui from the document; the HTML page itself has none of it.
    await page.locator(".information-container .info .title").waitFor();
    expect(await page.locator(".info .title").textContent()).toContain("Tessera API");
    expect(await page.locator(".info .description").textContent()).toContain("problem+json");

    const document = (await http(server.url)("GET", "/openapi.json")).body as {
      tags: Array<{ name: string }>;
      paths: Record<string, unknown>;
    };
    const tags = await page.locator("h3.opblock-tag").evaluateAll((els) => els.map((e) => e.getAttribute("data-tag")));
    // Each operation sits in its tag's section.
    const section = (tag: string) =>
      page.locator(".opblock-tag-section").filter({ has: page.locator(`h3.opblock-tag[data-tag="${tag}"]`) });
    for (const tag of ["Tenants", "API keys", "Catalog", "Storefronts", "Customers", "Webhooks"]) {
      expect(tags).toContain(tag);
    }
    for (const { name } of document.tags) expect(tags).toContain(name);

    // Tags start collapsed (swagger-ui draws at most 126 operations at once): each is opened in turn.
    const paths: Array<string | null> = [];
    for (const { name } of document.tags) {
      const heading = page.locator(`h3.opblock-tag[data-tag="${name}"]`);
      await heading.click();
      const inSection = section(name).locator(".opblock .opblock-summary-path");
      await inSection.first().waitFor();
      paths.push(...(await inSection.evaluateAll((els) => els.map((e) => e.getAttribute("data-path")))));
      await heading.click();
    }
    expect(paths).toContain("/v1/customers");
    expect(paths).toContain("/v1/entitlements");
    for (const path of Object.keys(document.paths)) expect(paths).toContain(path);
    // Catalog stays open for the tests below.
    await page.locator('h3.opblock-tag[data-tag="Catalog"]').click();
    await section("Catalog").locator('.opblock-summary-path[data-path="/v1/entitlements"]').first().waitFor();
  });

  it.skipIf(noBrowser)(`an expanded operation shows its x-tn header and the Problem schema${skipNote}`, async () => {
    const op = page.locator("#operations-Catalog-listEntitlements");
    await op.locator(".opblock-summary").click();
    const xtn = op.locator('table.parameters tr[data-param-name="x-tn"][data-param-in="header"]');
    await xtn.waitFor();
    expect(await xtn.locator(".parameter__name").textContent()).toContain("x-tn");
    expect(await xtn.locator(".parameter__name").getAttribute("class")).toContain("required");
    expect(await xtn.textContent()).toContain("Tenant id or slug");
    expect(await op.locator('table.parameters tr[data-param-name="limit"][data-param-in="query"]').count()).toBe(1);

    const badRequest = op.locator('tr.response[data-code="400"]');
    expect(await badRequest.textContent()).toContain("application/problem+json");
    await badRequest.getByRole("tab", { name: "Schema" }).click();
    const model = badRequest.locator(".model-box");
    await model.waitFor();
    const schemaText = await model.textContent();
    expect(schemaText).toContain("Problem");
    for (const field of ["type", "title", "status", "code", "request_id", "errors"])
      expect(schemaText).toContain(field);
  });

  it.skipIf(noBrowser)(
    `Authorize with the demo development key, then "Try it out" on GET /v1/entitlements: 200 and the demo catalog${skipNote}`,
    async () => {
      await page.locator(".scheme-container button.authorize").click();
      const apiKeyForm = page
        .locator(".dialog-ux .auth-container")
        .filter({ has: page.locator("code", { hasText: /^apiKey$/ }) });
      await apiKeyForm.locator("input").fill(devKey);
      await apiKeyForm.getByRole("button", { name: "Apply credentials" }).click();
      // Authorized: the form says so and now offers to remove the key instead of an input for it.
      await apiKeyForm.getByRole("button", { name: "Remove authorization" }).waitFor();
      expect(await apiKeyForm.locator("h6").textContent()).toBe("Authorized");
      expect(await apiKeyForm.locator("input").count()).toBe(0);
      // The pasted key is kept in memory only: nothing in the browser's storage holds it.
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
      expect(stored).not.toContain(devKey);
      await page.locator(".dialog-ux button.close-modal").click();
      await page.locator(".dialog-ux").waitFor({ state: "detached" });

      const op = page.locator("#operations-Catalog-listEntitlements");
      await op.locator("button.try-out__btn").click();
      await op.locator('tr[data-param-name="x-tn"] input').fill("demo");
      const [apiResponse] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/entitlements"),
        op.locator("button.execute").click(),
      ]);
      expect(apiResponse.url().startsWith(`${server.url}/v1/entitlements`)).toBe(true);
      const sent = await apiResponse.request().allHeaders();
      expect(sent.authorization).toBe(`Bearer ${devKey}`);
      expect(sent["x-tn"]).toBe("demo");
      expect(apiResponse.status()).toBe(200);

      const live = op.locator(".live-responses-table tr.response");
      await live.waitFor();
      expect((await live.locator(".response-col_status").textContent())?.trim()).toBe("200");
      expect(await op.locator(".request-url").textContent()).toContain(`${server.url}/v1/entitlements`);
      const rendered = await live.locator(".response-col_description .highlight-code").first().textContent();

      // The demo catalog, as the API itself lists it with the same key: every entitlement is on screen.
      const expected = await http(server.url, devKey, "demo")("GET", "/v1/entitlements");
      expect(expected.status).toBe(200);
      const keys = (expected.body.data as Array<{ key: string; id: string }>).map((e) => e.key);
      expect(keys).toEqual(expect.arrayContaining(["export-pdf", "support", "api-calls"]));
      for (const e of expected.body.data as Array<{ key: string; id: string }>) {
        expect(rendered).toContain(`"${e.key}"`);
        expect(rendered).toContain(`"${e.id}"`);
      }

      mkdirSync(SCREENSHOTS, { recursive: true });
      await op.screenshot({ path: join(SCREENSHOTS, "docs-try-it-out.png") });
    },
  );

  it.skipIf(noBrowser)(`loads only from this machine, with no page errors and no failed loads${skipNote}`, async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "docs.png") });

    const origin = new URL(server.url).origin;
    expect(requested).toContain(`${origin}/docs/assets/swagger-ui-bundle.js`);
    expect(requested).toContain(`${origin}/docs/assets/swagger-ui.css`);
    expect(requested).toContain(`${origin}/openapi.json`);
    const elsewhere = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === "data:" || protocol === "blob:") return false;
      return !LOCAL_HOSTS.has(hostname);
    });
    expect(elsewhere).toEqual([]);
    expect(failedResponses).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
