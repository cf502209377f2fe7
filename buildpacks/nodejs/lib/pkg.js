// node pkg.js PACKAGE_JSON COMMAND [ARG] — read what the nodejs buildpack needs from package.json.
//   check           exit 0 when the file is a JSON object, else print why and exit 1
//   script NAME     print scripts[NAME] (empty when absent)
//   deps            print the names of dependencies, devDependencies and optionalDependencies
//   engine          print engines.node (empty when absent)
//   main            print main (empty when absent)
"use strict";
const fs = require("fs");
const [file, command, arg] = process.argv.slice(2);
let pkg;
try {
  pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  if (pkg === null || typeof pkg !== "object" || Array.isArray(pkg)) throw new Error("not a JSON object");
} catch (e) {
  console.log(`package.json is not valid: ${e.message}`);
  process.exit(1);
}
const str = (v) => (typeof v === "string" ? v : "");
switch (command) {
  case "check":
    break;
  case "script":
    console.log(str((pkg.scripts || {})[arg]));
    break;
  case "deps": {
    const names = new Set();
    for (const key of ["dependencies", "devDependencies", "optionalDependencies"]) {
      for (const name of Object.keys(pkg[key] || {})) names.add(name);
    }
    if (names.size) console.log([...names].sort().join("\n"));
    break;
  }
  case "engine":
    console.log(str((pkg.engines || {}).node));
    break;
  case "main":
    console.log(str(pkg.main));
    break;
  default:
    console.error(`pkg.js: unknown command ${command}`);
    process.exit(2);
}
