// The explorer page: plain DOM and fetch against /graphql, nothing else.

const $ = (selector) => document.querySelector(selector);
const PAGE_SIZE = 24;
const POLL_MS = 3000;
const CODE = /^[0-9]{10}$/;
const CUSTOMER_ID = /^[0-9A-Za-z_-]{1,128}$/; // as the API checks it
const CUSTOMER_ROUTE = "customer/"; // #customer/<id>; a product is #<code>
const CUSTOMER_PAGE = 8;
const RECENT = 12; // purchases shown
const PICKS = 12; // recommendations shown, and "goes with" products

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
const PICK = `fragment Pick on Recommendation {
  score reasons { signal contribution because { code name } } product { ...Card }
}`;
// The recommendations are a second root field: if they fail, only that field is null (their list
// is non-null), and the rest of the view still shows.
const PRODUCT = `query($code: ID!, $same: Boolean!) {
  product(code: $code) {
    ...Card productCode description purchaseCount hasEmbedding model
    colour { name } graphicalAppearance { name }
    similar(topK: 10, sameDepartment: $same) { score product { ...Card } }
  }
  goesWith: product(code: $code) { recommendations(first: ${PICKS}) { ...Pick } }
} ${CARD} ${PICK}`;
const CUSTOMERS = `query($prefix: String) {
  customers(first: ${CUSTOMER_PAGE}, idPrefix: $prefix) {
    totalCount edges { node { id age purchaseCount } }
  }
}`;
const CUSTOMER = `query($id: ID!) {
  customer(id: $id) {
    id age clubMemberStatus fashionNewsFrequency purchaseCount
    purchases(first: ${RECENT}) { totalCount edges { node { date price product { ...Card } } } }
  }
  picks: customer(id: $id) { recommendations(first: ${PICKS}) { ...Pick } }
} ${CARD} ${PICK}`;
const SEARCH_BY_IMAGE = `query($image: Upload!) {
  searchByImage(image: $image, topK: 10) { score product { ...Card } }
} ${CARD}`;
const JOBS = `{ jobs { id kind status processed total failed } }`;
const JOB_NAMES = {
  EMBED_IMAGES: "Embedding images",
  RECOMPUTE_SIMILARITIES: "Recomputing similarities",
  RECOMPUTE_COPURCHASES: "Recomputing co-purchases",
};
const SIGNALS = {
  REPURCHASE: "Bought before",
  COPURCHASE: "Bought together",
  VISUAL: "Looks alike",
  TRENDING: "Trending this week",
  TRENDING_IN_GROUP: "Trending in their groups",
};
const PRODUCT_VIEW = ["#product", "#similar", "#goes-with"];
const CUSTOMER_VIEW = ["#customer", "#purchases", "#recommendations"];

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

// A product card: the list shows name and type; a similar one shows score, type and department;
// `extra` goes under either (a purchase's date, a recommendation's reasons).
function card(product, score, extra = []) {
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
  const label = el("span", { class: "caption" }, ...caption, ...extra);
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

// One line per signal; with `bought`, the purchases behind it ("because you bought X"). On a
// product's "goes with" the because is the product in view, so it is left out.
function reasonLine(reason, bought) {
  const names = reason.because.map((product) => product.name ?? product.code);
  const why = bought && names.length > 0 ? ` because you bought ${names.join(", ")}` : "";
  const signal = SIGNALS[reason.signal] ?? reason.signal;
  const text = ` +${reason.contribution.toFixed(3)}${why}`;
  const attributes = { class: "reason", "data-signal": reason.signal, title: `${signal}${text}` };
  return el("span", attributes, el("strong", {}, signal), text);
}

function pickCard(pick, bought) {
  const reasons = pick.reasons.map((reason) => reasonLine(reason, bought));
  return card(pick.product, pick.score, [el("span", { class: "reasons" }, ...reasons)]);
}

function purchaseCard({ date, price, product }) {
  const when = price === null ? date : `${date} · ${price.toFixed(4)}`;
  return card(product, undefined, [el("span", { class: "when" }, when)]);
}

// A section of cards with its note for an empty list; `cards` is null when the list failed.
function fillSection(id, cards, none) {
  $(`#${id}-list`).replaceChildren(...(cards ?? []));
  $(`#${id}-note`).hidden = cards !== null && cards.length > 0;
  $(`#${id}-note`).textContent = cards === null ? "Unavailable now." : none;
  $(`#${id}`).hidden = false;
}

function hide(selectors) {
  for (const selector of selectors) $(selector).hidden = true;
}

function markCurrent(code) {
  for (const button of document.querySelectorAll("#results .card")) {
    button.setAttribute("aria-current", String(button.dataset.code === code));
  }
}

function showHero(picture, name, code, facts, description) {
  $("#intro").hidden = true;
  hide(CUSTOMER_VIEW);
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

function customerInHash() {
  const hash = location.hash.slice(1);
  const id = hash.startsWith(CUSTOMER_ROUTE) ? hash.slice(CUSTOMER_ROUTE.length) : "";
  return CUSTOMER_ID.test(id) ? id : null;
}

// The view the address names: a product, a customer, or none (the intro).
function route() {
  if (codeInHash()) return showProduct(codeInHash());
  if (customerInHash()) return showCustomer(customerInHash());
  return null;
}

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
  const goesWith = data.goesWith?.recommendations ?? null;
  const picks = goesWith && goesWith.map((pick) => pickCard(pick, false));
  fillSection("goes-with", picks, "Nothing bought with it or like it yet.");
  $("#name").focus({ preventScroll: true });
}

function openCustomer(id) {
  const hash = `#${CUSTOMER_ROUTE}${id}`;
  if (location.hash === hash) showCustomer(id);
  else location.hash = hash;
}

function markCustomer(id) {
  for (const button of document.querySelectorAll("#customers .person")) {
    button.setAttribute("aria-current", String(button.dataset.id === id));
  }
}

async function showCustomer(id) {
  const ticket = ++latest;
  const data = await gql(CUSTOMER, { id });
  if (ticket !== latest) return;
  const customer = data?.customer;
  if (!customer) {
    if (data) setStatus(`No customer with id ${id}.`, true);
    return;
  }
  $("#intro").hidden = true;
  hide(PRODUCT_VIEW);
  $("#customer").hidden = false;
  $("#customer-id").textContent = customer.id;
  const facts = [
    ["Age", customer.age === null ? "–" : String(customer.age)],
    ["Club member", customer.clubMemberStatus ?? "–"],
    ["Fashion news", customer.fashionNewsFrequency ?? "–"],
    ["Purchases", String(customer.purchaseCount)],
  ];
  const pairs = facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]);
  $("#customer-facts").replaceChildren(...pairs);
  const { edges, totalCount } = customer.purchases;
  $("#purchases-count").textContent = `${edges.length} of ${totalCount}`;
  fillSection("purchases", edges.map((edge) => purchaseCard(edge.node)), "No purchases yet.");
  const picks = data.picks?.recommendations ?? null;
  const cards = picks && picks.map((pick) => pickCard(pick, true));
  fillSection("recommendations", cards, "Nothing to recommend yet.");
  markCustomer(id);
  $("#customer-name").focus({ preventScroll: true });
}

function personItem(customer) {
  const age = customer.age === null ? "age –" : `age ${customer.age}`;
  const attributes = { type: "button", class: "person", title: customer.id, "data-id": customer.id };
  const about = `${age} · ${customer.purchaseCount} purchases`;
  const button = el("button", attributes, el("span", { class: "id" }, customer.id), about);
  button.addEventListener("click", () => openCustomer(customer.id));
  return el("li", {}, button);
}

async function listCustomers(prefix) {
  const data = await gql(CUSTOMERS, { prefix });
  if (!data) return null;
  const { edges, totalCount } = data.customers;
  $("#customers").replaceChildren(...edges.map((edge) => personItem(edge.node)));
  $("#customers-count").textContent = `${edges.length} of ${totalCount}`;
  $("#customers-box").hidden = false;
  markCustomer(customerInHash());
  return edges.map((edge) => edge.node);
}

async function searchCustomers(event) {
  event.preventDefault();
  const prefix = $("#customer-q").value.trim();
  if (prefix && !CUSTOMER_ID.test(prefix)) {
    return setStatus("A customer id has only letters, digits, - and _.", true);
  }
  const found = await listCustomers(prefix || null);
  if (found?.length === 1) openCustomer(found[0].id);
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
  hide(["#goes-with"]);
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
  $("#customer-search").addEventListener("submit", searchCustomers);
  window.addEventListener("hashchange", route);

  const filters = await gql(FILTERS);
  if (filters) {
    fillSelect($("#department"), filters.departments);
    fillSelect($("#product-type"), filters.productTypes);
  }
  await randomSample();
  await route();
  pollJobs();
}

start();
