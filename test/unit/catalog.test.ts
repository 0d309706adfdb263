import { describe, expect, it } from "vitest";
import { CatalogError, categoryBand, categoryOf, DEFAULT_CATALOG, loadCatalog, productName } from "../../src/core/catalog";

const good = { product_id: "p1", name: "Thing", category: "misc", price_min_cents: 100, price_max_cents: 200 };

describe("built-in catalog", () => {
  it("has at least 50 products with unique ids, names, categories and valid bands within $10–$500", () => {
    const ps = DEFAULT_CATALOG.products;
    expect(ps.length).toBeGreaterThanOrEqual(50);
    expect(new Set(ps.map((p) => p.product_id)).size).toBe(ps.length);
    expect(ps[0].product_id).toBe("prod-001");
    for (const p of ps) {
      expect(p.product_id).toMatch(/^prod-\d{3}$/);
      expect(p.name.length).toBeGreaterThan(0);
      expect(Number.isInteger(p.price_min_cents) && Number.isInteger(p.price_max_cents)).toBe(true);
      expect(p.price_min_cents).toBeGreaterThanOrEqual(10_00);
      expect(p.price_max_cents).toBeLessThanOrEqual(500_00);
      expect(p.price_min_cents).toBeLessThanOrEqual(p.price_max_cents);
    }
    expect(DEFAULT_CATALOG.categories.length).toBeGreaterThanOrEqual(5);
  });

  it("round-trips through loadCatalog, as a bare array and as {products}", () => {
    const products = DEFAULT_CATALOG.products;
    expect(loadCatalog(JSON.stringify({ products })).products).toEqual(products);
    expect(loadCatalog(JSON.stringify(products)).products).toEqual(products);
  });

  it("looks up categories and names; an unknown product is in category 'unknown' (SPEC)", () => {
    expect(categoryOf(DEFAULT_CATALOG, "prod-001")).toBe("electronics");
    expect(categoryOf(DEFAULT_CATALOG, "prod-999")).toBe("unknown");
    expect(productName(DEFAULT_CATALOG, "prod-001")).toBe("Wireless Earbuds");
    expect(productName(DEFAULT_CATALOG, "nope")).toBeUndefined();
    expect(categoryBand(DEFAULT_CATALOG, "books")).toEqual({ min: 10_00, max: 45_00 });
    expect(categoryBand(DEFAULT_CATALOG, "nope")).toBeUndefined();
  });
});

describe("loadCatalog errors", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["not JSON", "{", /^catalog is not valid JSON/],
    ["wrong shape", '{"items": []}', /must be an array of products/],
    ["empty", "[]", /has no products/],
    ["non-object product", "[1]", /products\[0\] must be an object/],
    ["missing name", [{ ...good, name: undefined }], /products\[0\]\.name must be a non-empty string, got nothing/],
    ["empty category", [{ ...good, category: "" }], /products\[0\]\.category must be a non-empty string/],
    ["duplicate id", [good, good], /products\[1\]\.product_id 'p1' is a duplicate/],
    ["fractional cents", [{ ...good, price_min_cents: 1.5 }], /price_min_cents must be a positive integer \(cents\), got 1.5/],
    ["zero price", [{ ...good, price_min_cents: 0 }], /price_min_cents must be a positive integer/],
    ["max below min", [{ ...good, price_max_cents: 50 }], /price_max_cents must be an integer >= price_min_cents \(100\), got 50/],
  ];
  it.each(cases)("%s", (_, input, message) => {
    const text = typeof input === "string" ? input : JSON.stringify(input);
    expect(() => loadCatalog(text)).toThrow(CatalogError);
    expect(() => loadCatalog(text)).toThrow(message);
  });

  it("accepts a parsed value and keeps only the known fields", () => {
    const c = loadCatalog({ products: [{ ...good, colour: "red" }] });
    expect(c.products).toEqual([good]);
    expect(c.byId.get("p1")).toEqual(good);
  });
});
