// A dependency-free Node.js app for Gantry: the `http` module, listening on $PORT.
"use strict";
const http = require("http");

function handler(req, res) {
  if (req.url === "/health") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
    return;
  }
  if (req.url !== "/") {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("Not found\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.end("Hello from Gantry (nodejs)\n");
}

module.exports = { handler };

if (require.main === module) {
  const port = Number(process.env.PORT || 3000);
  const server = http.createServer(handler);
  server.listen(port, "0.0.0.0", () => console.log(`listening on port ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}
