/**
 * The product catalog: names, categories and price bands. The generator draws products and
 * prices from it; the runner uses it to fill in `category` for events that lack one (SPEC:
 * unknown product → `unknown`) and `product_name` for `orders_metrics`.
 */

/** One product. Prices are integer cents so that money never drifts. */
export interface Product {
  product_id: string;
  name: string;
  category: string;
  /** Lowest regular price, in cents (> 0). */
  price_min_cents: number;
  /** Highest regular price, in cents (>= price_min_cents). */
  price_max_cents: number;
}

/** A validated catalog with O(1) lookup by product id. */
export interface Catalog {
  readonly products: readonly Product[];
  readonly byId: ReadonlyMap<string, Product>;
  /** Category names in first-seen order. */
  readonly categories: readonly string[];
}

/** Category of events whose product is not in the catalog (SPEC). */
export const UNKNOWN_CATEGORY = "unknown";

// [name, category, min $, max $]. Category bands are deliberately distinct (books are cheap,
// electronics dear) so that an anomalous purchase is far outside its category's usual range.
const BUILTIN: ReadonlyArray<readonly [string, string, number, number]> = [
  ["Wireless Earbuds", "electronics", 49, 129], ["Mechanical Keyboard", "electronics", 69, 179],
  ["4K Monitor", "electronics", 249, 499], ["USB-C Hub", "electronics", 29, 69],
  ["Smartwatch", "electronics", 149, 399], ["Bluetooth Speaker", "electronics", 39, 149],
  ["Noise-Cancelling Headphones", "electronics", 199, 449], ["Portable SSD 1TB", "electronics", 79, 159],
  ["Webcam HD", "electronics", 39, 99], ["E-Reader", "electronics", 99, 249],
  ["The Pragmatic Programmer", "books", 25, 45], ["Designing Data-Intensive Applications", "books", 30, 45],
  ["Sci-Fi Paperback", "books", 10, 18], ["Cookbook: Weeknight Dinners", "books", 18, 35],
  ["Children's Picture Book", "books", 10, 20], ["World Atlas", "books", 25, 45],
  ["Mystery Novel", "books", 12, 22], ["Poetry Collection", "books", 10, 25],
  ["Denim Jacket", "clothing", 59, 129], ["Running Shoes", "clothing", 69, 149],
  ["Cotton T-Shirt", "clothing", 15, 29], ["Wool Sweater", "clothing", 49, 119],
  ["Rain Coat", "clothing", 79, 150], ["Baseball Cap", "clothing", 15, 35],
  ["Yoga Pants", "clothing", 29, 79], ["Leather Belt", "clothing", 25, 59],
  ["Espresso Machine", "home", 149, 299], ["Cast Iron Skillet", "home", 25, 59],
  ["Memory Foam Pillow", "home", 29, 69], ["Scented Candle Set", "home", 20, 39],
  ["Robot Vacuum", "home", 199, 300], ["Bath Towel Set", "home", 29, 79],
  ["Desk Lamp", "home", 25, 89], ["Chef's Knife", "home", 39, 149],
  ["Yoga Mat", "sports", 20, 69], ["Adjustable Dumbbells", "sports", 99, 250],
  ["Tennis Racket", "sports", 49, 199], ["Water Bottle", "sports", 15, 35],
  ["Cycling Helmet", "sports", 49, 149], ["Camping Tent", "sports", 99, 249],
  ["Resistance Bands", "sports", 15, 39], ["Moisturizer", "beauty", 12, 45],
  ["Perfume", "beauty", 39, 80], ["Lipstick", "beauty", 10, 29],
  ["Shampoo & Conditioner", "beauty", 12, 30], ["Sunscreen SPF 50", "beauty", 10, 24],
  ["Hair Dryer", "beauty", 29, 80], ["Building Blocks Set", "toys", 29, 119],
  ["Board Game", "toys", 19, 59], ["Plush Bear", "toys", 10, 29],
  ["Remote Control Car", "toys", 29, 89], ["Puzzle 1000 pieces", "toys", 12, 29],
  ["Science Kit", "toys", 25, 69], ["Organic Coffee Beans", "grocery", 12, 29],
  ["Green Tea Sampler", "grocery", 10, 25], ["Olive Oil 1L", "grocery", 15, 39],
  ["Dark Chocolate Box", "grocery", 10, 35], ["Protein Powder", "grocery", 29, 60],
  ["Maple Syrup", "grocery", 10, 24], ["Spice Collection", "grocery", 19, 49],
];

/** Product ids are `prod-001`, `prod-002`, … */
export function productId(index: number): string {
  return `prod-${String(index + 1).padStart(3, "0")}`;
}

function index(products: Product[]): Catalog {
  const byId = new Map<string, Product>();
  const categories: string[] = [];
  const seen = new Set<string>();
  for (const p of products) {
    byId.set(p.product_id, p);
    if (!seen.has(p.category)) {
      seen.add(p.category);
      categories.push(p.category);
    }
  }
  return { products, byId, categories };
}

/** The built-in catalog: 60 products in 8 categories, $10–$500. */
export const DEFAULT_CATALOG: Catalog = index(
  BUILTIN.map(([name, category, lo, hi], i) => ({
    product_id: productId(i),
    name,
    category,
    price_min_cents: lo * 100,
    price_max_cents: hi * 100,
  })),
);

/** A catalog file that does not describe a valid catalog. */
export class CatalogError extends Error {
  override name = "CatalogError";
}

function isCents(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

/**
 * Validates a catalog given as JSON text or a parsed value: either an array of products or
 * `{ "products": [...] }`, each `{ product_id, name, category, price_min_cents, price_max_cents }`
 * with unique non-empty ids and integer prices in cents. Throws {@link CatalogError} naming the
 * first offending product and field.
 */
export function loadCatalog(json: string | unknown): Catalog {
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new CatalogError(`catalog is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const list = Array.isArray(value) ? value : (value as { products?: unknown } | null)?.products;
  if (!Array.isArray(list)) throw new CatalogError('catalog must be an array of products or {"products": [...]}');
  if (list.length === 0) throw new CatalogError("catalog has no products");
  const products: Product[] = [];
  const ids = new Set<string>();
  list.forEach((raw: unknown, i: number) => {
    const where = `catalog products[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CatalogError(`${where} must be an object`);
    const p = raw as Record<string, unknown>;
    for (const f of ["product_id", "name", "category"] as const) {
      if (typeof p[f] !== "string" || (p[f] as string).length === 0) {
        throw new CatalogError(`${where}.${f} must be a non-empty string, got ${JSON.stringify(p[f]) ?? "nothing"}`);
      }
    }
    const id = p.product_id as string;
    if (ids.has(id)) throw new CatalogError(`${where}.product_id '${id}' is a duplicate`);
    ids.add(id);
    if (!isCents(p.price_min_cents)) throw new CatalogError(`${where}.price_min_cents must be a positive integer (cents), got ${JSON.stringify(p.price_min_cents) ?? "nothing"}`);
    if (!isCents(p.price_max_cents) || p.price_max_cents < p.price_min_cents) {
      throw new CatalogError(`${where}.price_max_cents must be an integer >= price_min_cents (${p.price_min_cents}), got ${JSON.stringify(p.price_max_cents) ?? "nothing"}`);
    }
    products.push({
      product_id: id,
      name: p.name as string,
      category: p.category as string,
      price_min_cents: p.price_min_cents,
      price_max_cents: p.price_max_cents,
    });
  });
  return index(products);
}

/** The category of a product; `unknown` (SPEC) when the catalog does not list it. */
export function categoryOf(catalog: Catalog, productId: string): string {
  return catalog.byId.get(productId)?.category ?? UNKNOWN_CATEGORY;
}

/** The name of a product, or undefined when the catalog does not list it. */
export function productName(catalog: Catalog, productId: string): string | undefined {
  return catalog.byId.get(productId)?.name;
}

/** The price range of a category in cents (union of its products' bands). */
export function categoryBand(catalog: Catalog, category: string): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const p of catalog.products) {
    if (p.category !== category) continue;
    if (p.price_min_cents < min) min = p.price_min_cents;
    if (p.price_max_cents > max) max = p.price_max_cents;
  }
  return min === Infinity ? undefined : { min, max };
}
