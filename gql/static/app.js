// The explorer page: plain DOM and fetch against /graphql, nothing else.

const $ = (selector) => document.querySelector(selector);
const PAGE_SIZE = 24;
const POLL_MS = 3000;
const CODE = /^[0-9]{10}$/;

const CARD = `fragment Card on Product {
  code name hasImage imageUrl productType { name } department { number name }
}`;
const FILTERS = `{
  departments { number name }
  productTypes { number name }
}`;
const PRODUCTS = `query($filter: ProductFilter, $after: String) {
  products(filter: $filter, first: ${PAGE_SIZE}, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ...Card } }
  }
} ${CARD}`;
const RANDOM = `{ randomProducts(count: ${PAGE_SIZE}) { ...Card } } ${CARD}`;
const BY_CODE = `query($code: ID!) { product(code: $code) { ...Card } } ${CARD}`;
const PRODUCT = `query($code: ID!, $same: Boolean!) {
  product(code: $code) {
    ...Card productCode description purchaseCount hasEmbedding model
    colour { name } graphicalAppearance { name }
    similar(topK: 10, sameDepartment: $same) { score product { ...Card } }
  }
} ${CARD}`;
const SEARCH_BY_IMAGE = `query($image: Upload!) {
  searchByImage(image: $image, topK: 10) { score product { ...Card } }
} ${CARD}`;
const JOBS = `{ jobs { id kind status processed total failed } }`;
const JOB_NAMES = {
  EMBED_IMAGES: "Embedding images",
  RECOMPUTE_SIMILARITIES: "Recomputing similarities",
};

let browsing = null; // the filter and cursor behind the list, for "More"
let photoUrl = null; // object URL of the uploaded photo on show
let latest = 0; // the last view asked for; a slower, older answer must not replace it

// --- talking to the API ---------------------------------------------------------------------

async function request(body, headers = { "Content-Type": "application/json" }) {
  try {
    const response = await fetch("/graphql", { method: "POST", headers, body });
    if (!(response.headers.get("content-type") ?? "").includes("json")) {
      const message = `${response.status} ${response.statusText}`;
      return { data: null, errors: [{ message, extensions: { code: "HTTP_ERROR" } }] };
    }
    const result = await response.json();
    return { data: result.data ?? null, errors: result.errors ?? [] };
  } catch (error) {
    const { message } = error;
    return { data: null, errors: [{ message, extensions: { code: "NETWORK_ERROR" } }] };
  }
}

// A request the user asked for: its errors go to the status line, and data (maybe partial)
// comes back, or null.
async function send(body, headers) {
  setStatus("Loading…");
  $("#view").setAttribute("aria-busy", "true");
  const { data, errors } = await request(body, headers);
  $("#view").setAttribute("aria-busy", "false");
  const text = errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join(" · ");
  setStatus(text, errors.length > 0);
  return data;
}

const gql = (query, variables = {}) => send(JSON.stringify({ query, variables }));

function setStatus(text, isError = false) {
  $("#status").textContent = text;
  $("#status").classList.toggle("error", isError);
}

// --- drawing --------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// A drawn stand-in, so a product without a photo never shows as a broken image.
function placeholder() {
  const box = el("div", { class: "placeholder", role: "img", "aria-label": "No image" });
  box.innerHTML = `<svg viewBox="0 0 64 40" aria-hidden="true"><path d="M32 10a5 5 0 1 1 5 5
    c-3 1-5 2-5 5L4 34h56L32 20" fill="none" stroke="currentColor" stroke-width="2.5"
    stroke-linecap="round" stroke-linejoin="round"/></svg><span>No image</span>`;
  return box;
}

function picture(product) {
  if (!product.hasImage) return placeholder();
  const src = product.imageUrl ?? `/images/${product.code}`;
  const img = el("img", { src, alt: product.name ?? "" });
  img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
  return img;
}

// A product card: the list shows name and type; a similar one shows score, type and department.
function card(product, score) {
  const type = product.productType?.name ?? "–";
  const caption =
    score === undefined
      ? [el("span", { class: "name" }, product.name ?? product.code), el("span", {}, type)]
      : [
          el("strong", { class: "score" }, score.toFixed(3)),
          el("span", {}, type),
          el("span", { class: "department" }, product.department?.name ?? "–"),
        ];
  const attributes = {
    type: "button",
    class: "card",
    title: product.name ?? product.code,
    "data-code": product.code,
    "data-department": product.department?.number ?? "",
  };
  const label = el("span", { class: "caption" }, ...caption);
  const button = el("button", attributes, picture(product), label);
  button.addEventListener("click", () => open(product.code));
  return el("li", {}, button);
}

function showList(products, { append = false, total = products.length, more = false, label } = {}) {
  const cards = products.map((product) => card(product));
  if (append) $("#results").append(...cards);
  else $("#results").replaceChildren(...cards);
  $("#results-count").textContent = label ?? `${$("#results").children.length} of ${total}`;
  $("#more").hidden = !more;
}

function showSimilar(similar, note) {
  const list = similar ?? [];
  $("#similar-list").replaceChildren(...list.map((s) => card(s.product, s.score)));
  $("#similar-note").hidden = list.length > 0;
  $("#similar-note").textContent = similar === null ? "Similar products are unavailable now." : note;
  $("#similar").hidden = false;
}

function markCurrent(code) {
  for (const button of document.querySelectorAll("#results .card")) {
    button.setAttribute("aria-current", String(button.dataset.code === code));
  }
}

function showHero(picture, name, code, facts, description) {
  $("#intro").hidden = true;
  $("#product").hidden = false;
  $("#hero").replaceChildren(picture);
  $("#name").textContent = name;
  $("#code").textContent = code;
  const pairs = facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]);
  $("#facts").replaceChildren(...pairs);
  $("#description").textContent = description;
}

// --- what the user can do -------------------------------------------------------------------

const codeInHash = () => (CODE.test(location.hash.slice(1)) ? location.hash.slice(1) : null);

function open(code) {
  if (location.hash === `#${code}`) showProduct(code);
  else location.hash = code; // the hashchange listener shows it, and Back works
}

async function showProduct(code) {
  const ticket = ++latest;
  const same = $("#same-department").checked;
  const data = await gql(PRODUCT, { code, same });
  if (ticket !== latest) return;
  const product = data?.product;
  if (!product) {
    if (data) setStatus(`No product with code ${code}.`, true);
    return;
  }
  const embedding = product.model ?? "none";
  const facts = [
    ["Type", product.productType?.name ?? "–"],
    ["Department", product.department?.name ?? "–"],
    ["Colour", product.colour?.name ?? "–"],
    ["Appearance", product.graphicalAppearance?.name ?? "–"],
    ["Purchases", String(product.purchaseCount)],
    ["Embedding", embedding],
  ];
  const codes = `${product.code} · style ${product.productCode ?? "–"}`;
  showHero(picture(product), product.name ?? product.code, codes, facts, product.description ?? "");
  $("#similar-title").textContent =
    same && product.department ? `Most similar in ${product.department.name}` : "Ten most similar";
  $("#same-department-toggle").hidden = false;
  markCurrent(code);
  const none = product.hasEmbedding === false ? "No image embedding, so no look-alikes." : "None found.";
  showSimilar(product.similar, none);
  $("#name").focus({ preventScroll: true });
}

async function browse(filter, after = null) {
  const data = await gql(PRODUCTS, { filter, after });
  if (!data) return;
  const { edges, pageInfo, totalCount } = data.products;
  browsing = { filter, after: pageInfo.endCursor };
  const nodes = edges.map((edge) => edge.node);
  showList(nodes, { append: after !== null, total: totalCount, more: pageInfo.hasNextPage });
}

function currentFilter() {
  const number = (select) => (select.value === "" ? null : Number(select.value));
  return {
    departmentNumber: number($("#department")),
    productTypeNumber: number($("#product-type")),
    nameContains: $("#q").value.trim() || null,
  };
}

async function search(event) {
  event.preventDefault();
  const term = $("#q").value.trim();
  if (!CODE.test(term)) return browse(currentFilter());
  const data = await gql(BY_CODE, { code: term });
  if (!data) return;
  if (!data.product) return setStatus(`No product with code ${term}.`, true);
  showList([data.product]);
  open(term);
}

async function randomSample() {
  const data = await gql(RANDOM);
  if (data) showList(data.randomProducts, { label: "random sample" });
}

async function searchPhoto() {
  const file = $("#photo").files[0];
  if (!file) return;
  const form = new FormData();
  // The GraphQL multipart request spec: the operation, where the file goes, then the file.
  const operation = { query: SEARCH_BY_IMAGE, variables: { image: null } };
  form.append("operations", JSON.stringify(operation));
  form.append("map", JSON.stringify({ 0: ["variables.image"] }));
  form.append("0", file);
  // A header no plain HTML form can send, for servers that guard uploads against CSRF.
  const ticket = ++latest;
  const data = await send(form, { "Apollo-Require-Preflight": "true" });
  $("#photo").value = "";
  if (!data || ticket !== latest) return;
  if (photoUrl) URL.revokeObjectURL(photoUrl);
  photoUrl = URL.createObjectURL(file);
  history.replaceState(null, "", location.pathname); // no product in view now
  markCurrent(null);
  showHero(el("img", { src: photoUrl, alt: "Your photo" }), "Your photo", file.name, [], "");
  $("#similar-title").textContent = "Most similar to your photo";
  $("#same-department-toggle").hidden = true;
  showSimilar(data.searchByImage, "None found.");
}

async function pollJobs() {
  const { data } = await request(JSON.stringify({ query: JOBS }));
  const active = (data?.jobs ?? []).filter((job) => ["RUNNING", "QUEUED"].includes(job.status));
  const lines = active.map((job) => {
    const name = JOB_NAMES[job.kind] ?? job.kind;
    const done = job.status === "QUEUED" ? "queued" : `${job.processed} / ${job.total}`;
    const failed = job.failed ? ` · ${job.failed} failed` : "";
    const bar = el("progress", { max: job.total || 1, value: job.processed });
    return el("p", { class: "job", "data-status": job.status }, `${name}: ${done}${failed}`, bar);
  });
  $("#jobs").replaceChildren(...lines);
  setTimeout(pollJobs, POLL_MS);
}

function fillSelect(select, items) {
  const seen = new Map();
  for (const item of items) seen.set(item.name, (seen.get(item.name) ?? 0) + 1);
  const sorted = [...items].sort((a, b) => a.name.localeCompare(b.name));
  // Names are not unique in the H&M data; the number tells twins apart.
  const label = (item) => (seen.get(item.name) > 1 ? `${item.name} (${item.number})` : item.name);
  select.append(...sorted.map((item) => el("option", { value: item.number }, label(item))));
}

async function start() {
  $("#search").addEventListener("submit", search);
  $("#department").addEventListener("change", () => browse(currentFilter()));
  $("#product-type").addEventListener("change", () => browse(currentFilter()));
  $("#random").addEventListener("click", randomSample);
  $("#more").addEventListener("click", () => browse(browsing.filter, browsing.after));
  $("#same-department").addEventListener("change", () => codeInHash() && showProduct(codeInHash()));
  $("#photo").addEventListener("change", searchPhoto);
  window.addEventListener("hashchange", () => codeInHash() && showProduct(codeInHash()));

  const filters = await gql(FILTERS);
  if (filters) {
    fillSelect($("#department"), filters.departments);
    fillSelect($("#product-type"), filters.productTypes);
  }
  await randomSample();
  if (codeInHash()) await showProduct(codeInHash());
  pollJobs();
}

start();
