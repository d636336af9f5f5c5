// Drives the API with the clients front-ends use: Apollo Client (with apollo-upload-client, so
// uploads are GraphQL multipart requests) and graphql-ws for subscriptions. Run by
// tests/test_js_clients.py:  node web/tests/clients.mjs '{"url": ..., "token": ..., ...}'
// It prints one JSON object of what the clients received; the Python side asserts on it
// against the catalogue. A transport failure (not a GraphQL error) exits non-zero.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import createUploadLink from "apollo-upload-client/createUploadLink.mjs";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const { url, token, department, photo, photoName, topK } = JSON.parse(process.argv[2]);
const auth = { headers: { Authorization: `Bearer ${token}` } };

function apollo(headers) {
  return new ApolloClient({
    link: createUploadLink({ uri: `${url}/graphql`, headers }),
    cache: new InMemoryCache(),
    // Results as the server sent them: no cache in between, errors beside the data.
    defaultOptions: {
      query: { fetchPolicy: "no-cache", errorPolicy: "all" },
      mutate: { fetchPolicy: "no-cache", errorPolicy: "all" },
    },
  });
}

// The header a multipart request needs (CSRF protection); Apollo's own name for it.
const client = apollo({ "Apollo-Require-Preflight": "true" });

// The data without the __typename fields Apollo adds to every selection it sends.
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "__typename")
      .map(([key, field]) => [key, plain(field)]),
  );
}

function errors(result) {
  return (result.errors ?? []).map((error) => ({
    code: error.extensions?.code ?? null,
    message: error.message,
  }));
}

async function products() {
  const result = await client.query({
    query: gql`
      query Department($filter: ProductFilter, $first: Int) {
        products(filter: $filter, first: $first) {
          totalCount
          edges { node { code name department { number name } } }
        }
      }
    `,
    variables: { filter: { departmentNumber: department }, first: 3 },
  });
  return { data: plain(result.data), errors: errors(result) };
}

async function refused() {
  const withoutToken = await client.mutate({
    mutation: gql`mutation { cancelJob(id: "no-such-job") { id } }`,
  });
  const tooMany = await client.query({
    query: gql`query($code: ID!) { similarProducts(code: $code, topK: 1000) { score } }`,
    variables: { code: photoName },
  });
  return { withoutToken: errors(withoutToken), tooMany: errors(tooMany) };
}

function follow(jobId) {
  const ws = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const seen = [];
  return new Promise((resolve, reject) => {
    ws.subscribe(
      {
        query: `subscription($id: ID!) {
          jobProgress(id: $id) { id kind status processed total failed error }
        }`,
        variables: { id: jobId },
      },
      {
        next: (message) => seen.push(message),
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(seen),
      },
    );
  }).finally(() => ws.dispose());
}

async function embedAndFollow() {
  const started = await client.mutate({
    mutation: gql`mutation { embedImages(onlyMissing: false) { id status } }`,
    context: auth,
  });
  if (started.errors?.length) return { started: errors(started) };
  const job = plain(started.data.embedImages);
  return { started: job, messages: await follow(job.id) };
}

async function search() {
  const image = new File([await readFile(photo)], `${photoName}.jpg`, { type: "image/jpeg" });
  const query = gql`
    query Search($image: Upload!, $topK: Int) {
      searchByImage(image: $image, topK: $topK) { rank score product { code name } }
    }
  `;
  const found = await client.query({ query, variables: { image, topK } });

  // The same upload without the preflight header: the server refuses it before GraphQL.
  let withoutPreflight;
  try {
    await apollo({}).query({ query, variables: { image, topK } });
    withoutPreflight = { status: 200 };
  } catch (error) {
    withoutPreflight = { status: error.networkError?.statusCode ?? null };
  }
  return { data: plain(found.data), errors: errors(found), withoutPreflight };
}

// Automatic persisted queries: Apollo's link sends the document's hash alone, the server asks
// for the document once (PersistedQueryNotFound), then the hash alone is enough. What each
// request carried is recorded.
async function persisted() {
  const sent = [];
  const recording = async (uri, options) => {
    const body = JSON.parse(options.body);
    sent.push({ hash: Boolean(body.extensions?.persistedQuery), query: Boolean(body.query) });
    return fetch(uri, options);
  };
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const link = createPersistedQueryLink({ sha256 }).concat(
    new HttpLink({ uri: `${url}/graphql`, fetch: recording }),
  );
  const apq = new ApolloClient({
    link,
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache", errorPolicy: "all" } },
  });
  const query = gql`query Departments { departments { number name } }`;
  const first = await apq.query({ query });
  const second = await apq.query({ query });
  return {
    sent,
    first: { data: plain(first.data), errors: errors(first) },
    second: { data: plain(second.data), errors: errors(second) },
  };
}

const report = {
  persisted: await persisted(),
  products: await products(),
  refused: await refused(),
  job: await embedAndFollow(),
  search: await search(),
};
console.log(JSON.stringify(report));
