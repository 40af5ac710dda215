/**
 * Renders subgraph.yaml from subgraph.template.yaml and config/<network>.json.
 *
 *   node scripts/render.mjs [network]     network: argv, else $SUBGRAPH_NETWORK, else localhost
 *
 * A config names the distributor (`address`, `startBlock`) and its timelock, the distributor's
 * admin (`timelock`, `timelockStartBlock`). It may name an Ignition deployment
 * (`ignition: { deployment, futureId, timelockFutureId }`); when that deployment exists in
 * ../ignition/deployments, its addresses win over the config's, so local addresses are never
 * copied by hand. Rendering for a network whose address is still the zero
 * address fails: deploy the contract first and record its address and start block.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const ROOT = path.resolve(SUBGRAPH, "..");
const ZERO = "0x0000000000000000000000000000000000000000";

const networks = readdirSync(path.join(SUBGRAPH, "config"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -".json".length));
const network = process.argv[2] ?? process.env.SUBGRAPH_NETWORK ?? "localhost";
if (!networks.includes(network)) {
  console.error(`render: unknown network "${network}" (config/: ${networks.join(", ")})`);
  process.exit(1);
}

const config = JSON.parse(readFileSync(path.join(SUBGRAPH, "config", `${network}.json`), "utf8"));
let source = `config/${network}.json`;
if (config.ignition) {
  const file = path.join(ROOT, "ignition/deployments", config.ignition.deployment, "deployed_addresses.json");
  const deployed = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const address = deployed[config.ignition.futureId];
  if (address) {
    config.address = address;
    source = path.relative(SUBGRAPH, file);
  }
  const timelock = config.ignition.timelockFutureId ? deployed[config.ignition.timelockFutureId] : undefined;
  if (timelock) config.timelock = timelock;
}
if (!/^0x[0-9a-fA-F]{40}$/.test(config.address ?? "")) {
  console.error(`render: config/${network}.json: "address" must be a 0x-prefixed 20-byte hex address`);
  process.exit(1);
}
if (config.address === ZERO && !config.allowZeroAddress) {
  console.error(
    `render: ${network}: RewardsDistributor is not deployed yet (address is zero in config/${network}.json)`,
  );
  process.exit(1);
}
if (!Number.isSafeInteger(config.startBlock) || config.startBlock < 0) {
  console.error(`render: config/${network}.json: "startBlock" must be a non-negative integer`);
  process.exit(1);
}
if (!/^0x[0-9a-fA-F]{40}$/.test(config.timelock ?? "")) {
  console.error(
    `render: config/${network}.json: "timelock" (the distributor's TimelockController admin) must be a 0x-prefixed 20-byte hex address`,
  );
  process.exit(1);
}
if (config.timelock === ZERO && !config.allowZeroAddress) {
  console.error(`render: ${network}: RewardsTimelock is not deployed yet (timelock is zero in config/${network}.json)`);
  process.exit(1);
}
config.timelockStartBlock ??= config.startBlock;
if (!Number.isSafeInteger(config.timelockStartBlock) || config.timelockStartBlock < 0) {
  console.error(`render: config/${network}.json: "timelockStartBlock" must be a non-negative integer`);
  process.exit(1);
}

/** Event name → manifest signature, from the ABI scripts/abi.mjs wrote. */
function eventsOf(contract) {
  const abiFile = path.join(SUBGRAPH, `generated/abis/${contract}.json`);
  if (!existsSync(abiFile)) {
    console.error(`render: generated/abis/${contract}.json is missing: run \`node scripts/abi.mjs\` first`);
    process.exit(1);
  }
  return new Map(
    JSON.parse(readFileSync(abiFile, "utf8"))
      .filter((item) => item.type === "event")
      .map((item) => [item.name, eventSignature(item)]),
  );
}
const events = {
  event: ["RewardsDistributor", eventsOf("RewardsDistributor")],
  timelockEvent: ["RewardsTimelock", eventsOf("RewardsTimelock")],
};

// Placeholders are whole quoted YAML scalars ("{{key}}"), so the template stays valid YAML;
// strings are re-quoted with JSON.stringify, numbers are written bare.
const values = {
  network: JSON.stringify(config.network),
  address: JSON.stringify(config.address),
  startBlock: String(config.startBlock),
  timelock: JSON.stringify(config.timelock),
  timelockStartBlock: String(config.timelockStartBlock),
};
const template = readFileSync(path.join(SUBGRAPH, "subgraph.template.yaml"), "utf8");
const manifest = template.replace(/"\{\{\s*(\w+)(?::(\w+))?\s*\}\}"/g, (_, key, arg) => {
  if (key in events) {
    const [contract, signatures] = events[key];
    const signature = signatures.get(arg);
    if (!signature) {
      console.error(`render: subgraph.template.yaml handles event ${arg}, which the ${contract} ABI lacks`);
      process.exit(1);
    }
    return JSON.stringify(signature);
  }
  if (!(key in values) || values[key] === undefined) {
    console.error(`render: subgraph.template.yaml uses {{${key}}}, which config/${network}.json does not set`);
    process.exit(1);
  }
  return values[key];
});
if (manifest.includes("{{")) {
  console.error("render: subgraph.template.yaml has a placeholder that is not a whole quoted scalar");
  process.exit(1);
}
writeFileSync(path.join(SUBGRAPH, "subgraph.yaml"), manifest);
console.log(
  `render: subgraph.yaml for ${network} (${config.network}, ${config.address} from ${source}, block ${config.startBlock}; timelock ${config.timelock}, block ${config.timelockStartBlock})`,
);

/** The manifest's event signature: `Name(indexed uint64,bytes32,address[])`, tuples as `(t1,t2)`. */
function eventSignature(event) {
  const type = (p) =>
    p.type.startsWith("tuple") ? `(${p.components.map(type).join(",")})${p.type.slice("tuple".length)}` : p.type;
  return `${event.name}(${event.inputs.map((p) => `${p.indexed ? "indexed " : ""}${type(p)}`).join(",")})`;
}
