// `npm test`: start the handler on a free port and check its answers with node:assert.
"use strict";
const assert = require("node:assert");
const http = require("node:http");
const { handler } = require("./server");

function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    }).on("error", reject);
  });
}

(async () => {
  const server = http.createServer(handler).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address();
  try {
    const home = await get(port, "/");
    assert.strictEqual(home.status, 200);
    assert.match(home.body, /Hello from Gantry \(nodejs\)/);

    const health = await get(port, "/health");
    assert.deepStrictEqual(JSON.parse(health.body), { status: "ok" });

    assert.strictEqual((await get(port, "/nope")).status, 404);
    console.log("3 tests passed");
  } finally {
    server.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
